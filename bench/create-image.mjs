#!/usr/bin/env node
// bench/create-image.mjs — a create-image build by Stratus vs the same steps scripted by hand
// (qemu-img + qemu + ssh/scp + sha1sum), in the same run, on the same base image and local apt repo.
// Prints per-step times for both and the ratio stratus/hand (goal ≤ 1.1×).
// Needs: npx tsc -p . (uses out/), root or STRATUS_TEST_BASE_IMAGE, qemu, cloud-localds, apt-get, dpkg-scanpackages.
// With --cache, then (same data folder, so the full build's checkpoints are there): a rebuild with the last
// script changed, and a build cancelled during its last script then resumed; each as a ratio to the full build
// (goals ≤ 0.2× and ≤ 0.3×).
// Usage: node bench/create-image.mjs [--order hand-first|stratus-first] [--cache]
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = p => path.join(root, 'out', p);
const { InstanceManager } = require(out('src/backend/kvm/instances.js'));
const { LocalHost } = require(out('src/backend/host/local.js'));
const { Build } = require(out('src/backend/build/build.js'));
const { dataLayout } = require(out('src/backend/paths.js'));
const { sysprepCommands } = require(out('src/core/recipe/sysprep.js'));
const { installPlan } = require(out('src/core/recipe/installer.js'));
const { shellQuote } = require(out('src/backend/host/host.js'));
const { SYSPREP_OPS } = require(out('src/core/recipe/fields.js'));

