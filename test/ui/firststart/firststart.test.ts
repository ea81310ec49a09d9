import * as assert from 'assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, stratusApi } from '../api';
import { hasHarness, screenshot, sleep, waitForText } from '../screenshot';
import type { TreeSnapshot } from '../../../src/ui/context';
import type { InstanceRecord } from '../../../src/backend/kvm/types';
import { generateCertificate } from '../../../src/core/metadata/certs';

// The set-up's base image: npm start hands it over as STRATUS_BASE_IMAGE (then activation publishes it);
// the test tier knows it as STRATUS_TEST_BASE_IMAGE (then the test runs the same publishing command).
const base = process.env.STRATUS_BASE_IMAGE || process.env.STRATUS_TEST_BASE_IMAGE;

/** VS Code refuses modal dialogs in extension tests: Launch's modal seam records what it would show and answers. */
function modalAnswering(answer: string | undefined) {
  const seen: Array<{ kind: string; message: string; detail: string; buttons: string[] }> = [];
  const modal = async (kind: string, message: string, detail: string, buttons: string[]) => { seen.push({ kind, message, detail, buttons }); return answer; };
  return { seen, modal };
}

function flatten(nodes: TreeSnapshot[]): TreeSnapshot[] { return nodes.flatMap(n => [n, ...flatten(n.children ?? [])]); }

async function baseEntry(pred: (n: TreeSnapshot) => boolean, what: string, ms = 60_000): Promise<TreeSnapshot> {
  const api = await stratusApi();
  const end = Date.now() + ms;
  for (;;) {
    const nodes = flatten(await api.treeSnapshot('stratus.marketplace', 5));
    const n = nodes.find(x => /Debian 13 base image/.test(x.label));
    if (n && pred(n)) return n;
    if (Date.now() > end) assert.fail(`marketplace: ${what} not seen in ${ms / 1000} s: ${JSON.stringify(n ?? nodes.map(x => x.label))}`);
    await sleep(500);
  }
}

function instanceDirs(dataRoot: string): string[] {
  const d = path.join(dataRoot, 'instances');
  return fs.existsSync(d) ? fs.readdirSync(d).filter(f => f.startsWith('vm-')) : [];
}

function seededId(dataRoot: string): string { return JSON.parse(fs.readFileSync(path.join(dataRoot, 'first-start.json'), 'utf8')).identifier; }

