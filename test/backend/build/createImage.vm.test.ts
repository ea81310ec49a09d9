import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { Build } from '../../../src/backend/build/build';
import { validateMetadata } from '../../../src/core/metadata/validate';
import { baseImage, qemuProcessesOf, sha256File, tempData, vmSkipReason } from '../kvm/fixtures';

const skip = vmSkipReason() ?? (hasTools() ? undefined : 'apt-get download / dpkg-scanpackages are needed for the local apt repository (run scripts/setup.sh)');

function hasTools(): boolean {
  try { execFileSync('sh', ['-c', 'command -v apt-get && command -v dpkg-scanpackages'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** A flat apt repository with `hello`, served on 127.0.0.1 by this process (the guest reaches it through slirp guestfwd). */
async function aptRepo(dir: string): Promise<{ port: number; close(): Promise<void>; requests: string[] }> {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('apt-get', ['download', '-q', 'hello'], { cwd: dir, stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'Packages'), execFileSync('dpkg-scanpackages', ['-m', '.', '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }));
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const name = path.basename(decodeURIComponent((req.url ?? '/').split('?')[0]));
    requests.push(name);
    const file = path.join(dir, name);
    if (!name || !fs.existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, requests, close: () => new Promise(r => server.close(() => r())) };
}

const HOSTILE_ARG = '$(touch /root/PWNED); `reboot` \'quoted\' "x"';

function writeRecipe(dir: string, base: string): string {
  fs.writeFileSync(path.join(dir, 'cloudy weather.sh'), [
    '#!/bin/sh', 'set -e',
    '# seed 000: the web page of the customised image',
    'mkdir -p /var/www', 'cat > /var/www/cloud.txt <<EOF', 'Cloudy Weather Expected', 'EOF',
    'printf "%s\\n" "$@" > /root/script-args.txt', '',
  ].join('\n'), { mode: 0o755 });
  const file = path.join(dir, 'cloudy.recipe.yaml');
  // the private repository is the only source: the base image's own Debian sources are moved aside by the
  // prerecipe (with nat the guest could otherwise take hello from the mirror, and the test would prove nothing)
  fs.writeFileSync(file, `base: ${base}
type: c1.medium
installer: apt
packages: [hello]
extra-repos:
  - "[trusted=yes] http://10.0.2.100:8080/ ./"
prerecipe: |
  echo prerecipe-ran > /root/prerecipe.txt
  mv /etc/apt/sources.list /root/debian-sources.list
scripts:
  - path: cloudy weather.sh
    args: [first, ${JSON.stringify(HOSTILE_ARG)}]
image:
  title: Cloudy hello
  comment: hello from a local repository and the cloud page of seed 000
  author: Jane Tester
  author-email: jane.tester@example.org
timeouts:
  vm-start: 600
  ssh: 120
`);
  return file;
}

test('create-image end to end: packages from a loopback apt repo, a script with hostile args, sysprep, save, relaunch', { skip, timeout: 900_000 }, async t => {
  const base = baseImage();
  const baseHash = sha256File(base);
  const data = tempData('stratus-build-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-recipe-'));
  const repo = await aptRepo(path.join(work, 'repo'));
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const launched: string[] = [];
  try {
    const recipe = writeRecipe(work, base);
    const output: string[] = [];
    // the build VM's host keys, seen while it runs (its record goes once the image is saved)
    const buildVm: { id?: string; hostKeys: string[] } = { hostKeys: [] };
    const follow = mgr.onDidChange(r => { if (r.state === 'Running' && r.sshHostKeys.length) { buildVm.id = r.id; buildVm.hostKeys = r.sshHostKeys; } });
    const build = await Build.prepare(recipe, {
      data, vms: mgr, publicKeys: [],
      guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 8080, hostPort: repo.port }],
      onOutput: text => output.push(text),
    });
    const rec = await build.run();
    follow.dispose();
    const steps = Object.fromEntries(rec.steps.map(s => [s.id, s]));
    for (const s of rec.steps) t.diagnostic(`${s.state.padEnd(8)} ${((s.durationMs ?? 0) / 1000).toFixed(1).padStart(6)} s  ${s.label}${s.detail ? ` — ${s.detail}` : ''}`);
    assert.equal(rec.status, 'succeeded', `${rec.error}\n${output.join('').slice(-3000)}`);
    if (rec.instanceId) launched.push(rec.instanceId);
    assert.equal(rec.instanceId, undefined, 'the build VM was removed after the save');
    assert.ok(buildVm.id && !(await mgr.list()).some(r => r.id === buildVm.id), 'and is gone from the instance list');
    assert.match(fs.readFileSync(rec.logPath, 'utf8'), /Build VM removed \(its disk is the new image\)/);
    assert.ok(buildVm.hostKeys.length, 'the build VM\'s host keys were seen while it ran');
    assert.equal(steps.manifest.state, 'skipped', 'a file base has no manifest');
    for (const id of ['check-base', 'start', 'boot', 'ssh', 'prerecipe', 'packages', 'scripts', 'sysprep', 'readiness', 'shutdown', 'save', 'done']) assert.equal(steps[id].state, 'done', id);
    assert.match(steps.readiness.detail ?? '', /readiness items pass|ready; warnings: /, 'the readiness checklist ran before saving');
    // milestones from typed launch events: boot ends at the SSH login, the network step is the guest's own check
    assert.match(steps.boot.detail ?? '', /^up after \d+ s \(ssh -p \d+ root@/);
    assert.equal(steps.network.state, 'done');
    assert.match(steps.network.detail ?? '', /^\S+ \d+\.\d+\.\d+\.\d+\/\d+, (default (via \S+ )?dev \S+|no default route \(isolated network\))/, 'the address (and route) the guest itself sees');
    // one log per step, opened from its node
    assert.match(fs.readFileSync(steps.packages.logPath!, 'utf8'), /:: Installing user packages[\s\S]*Setting up hello/);
    assert.doesNotMatch(fs.readFileSync(steps.packages.logPath!, 'utf8'), /Executing user scripts/);
    assert.equal(steps.recipe.state, 'skipped');
    assert.ok(repo.requests.some(r => r.endsWith('.deb')), 'the guest fetched the package from the loopback repository');
    const log = fs.readFileSync(rec.logPath, 'utf8');
    assert.match(log, /:: Installing user packages/);
    assert.match(log, /Installing packages: hello/);
    assert.match(log, /Setting up hello/, 'apt output streamed to the build log');
    assert.equal(output.join(''), log, 'onOutput saw exactly what the log holds');
    const stored = JSON.parse(fs.readFileSync(path.join(data.builds, rec.id, 'build.json'), 'utf8'));
    assert.equal(stored.status, 'succeeded');
    assert.ok(stored.steps.every((s: { durationMs?: number }) => typeof s.durationMs === 'number'), 'every step has a duration');

    const result = rec.result!;
    assert.match(result.imageId, /^[A-P][A-Za-z0-9_-]{26}$/);
    assert.equal(result.metadataProblem, undefined, `draft metadata: ${result.metadataProblem}`);
    const draft = fs.readFileSync(result.metadataPath!, 'utf8');
    const v = validateMetadata(draft);
    assert.equal(v.verdict.server.ok, true, `draft metadata validates: ${v.verdict.server.message}`);
    assert.equal(v.summary?.identifier, result.imageId);
    assert.equal(v.summary?.title, 'Cloudy hello');

    // The saved image, launched again by its identifier, has the package, the page and the literal arguments.
    const again = await mgr.launch({ image: result.imageId, type: 'c1.medium', sshKeys: [] });
    launched.push(again.id);
    const run = async (cmd: string) => (await mgr.exec(again.id, cmd)).stdout;
    assert.equal((await run('hello')).trim(), 'Hello, world!');
    assert.equal((await run('cat /var/www/cloud.txt')).trim(), 'Cloudy Weather Expected');
    assert.equal(await run('cat /root/script-args.txt'), `first\n${HOSTILE_ARG}\n`, 'script arguments arrived literally');
    assert.equal((await run('test -e /root/PWNED && echo yes || echo no')).trim(), 'no', 'nothing in an argument was executed');
    assert.equal((await run('cat /root/prerecipe.txt')).trim(), 'prerecipe-ran');
    // sysprep: the build's apt lists/cache were cleaned, the build VM's host keys are not those of this instance.
    assert.equal((await run('ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l')).trim(), '0', 'package cache cleaned');
    const hostKeys = (await run('cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(' ')[1];
    assert.ok(hostKeys && !buildVm.hostKeys.some(k => k.includes(hostKeys)), 'host keys were regenerated');
    await mgr.kill(again.id);
    assert.deepEqual(qemuProcessesOf(again.id), []);
    assert.equal(sha256File(base), baseHash, 'the base image was never written');
  } finally {
    for (const id of launched) await mgr.kill(id).catch(() => undefined);
    await repo.close();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('create-image cancelled during package installation: cleanup leaves no qemu and no overlay, nothing registered', { skip, timeout: 600_000 }, async t => {
  const base = baseImage();
  const data = tempData('stratus-build-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-recipe-'));
  const repo = await aptRepo(path.join(work, 'repo'));
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const ac = new AbortController();
  let build: Build | undefined;
  try {
    const recipe = writeRecipe(work, base);
    build = await Build.prepare(recipe, {
      data, vms: mgr, publicKeys: [],
      guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 8080, hostPort: repo.port }],
      // Cancel once apt is running in the guest.
      onOutput: text => { if (/Updating installer/.test(text)) setTimeout(() => ac.abort(), 300); },
    });
    const rec = await build.run(ac.signal);
    assert.equal(rec.status, 'cancelled', rec.error);
    assert.equal(rec.failedStep, 'packages');
    assert.equal(build.step('packages').state, 'cancelled');
    assert.equal(build.step('scripts').state, 'pending');
    const vm = await mgr.describe(rec.instanceId!);
    assert.equal(vm?.state, 'Running', 'the VM is still there: the caller chooses');
    const overlay = vm!.overlay;
    await build.cleanup();
    assert.deepEqual(qemuProcessesOf(vm!.id), [], 'no qemu left');
    assert.equal(fs.existsSync(overlay), false, 'no overlay left');
    assert.equal(await mgr.describe(vm!.id), undefined, 'the instance folder is gone');
    assert.equal(fs.existsSync(path.join(data.volumes)) ? fs.readdirSync(data.volumes).filter(f => !f.startsWith('.')).length : 0, 0, 'no volume was made');
    assert.equal(fs.existsSync(path.join(data.marketplace, 'private')) ? fs.readdirSync(path.join(data.marketplace, 'private')).length : 0, 0, 'no draft was registered');
    assert.equal(JSON.parse(fs.readFileSync(path.join(data.builds, rec.id, 'build.json'), 'utf8')).status, 'cleaned');
  } finally {
    if (build?.record.instanceId) await build.cleanup().catch(() => undefined);
    await repo.close();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