const order = process.argv.includes('stratus-first') ? 'stratus-first' : 'hand-first';
const base = process.env.STRATUS_TEST_BASE_IMAGE || execFileSync('bash', [path.join(root, 'scripts/setup-kvm.sh')], { encoding: 'utf8', env: { ...process.env, WITH_LIBVIRT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-ci-'));
const now = () => performance.now();
const secs = ms => (ms / 1000).toFixed(1);

// ---- shared inputs: a flat apt repo on loopback, the script, the recipe ------------------------------------
const repoDir = path.join(work, 'repo');
fs.mkdirSync(repoDir);
execFileSync('apt-get', ['download', '-q', 'hello'], { cwd: repoDir, stdio: 'ignore' });
fs.writeFileSync(path.join(repoDir, 'Packages'), execFileSync('dpkg-scanpackages', ['-m', '.', '/dev/null'], { cwd: repoDir, stdio: ['ignore', 'pipe', 'ignore'] }));
const server = http.createServer((req, res) => {
  const f = path.join(repoDir, path.basename(decodeURIComponent(req.url.split('?')[0])));
  if (!fs.existsSync(f) || fs.statSync(f).isDirectory()) return res.writeHead(404).end();
  res.writeHead(200, { 'content-length': fs.statSync(f).size });
  fs.createReadStream(f).pipe(res);
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const repoPort = server.address().port;
const REPO_LINE = '[trusted=yes] http://10.0.2.100:8080/ ./';
fs.writeFileSync(path.join(work, 'cloudy.sh'), '#!/bin/sh\nmkdir -p /var/www\necho "Cloudy Weather Expected" > /var/www/cloud.txt\n', { mode: 0o755 });
const recipe = path.join(work, 'bench.recipe.yaml');
fs.writeFileSync(recipe, `base: ${base}\ntype: c1.medium\ninstaller: apt\npackages: [hello]\nextra-repos: ["${REPO_LINE}"]\nscripts: [cloudy.sh]\nimage: {title: Bench, comment: bench image, author: Bench, author-email: bench@example.org}\n`);

// ---- Stratus ----------------------------------------------------------------------------------------------
async function stratus() {
  const data = dataLayout(path.join(work, 'data'));
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto' });
  const t0 = now();
  const build = await Build.prepare(recipe, { data, vms: mgr, publicKeys: [], guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 8080, hostPort: repoPort }] });
  const rec = await build.run();
  const total = now() - t0;
  if (rec.status !== 'succeeded') throw new Error(`stratus build ${rec.status}: ${rec.error}`);
  const group = { boot: ['start', 'boot', 'network', 'ssh'], packages: ['packages'], scripts: ['prerecipe', 'recipe', 'scripts'], sysprep: ['sysprep'], shutdown: ['shutdown'], save: ['save'] };
  const steps = Object.fromEntries(Object.entries(group).map(([k, ids]) => [k, rec.steps.filter(s => ids.includes(s.id)).reduce((a, s) => a + (s.durationMs ?? 0), 0)]));
  return { total, steps, imageId: rec.result.imageId };
}

// ---- by hand ----------------------------------------------------------------------------------------------
// Asynchronous on purpose: the apt repository is served by this process's event loop.
function sh(argv, opts = {}) {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    c.stdout.on('data', d => (stdout += d));
    c.stderr.on('data', d => (stderr += d));
    c.on('error', reject);
    c.on('close', status => {
      if (status !== 0 && !opts.allowFail) reject(new Error(`${argv.join(' ')}: ${stderr || stdout}`));
      else resolve({ status, stdout, stderr });
    });
  });
}
let ACCEL = 'tcg';
const freePort = () => new Promise(r => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

async function byHand() {
  const d = path.join(work, 'hand');
  fs.mkdirSync(d);
  const key = path.join(d, 'id_ed25519');
  await sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const port = await freePort();
  const SSH = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=5', '-i', key];
  const ssh = (cmd, opts) => sh(['ssh', ...SSH, '-p', String(port), 'root@127.0.0.1', cmd], opts);
  const steps = {};
  const t0 = now();
  let t = now();
  await sh(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, path.join(d, 'overlay.qcow2')]);
  fs.writeFileSync(path.join(d, 'user-data'), `#cloud-config\nssh_authorized_keys:\n  - ${fs.readFileSync(key + '.pub', 'utf8').trim()}\n`);
  fs.writeFileSync(path.join(d, 'meta-data'), `instance-id: hand-${Date.now()}\nlocal-hostname: hand\n`);
  await sh(['cloud-localds', path.join(d, 'seed.iso'), path.join(d, 'user-data'), path.join(d, 'meta-data')]);
  const accel = ACCEL === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg'];
  await sh(['qemu-system-x86_64', '-name', 'stratus-bench-hand', '-machine', 'q35', ...accel, '-smp', '2', '-m', '1536',
    '-drive', `file=${path.join(d, 'overlay.qcow2')},format=qcow2,if=virtio`, '-drive', `file=${path.join(d, 'seed.iso')},format=raw,media=cdrom,if=ide,readonly=on`,
    '-netdev', `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:22,guestfwd=tcp:10.0.2.100:8080-cmd:nc 127.0.0.1 ${repoPort}`, '-device', 'virtio-net-pci,netdev=n0',
    '-display', 'none', '-serial', `file:${path.join(d, 'serial.log')}`, '-qmp', `unix:${path.join(d, 'qmp.sock')},server=on,wait=off`,
    '-daemonize', '-pidfile', path.join(d, 'qemu.pid')]);
  const pid = Number(fs.readFileSync(path.join(d, 'qemu.pid'), 'utf8'));
  try {
    while ((await ssh('true', { allowFail: true })).status !== 0) {
      if (now() - t > 600_000) throw new Error('by hand: no SSH in 600 s');
      await new Promise(r => setTimeout(r, 500));
    }
    steps.boot = now() - t; t = now();
    const plan = installPlan('apt', ['hello'], [REPO_LINE]);
    await ssh(`echo ${shellQuote([plan.repoFiles[0].content.trim()])} > ${plan.repoFiles[0].path} && ${shellQuote(plan.update)} && ${shellQuote(plan.install)}`);
    steps.packages = now() - t; t = now();
    await sh(['scp', '-q', ...SSH, '-P', String(port), path.join(work, 'cloudy.sh'), 'root@127.0.0.1:/tmp/cloudy.sh']);
    await ssh('chmod 0755 /tmp/cloudy.sh && /tmp/cloudy.sh');
    steps.scripts = now() - t; t = now();
    const all = Object.fromEntries(SYSPREP_OPS.map(o => [o, true]));
    await ssh(sysprepCommands(all, 'apt', []).map(c => shellQuote(c.argv)).join(' && ') + ' && sync');
    steps.sysprep = now() - t; t = now();
    // sysprep removed root's key, so the power button goes through QMP (as the driver does).
    await qmp(path.join(d, 'qmp.sock'), 'system_powerdown');
    while (alive(pid)) await new Promise(r => setTimeout(r, 200));
    steps.shutdown = now() - t; t = now();
    await sh(['qemu-img', 'convert', '-O', 'raw', path.join(d, 'overlay.qcow2'), path.join(d, 'saved.raw')]);
    const sha1 = (await sh(['sha1sum', path.join(d, 'saved.raw')])).stdout.split(' ')[0];
    steps.save = now() - t;
    return { total: now() - t0, steps, sha1 };
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}
function qmp(sock, command) {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let buf = '';
    c.on('error', reject);
    c.on('data', d => {
      buf += d;
      if (buf.includes('"QMP"') && !buf.includes('"return"')) c.write('{"execute":"qmp_capabilities"}\n' + JSON.stringify({ execute: command }) + '\n');
      if ((buf.match(/"return"/g) ?? []).length >= 2) { c.end(); resolve(); }
    });
  });
}
function alive(pid) { try { process.kill(pid, 0); return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').match(/\)\s+[ZX]\s/); } catch { return false; } }

async function cacheRuns(full) {
  const data = dataLayout(path.join(work, 'data'));
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto' });
  const opts = { data, vms: mgr, publicKeys: [], guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 8080, hostPort: repoPort }] };
  fs.writeFileSync(path.join(work, 'cloudy.sh'), '#!/bin/sh\nmkdir -p /var/www\necho "Sunny Weather Expected" > /var/www/cloud.txt\n', { mode: 0o755 });
  let t0 = now();
  const re = await (await Build.prepare(recipe, opts)).run();
  const rebuild = now() - t0;
  if (re.status !== 'succeeded' || !re.reused) throw new Error(`rebuild ${re.status}, reused ${JSON.stringify(re.reused)}: ${re.error}`);
  // cancelled while its last script runs (a slow one), then resumed from the checkpoint before it
  fs.writeFileSync(path.join(work, 'cloudy.sh'), '#!/bin/sh\nmkdir -p /var/www\necho "Fog" > /var/www/cloud.txt\n[ -e /root/.slow ] || { touch /root/.slow; sleep 3; }\n', { mode: 0o755 });
  const ac = new AbortController();
  const b = await Build.prepare(recipe, { ...opts, onOutput: t => { if (/Executing scripts/.test(t)) setTimeout(() => ac.abort(), 1000); } });
  await b.run(ac.signal);
  t0 = now();
  const resumed = await (await Build.resume(recipe, opts)).run();
  const resume = now() - t0;
  if (resumed.status !== 'succeeded') throw new Error(`resume ${resumed.status}: ${resumed.error}`);
  console.log(`rebuild, last script changed: ${secs(rebuild)} s = ${(rebuild / full).toFixed(2)}× the full build (goal ≤ 0.20; steps 1–${re.reused.steps} reused)`);
  console.log(`resume after a cancel in the last script: ${secs(resume)} s = ${(resume / full).toFixed(2)}× the full build (goal ≤ 0.30)`);
}