describe('First start: a trusted base image, the walkthrough, trust and pre-flight in Launch', function () {
  this.timeout(600_000);
  const launched: string[] = [];

  before(async function () {
    if (!base || !fs.existsSync(base)) {
      console.log('skipped: set STRATUS_TEST_BASE_IMAGE to the Debian base image (scripts/setup-kvm.sh prints it)');
      this.skip();
    }
    await vscode.workspace.getConfiguration('stratus').update('kvm.acceleration', 'tcg', vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    for (const id of launched) {
      await vscode.commands.executeCommand('stratus.instances.kill', id, { confirm: false });
      await vscode.commands.executeCommand('stratus.instances.remove', id);
    }
    await vscode.workspace.getConfiguration('stratus').update('trustedCertificates', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('stratus.localBuilder.trust');
    // the areas after this one count the entries of the shared data folder: the seeded entry goes again
    const api = await stratusApi();
    const mp = path.join(api.dataRoot, 'marketplace');
    try { fs.rmSync(path.join(mp, 'metadata', seededId(api.dataRoot)), { recursive: true, force: true }); } catch { /* never seeded */ }
    for (const f of ['index.json', 'journal']) fs.rmSync(path.join(mp, f), { force: true });
    await vscode.commands.executeCommand('stratus.marketplace.refresh');
  });

  it('the seeded base entry shows as trusted (green, signed by the local builder certificate)', async () => {
    const api = await stratusApi();
    if (!process.env.STRATUS_BASE_IMAGE) {
      // activation publishes only what it is handed; here the test hands it over through the same command
      const r = await vscode.commands.executeCommand<{ identifier: string }>('stratus.marketplace.publishBaseImage', { image: base, force: false });
      assert.ok(r?.identifier, 'published');
    }
    const n = await baseEntry(x => /^verified-filled/.test(x.icon ?? ''), 'a trusted verdict');
    assert.match(n.contextValue ?? '', /\.trusted$/);
    assert.match(n.tooltip ?? '', /Signer trusted: yes/);
    assert.match(n.tooltip ?? '', /Stratus local builder/);
    assert.ok(fs.existsSync(path.join(api.dataRoot, 'keys', 'local-builder.p12')), 'the certificate is kept in the data folder');
    assert.ok(!fs.existsSync(path.join(api.dataRoot, 'keys', 'local-builder.password')) || !process.env.STRATUS_BASE_IMAGE, 'the extension keeps the password in SecretStorage, not in a file');
    if (hasHarness()) {
      await vscode.commands.executeCommand('stratus.marketplace.focus');
      await waitForText('.part.sidebar', t => t.some(x => x.includes('Debian 13 base image')));
      assert.ok(await screenshot('firststart-marketplace-trusted', '.part.sidebar'));
    }
  });

  it('one step removes the trust in the local builder (the entry turns untrusted) and another gives it back', async () => {
    await vscode.commands.executeCommand('stratus.localBuilder.untrust');
    const n = await baseEntry(x => !/^(verified-filled|circle-large-outline)/.test(x.icon ?? ''), 'an untrusted verdict');
    assert.match(n.contextValue ?? '', /\.untrusted$/);
    assert.match(n.tooltip ?? '', /Signer trusted: no/);
    await vscode.commands.executeCommand('stratus.localBuilder.trust');
    await baseEntry(x => /^verified-filled/.test(x.icon ?? ''), 'the trusted verdict again');
  });

  it('the walkthrough is declared, opens, and every step has an existing command', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const wt = (ext.packageJSON.contributes.walkthroughs as Array<{ id: string; title: string; steps: Array<{ id: string; description: string; completionEvents: string[] }> }>)[0];
    assert.equal(wt.id, 'stratus.getStarted');
    assert.deepEqual(wt.steps.map(s => s.id), ['launch', 'ssh', 'web', 'build', 'publish', 'launchBuilt']);
    const all = new Set(await vscode.commands.getCommands(true));
    for (const s of wt.steps) {
      const cmds = [...s.description.matchAll(/\(command:([\w.]+)\)/g)].map(m => m[1]);
      assert.ok(cmds.length, `step ${s.id} has a command button`);
      for (const c of cmds) assert.ok(all.has(c), `step ${s.id}: command ${c} exists`);
      assert.ok(s.completionEvents.every(e => /^onContext:stratus\.walkthrough\./.test(e)), `step ${s.id} completes on a real event`);
    }
    if (hasHarness()) {
      await vscode.commands.executeCommand('stratus.walkthrough.open');
      const texts = await waitForText('.gettingStartedContainer', t => t.some(x => x.includes('Launch the base image')));
      assert.ok(texts.some(x => x.includes('Get Started with Stratus')), texts.join('|').slice(0, 400));
      await screenshot('firststart-walkthrough');
    }
  });

  it('launching the seeded entry from the tree boots a guest that reaches Running; the walkthrough\'s launch step is done', async () => {
    const api = await stratusApi();
    const id = seededId(api.dataRoot);
    const rec = await vscode.commands.executeCommand<InstanceRecord>('stratus.marketplace.launch', id, { noPrompt: true, type: 't1.micro', name: 'wb-first-start' });
    assert.ok(rec, 'the launch returns the record');
    launched.push(rec.id);
    assert.equal(rec.state, 'Running');
    assert.equal(rec.imageId, id);
    const node = flatten(await api.treeSnapshot('stratus.instances', 2)).find(n => n.label.includes(rec.id));
    assert.equal(node?.contextValue, 'instance.Running');
    if (hasHarness()) {
      // the walkthrough page shows the launch step as done (a checked step) once the context key is set
      await vscode.commands.executeCommand('stratus.walkthrough.open');
      const done = await waitForText('.getting-started-step[data-step-id$="launch"][aria-checked="true"]', t => t.some(x => x.includes('Launch the base image')));
      assert.ok(done.some(x => x.includes('Launch the base image')), `launch step not marked done: ${done.join('|')}`);
      await screenshot('firststart-walkthrough-launch-done');
    }
  });

  it('a launch refused for trust: the modal gives the reasons; Cancel creates nothing; Launch Anyway launches', async () => {
    const api = await stratusApi();
    const id = seededId(api.dataRoot);
    // the user's own list names someone else and the local builder is no longer trusted: refused
    const other = generateCertificate({ commonName: 'Someone Else', email: 'else@example.org', password: 'x' });
    await vscode.workspace.getConfiguration('stratus').update('trustedCertificates', [other.certificatePem], vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('stratus.localBuilder.untrust');
    await baseEntry(x => /^error/.test(x.icon ?? ''), 'a refused (red) verdict');
    const before = instanceDirs(api.dataRoot).length;

    const cancel = modalAnswering(undefined);
    assert.equal(await vscode.commands.executeCommand('stratus.marketplace.launch', id, { noPrompt: true, type: 't1.micro', name: 'wb-refused', modal: cancel.modal }), undefined);
    assert.equal(cancel.seen.length, 1, 'one modal');
    assert.equal(cancel.seen[0].kind, 'warning');
    assert.match(cancel.seen[0].message, /refused: the image is not trusted/);
    assert.match(cancel.seen[0].detail, /Stratus local builder.*is not trusted/);
    assert.match(cancel.seen[0].detail, /stratus\.trustedCertificates/);
    assert.deepEqual(cancel.seen[0].buttons, ['Launch Anyway']);
    assert.equal(instanceDirs(api.dataRoot).length, before, 'cancel creates nothing');

    const anyway = modalAnswering('Launch Anyway');
    const rec = await vscode.commands.executeCommand<InstanceRecord | undefined>('stratus.marketplace.launch', id, { noPrompt: true, type: 't1.micro', name: 'wb-anyway', modal: anyway.modal });
    assert.equal(anyway.seen.length, 1);
    assert.ok(rec, 'Launch Anyway launches');
    launched.push(rec!.id);
    assert.equal(rec!.state, 'Running');
    await vscode.workspace.getConfiguration('stratus').update('trustedCertificates', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('stratus.localBuilder.trust');
  });

  it('a local pre-flight problem (images folder on a 1 MiB tmpfs) blocks the launch with the checklist, creating nothing', async function () {
    const api = await stratusApi();
    const images = path.join(api.dataRoot, 'images');
    fs.mkdirSync(images, { recursive: true });
    try { execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', images], { stdio: 'pipe' }); } catch (e) {
      console.log(`skipped: cannot mount a tmpfs here (${(e as Error).message.split('\n')[0]})`);
      this.skip();
    }
    try {
      const before = instanceDirs(api.dataRoot).length;
      const m = modalAnswering(undefined);
      assert.equal(await vscode.commands.executeCommand('stratus.marketplace.launch', seededId(api.dataRoot), { noPrompt: true, type: 't1.micro', name: 'wb-preflight', modal: m.modal }), undefined);
      assert.equal(m.seen.length, 1, 'the checklist is shown');
      assert.equal(m.seen[0].kind, 'error');
      assert.match(m.seen[0].message, /not ready for a launch/);
      assert.match(m.seen[0].detail, /Free space for images: 1 MiB free/);
      assert.match(m.seen[0].detail, /Free at least .* on the filesystem holding/);
      assert.equal(instanceDirs(api.dataRoot).length, before, 'nothing created');
    } finally {
      execFileSync('umount', [images]);
    }
  });
});
