import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, waitForText, sleep } from '../screenshot';
import type { TreeSnapshot } from '../../../src/ui/context';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { serve, RunningServer } from '../../../src/backend/marketplace/server';
import { summarize } from '../../../src/core/metadata/summary';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import { signedEntry, tamperedEntry, isoIn, testKey, originalDeprecation } from '../../backend/marketplace/fixtures';

const VIEW = 'stratus.marketplace';
const cfg = () => vscode.workspace.getConfiguration('stratus');

/** The tree once every row has its trust verdict (rows render first, icons follow). */
async function settled(depth = 4): Promise<TreeSnapshot[]> {
  const api = await stratusApi();
  let snap: TreeSnapshot[] = [];
  for (let i = 0; i < 80; i++) {
    snap = await api.treeSnapshot(VIEW, depth);
    const icons = JSON.stringify(snap);
    if (!icons.includes('circle-large-outline')) return snap;
    await sleep(150);
  }
  return snap;
}
const find = (nodes: TreeSnapshot[] | undefined, label: string) => nodes?.find(n => n.label === label);
const entriesOf = (mp: TreeSnapshot | undefined) => (mp?.children ?? []).flatMap(g => g.children ?? []);

describe('Marketplace tree', function () {
  this.timeout(120000);
  let dataDir: string;
  let server: RunningServer | undefined;

  before(async () => {
    const api = await stratusApi();
    dataDir = path.join(api.dataRoot, 'marketplace');
    const store = new LocalMarketplace(dataDir);
    const past = new Date(Date.now() - 3600_000);
    await store.upload(signedEntry({ content: 'ubuntu image', title: 'Ubuntu Server', os: 'ubuntu', osVersion: '24.04', osArch: 'x86_64', version: '2.1', valid: isoIn(90), locations: ['http://images.example.org/ubuntu.img.gz'] }, past));
    await store.upload(signedEntry({ content: 'ttylinux image', title: 'ttylinux', os: 'ttylinux', osVersion: '9.3', osArch: 'i686', valid: isoIn(90) }, past));
    await store.upload(signedEntry({ content: 'old debian', title: 'Debian Expired', os: 'debian', valid: isoIn(-1, past) }, new Date(past.getTime() - 86400_000 * 2)));
    await store.upload(signedEntry({ content: 'centos dep', title: 'CentOS Deprecated', os: 'centos', valid: isoIn(90), deprecated: 'use CentOS Stream' }, past));
    await store.flush();
    // A document altered on disk after it was accepted: the store lists it, the verdict must flag it.
    const bad = tamperedEntry({ content: 'fedora image', title: 'Fedora', os: 'fedora', valid: isoIn(90) }, past);
    const { identifier: id, created: when } = summarize(bad);
    fs.mkdirSync(path.join(dataDir, 'metadata', id, 'jane.tester@example.org'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'metadata', id, 'jane.tester@example.org', `${when}.xml`), bad);
    const pem = path.join(api.dataRoot, 'trusted.pem');
    fs.writeFileSync(pem, testKey().certificatePem);
    await cfg().update('trustedCertificates', [pem], vscode.ConfigurationTarget.Global);
    await cfg().update('marketplace.groupBy', 'os', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('stratus.marketplace.status', 'valid');
    await vscode.commands.executeCommand('stratus.marketplace.filter', '');
    await vscode.commands.executeCommand('stratus.marketplace.refresh');
  });

  after(async () => {
    await server?.close();
    await cfg().update('marketplaces', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('trustedCertificates', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('marketplace.groupBy', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('stratus.marketplace.status', 'valid');
    await vscode.commands.executeCommand('stratus.marketplace.filter', '');
  });

  it('lists valid entries grouped by OS, with trust icons, descriptions and tooltips', async () => {
    await vscode.commands.executeCommand(`${VIEW}.focus`);
    const snap = await settled();
    assert.equal(snap[0].label, 'Local marketplace');
    assert.equal(snap[0].contextValue, 'marketplace.local');
    assert.deepEqual(snap[0].children!.map(g => g.label), ['fedora', 'ttylinux', 'ubuntu'], 'expired and deprecated hidden by default');
    const ubuntu = find(find(snap[0].children, 'ubuntu')!.children, 'Ubuntu Server')!;
    assert.equal(ubuntu.description, '24.04/x86_64 · v2.1');
    assert.equal(ubuntu.contextValue, 'entry.valid.trusted');
    assert.equal(ubuntu.icon, 'verified-filled:testing.iconPassed');
    for (const s of ['Identifier', 'jane\\.tester@example\\.org', 'Valid until', 'http://images\\.example\\.org/ubuntu\\.img\\.gz', 'Signature: valid', 'Signer trusted: yes']) {
      assert.ok(ubuntu.tooltip!.includes(s), `tooltip has ${s}:\n${ubuntu.tooltip}`);
    }
    const fedora = find(find(snap[0].children, 'fedora')!.children, 'Fedora (tampered)')!;
    assert.equal(fedora.icon, 'error:list.errorForeground');
    assert.equal(fedora.contextValue, 'entry.valid.bad');
    assert.match(fedora.tooltip!, /signature is not valid/);
    if (hasHarness()) {
      await waitForText('.part.sidebar', t => t.join('\n').includes('Ubuntu Server'));
      await screenshot('marketplace-tree', '.part.sidebar');
    }
  });

  it('status switch shows expired and deprecated entries, flagged', async () => {
    await vscode.commands.executeCommand('stratus.marketplace.status', 'expired');
    let snap = await settled();
    assert.deepEqual(entriesOf(snap[0]).map(e => [e.label, e.contextValue, e.icon]), [['Debian Expired', 'entry.expired.bad', 'error:list.errorForeground']]);
    await vscode.commands.executeCommand('stratus.marketplace.status', 'deprecated');
    snap = await settled();
    const dep = entriesOf(snap[0]);
    assert.deepEqual(dep.map(e => [e.label, e.contextValue]), [['CentOS Deprecated', 'entry.deprecated.bad']]);
    assert.match(dep[0].tooltip!, /use CentOS Stream/);
    if (hasHarness()) await screenshot('marketplace-deprecated', '.part.sidebar');
    await vscode.commands.executeCommand('stratus.marketplace.status', 'valid');
  });

  it('filter narrows the list; grouping by endorser', async () => {
    await vscode.commands.executeCommand('stratus.marketplace.filter', 'ubuntu');
    let snap = await settled();
    assert.deepEqual(entriesOf(snap[0]).map(e => e.label), ['Ubuntu Server']);
    if (hasHarness()) {
      const texts = await waitForText('.part.sidebar', t => t.join('\n').includes('filter: "ubuntu"'));
      assert.ok(texts.join('\n').includes('filter: "ubuntu"'), 'the active filter is shown in the view description');
      await screenshot('marketplace-filtered', '.part.sidebar');
    }
    await vscode.commands.executeCommand('stratus.marketplace.filter', 'no-such-thing');
    snap = await settled();
    assert.match(snap[0].children![0].label, /no valid entry matches "no-such-thing"/);
    await vscode.commands.executeCommand('stratus.marketplace.filter', '');
    await vscode.commands.executeCommand('stratus.marketplace.toggleGroupBy', 'endorser');
    snap = await settled();
    assert.deepEqual(snap[0].children!.map(g => g.label), ['jane.tester@example.org']);
    await vscode.commands.executeCommand('stratus.marketplace.toggleGroupBy', 'os');
  });

  it('entry actions: open metadata read-only as XML, copy identifier, verify', async () => {
    const snap = await settled();
    const ubuntu = find(find(snap[0].children, 'ubuntu')!.children, 'Ubuntu Server')!;
    const id = /`([A-Za-z0-9_-]{27})`/.exec(ubuntu.tooltip!)![1];
    await vscode.commands.executeCommand('stratus.marketplace.openMetadata', id);
    const ed = vscode.window.activeTextEditor!;
    assert.equal(ed.document.uri.scheme, 'stratus-mp');
    assert.equal(ed.document.languageId, 'xml');
    assert.match(ed.document.getText(), new RegExp(`<dcterms:identifier>${id}</dcterms:identifier>`));
    assert.equal(await vscode.commands.executeCommand('stratus.marketplace.copyIdentifier', id), id);
    assert.equal(await vscode.env.clipboard.readText(), id);
    const v = await vscode.commands.executeCommand<{ level: string }>('stratus.marketplace.verify', id);
    assert.equal(v?.level, 'good');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('upload from the open editor adds an entry', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'xml', content: signedEntry({ content: 'alpine image', title: 'Alpine Uploaded', os: 'alpine', valid: isoIn(30) }) });
    await vscode.window.showTextDocument(doc);
    const location = await vscode.commands.executeCommand<string>('stratus.metadata.upload', undefined, 'local');
    assert.match(location ?? '', /\/metadata\/[A-Za-z0-9_-]{27}\/jane\.tester@example\.org\//);
    const snap = await settled();
    assert.ok(find(snap[0].children, 'alpine'), 'new OS group');
    assert.equal(find(find(snap[0].children, 'alpine')!.children, 'Alpine Uploaded')?.icon, 'verified-filled:testing.iconPassed');
    // a bad document is refused with the server's message, and nothing is added
    const unsigned = await vscode.workspace.openTextDocument({ language: 'xml', content: doc.getText().replace(/<Signature[\s\S]*<\/Signature>/, '') });
    await vscode.window.showTextDocument(unsigned);
    assert.equal(await vscode.commands.executeCommand('stratus.metadata.upload', undefined, 'local'), undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('an entry deprecated by the original client (parseType without rdf:) uploads from its file, lists as deprecated, and deprecates again from the UI', async () => {
    const entry = signedEntry({ content: 'legacy image', title: 'Legacy Image', os: 'legacy', valid: isoIn(90) }, new Date(Date.now() - 7200_000));
    const store = new LocalMarketplace(dataDir);
    await store.upload(entry);
    await store.flush();
    const file = path.join(dataDir, '..', 'original-deprecation.xml');
    fs.writeFileSync(file, originalDeprecation(entry, 'withdrawn by the old client', new Date(Date.now() - 1800_000)));
    const id = summarize(entry).identifier;
    const location = await vscode.commands.executeCommand<string>('stratus.metadata.upload', vscode.Uri.file(file), 'local');
    assert.match(location ?? '', new RegExp(`/metadata/${id}/jane\\.tester@example\\.org/`), 'accepted by the local marketplace');
    await vscode.commands.executeCommand('stratus.marketplace.status', 'deprecated');
    // the listing follows the store's journal; poll until the row shows what we expect
    const legacyRow = async (want: RegExp) => {
      let row: TreeSnapshot | undefined;
      for (let i = 0; i < 60; i++) {
        row = entriesOf((await settled())[0]).find(e => e.label === 'Legacy Image');
        if (row?.tooltip && want.test(row.tooltip)) break;
        await sleep(150);
      }
      return row;
    };
    let legacy = await legacyRow(/withdrawn by the old client/);
    assert.equal(legacy?.contextValue, 'entry.deprecated.bad');
    assert.match(legacy!.tooltip!, /withdrawn by the old client/);
    // Our deprecate path re-signs that document (its endorsement keeps the unqualified attribute) and the upload is accepted.
    const again = await vscode.commands.executeCommand<string>('stratus.marketplace.deprecate', id, { reason: 'replaced by Legacy 2', key: testKey() });
    assert.match(again ?? '', new RegExp(`/metadata/${id}/`), 'deprecated again from the UI');
    legacy = await legacyRow(/replaced by Legacy 2/);
    assert.match(legacy?.tooltip ?? '', /replaced by Legacy 2/);
    if (hasHarness()) await screenshot('marketplace-original-deprecation', '.part.sidebar');
    await vscode.commands.executeCommand('stratus.marketplace.status', 'valid');
  });

  it('a draft saved by another writer (the KVM save hook) appears without a Refresh, marked private', async () => {
    const other = new LocalMarketplace(dataDir);
    await other.addDraft(signedEntry({ content: 'saved instance disk', title: 'Saved Draft', os: 'ttylinux', valid: isoIn(2), locations: ['pdisk:localhost:8445:0b3c7a5e-1111-2222-3333-444444444444'] }));
    await other.flush();
    let draft: TreeSnapshot | undefined;
    for (let i = 0; i < 60 && !draft; i++) {
      draft = entriesOf((await settled())[0]).find(e => e.label === 'Saved Draft');
      if (!draft) await sleep(250);
    }
    assert.ok(draft, 'the view picked up the other writer\'s entry');
    assert.match(draft!.contextValue!, /^entry\.draft\./);
    assert.match(draft!.tooltip!, /private, from a saved instance/);
  });

  it('an entry link (the served entry page\'s "Open in VS Code") reveals the entry in the view', async function () {
    // The vscode:// handler calls this command; code-server sends openExternal of its own scheme to the browser tab instead.
    if (!hasHarness()) this.skip();
    await vscode.commands.executeCommand('stratus.marketplace.filter', '');
    await settled();
    const id = sha1ToIdentifier(crypto.createHash('sha1').update('ubuntu image').digest('hex'));
    assert.equal(await vscode.commands.executeCommand('stratus.marketplace.revealEntry', { identifier: id }), true);
    const sel = await waitForText('.part.sidebar .monaco-list-row.selected', t => t.join('\n').includes('Ubuntu Server'), 30000);
    assert.ok(sel.join('\n').includes('Ubuntu Server'), `selected: ${sel.join(' | ')}`);
    assert.equal(await vscode.commands.executeCommand('stratus.marketplace.revealEntry', { identifier: 'A'.repeat(27) }), false, 'an unknown entry is reported, not revealed');
  });

  it('a remote marketplace served on loopback shows the same entries; an unreachable one shows a fix row', async () => {
    server = await serve(new LocalMarketplace(dataDir), { port: 0 });
    await vscode.commands.executeCommand('stratus.marketplace.add', server.url);
    await vscode.commands.executeCommand('stratus.marketplace.add', 'http://127.0.0.1:9');
    let snap = await settled();
    assert.deepEqual(snap.map(n => [n.label, n.contextValue]), [['Local marketplace', 'marketplace.local'], [server.url, 'marketplace.remote'], ['http://127.0.0.1:9', 'marketplace.remote']]);
    // private drafts are never served, so the served copy shows every other entry, with the same verdicts
    const labels = (n: TreeSnapshot) => entriesOf(n).filter(e => !/^entry\.draft\./.test(e.contextValue ?? '')).map(e => `${e.label}|${e.icon}`).sort();
    assert.ok(labels(snap[0]).length >= 3);
    assert.deepEqual(labels(snap[1]), labels(snap[0]));
    assert.ok(!entriesOf(snap[1]).some(e => e.label === 'Saved Draft'));
    const err = snap[2].children![0];
    assert.equal(err.contextValue, 'error.unreachable');
    assert.match(err.description!, /connection refused|cannot connect/);
    if (hasHarness()) {
      // one entry per marketplace, so all three fit in the pane for the picture
      await vscode.commands.executeCommand('stratus.marketplace.filter', 'ttylinux i686');
      const texts = await waitForText('.part.sidebar', t => t.join('\n').includes('Cannot reach this marketplace') && t.join('\n').includes(server!.url));
      assert.ok(texts.join('\n').includes('Cannot reach this marketplace'), texts.join('\n'));
      await screenshot('marketplace-remote', '.part.sidebar');
      // and the unreachable one's fix row in view
      await vscode.commands.executeCommand('stratus.marketplace.filter', 'no-such-image');
      await waitForText('.part.sidebar', t => t.join('\n').includes('no valid entry matches'));
      await screenshot('marketplace-unreachable', '.part.sidebar');
      await vscode.commands.executeCommand('stratus.marketplace.filter', '');
    }
    await vscode.commands.executeCommand('stratus.marketplace.remove', 'http://127.0.0.1:9');
    await vscode.commands.executeCommand('stratus.marketplace.remove', server.url);
    snap = await settled();
    assert.equal(snap.length, 1);
  });
});