try {
  // Both runs use what the acceleration probe decides (TCG where KVM cannot boot a stock kernel).
  ACCEL = (await new InstanceManager({ host: new LocalHost(), data: dataLayout(path.join(work, 'data')), acceleration: 'auto' }).acceleration()).accel;
  const runs = {};
  for (const which of order === 'hand-first' ? ['hand', 'stratus'] : ['stratus', 'hand']) {
    console.error(`running ${which}…`);
    runs[which] = which === 'hand' ? await byHand() : await stratus();
  }
  const keys = ['boot', 'packages', 'scripts', 'sysprep', 'shutdown', 'save'];
  console.log(`create-image bench (load ${os.loadavg()[0].toFixed(1)}, ${order})`);
  console.log(`${'step'.padEnd(10)} ${'hand s'.padStart(8)} ${'stratus s'.padStart(10)} ${'ratio'.padStart(7)}`);
  for (const k of keys) {
    const h = runs.hand.steps[k] ?? 0, s = runs.stratus.steps[k] ?? 0;
    console.log(`${k.padEnd(10)} ${secs(h).padStart(8)} ${secs(s).padStart(10)} ${(h ? s / h : 0).toFixed(2).padStart(7)}`);
  }
  const ratio = runs.stratus.total / runs.hand.total;
  console.log(`${'total'.padEnd(10)} ${secs(runs.hand.total).padStart(8)} ${secs(runs.stratus.total).padStart(10)} ${ratio.toFixed(2).padStart(7)}  (goal ≤ 1.10)`);
  console.log('note: boot time under TCG varies ±10 s with machine load; the stratus save also signs a draft and registers a volume.');
  if (process.argv.includes('--cache')) await cacheRuns(runs.stratus.total);
} finally {
  server.close();
  fs.rmSync(work, { recursive: true, force: true });
}
