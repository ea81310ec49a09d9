// Listing instances on a remote KVM host (Instances tree refresh) over Stratus's one shared SSH connection,
// against `ssh HOST <list command>` (a new OpenSSH connection per refresh, as scripts and virt tools do),
// both measured in the same run against the same real sshd (test fixture: netns + veth, or loopback).
// Reports: SSH connections opened by Stratus (goal: 1), requests (round trips) per refresh, time ratio.
// usage: npx tsc -p . && node bench/remote-list.mjs      (REFRESHES=20 INSTANCES=8 to change the load)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const out = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'out');
if (!fs.existsSync(path.join(out, 'src/backend/host/ssh.js'))) { console.error('out/ is missing: run `npx tsc -p .` first'); process.exit(1); }
const { startRemoteHost, sshdAvailable } = require(path.join(out, 'test/backend/host/remoteHost.js'));
const { SshHost } = require(path.join(out, 'src/backend/host/ssh.js'));
const { ConnectionPool } = require(path.join(out, 'src/backend/host/connections.js'));
const { KnownHosts } = require(path.join(out, 'src/backend/host/knownHosts.js'));
const { InstanceManager } = require(path.join(out, 'src/backend/kvm/instances.js'));
const { dataLayout } = require(path.join(out, 'src/backend/paths.js'));

const REFRESHES = Number(process.env.REFRESHES ?? 10);
const INSTANCES = Number(process.env.INSTANCES ?? 5);
const why = sshdAvailable();
if (why) { console.log(`skipped: ${why}`); process.exit(0); }

const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const fx = await startRemoteHost();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-remote-'));
try {
  const data = dataLayout(root);
  // finished instances as the remote keeps them: one folder with instance.json each
  for (let i = 0; i < INSTANCES; i++) {
    const id = `vm-bench${String(i).padStart(3, '0')}`;
    fs.mkdirSync(path.join(data.instances, id), { recursive: true });
    const now = new Date(Date.now() - (INSTANCES - i) * 1000).toISOString();
    fs.writeFileSync(path.join(data.instances, id, 'instance.json'), JSON.stringify({ id, name: id, hostId: 'bench', driver: 'qemu', state: 'Done', type: 't1.micro',
      vcpu: 1, memoryMiB: 512, imageRef: 'x', base: 'x', overlay: 'x', accel: 'tcg', sshPort: 0, ip: '127.0.0.1', sshUser: 'root', sshHostKeys: [], guestForwards: [], disks: [], createdAt: now, updatedAt: now }));
  }
  const pool = new ConnectionPool();
  const host = new SshHost('bench', { host: fx.host, port: fx.port, user: 'root', privateKey: fx.clientKey, agent: false },
    { knownHosts: new KnownHosts(path.join(root, 'known_hosts'), [fx.knownHostsFile]) }, pool);
  const mgr = new InstanceManager({ host, data, acceleration: 'tcg' });

  const ssh = ['-i', fx.clientKeyFile, '-o', `UserKnownHostsFile=${fx.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-p', String(fx.port), `root@${fx.host}`];
  const baselines = {
    'ssh HOST virsh list --all': ['virsh', '-c', 'qemu:///system', 'list', '--all'],
    'ssh HOST ls instances (qemu-driver equivalent)': ['ls', '-1', data.instances],
  };
  const virshOk = (() => { try { execFileSync('ssh', [...ssh, ...baselines['ssh HOST virsh list --all']], { stdio: 'pipe' }); return true; } catch { return false; } })();
  if (!virshOk) delete baselines['ssh HOST virsh list --all'];
  const timesBase = Object.fromEntries(Object.keys(baselines).map(k => [k, []]));
  const timesStratus = [];
  let listed = 0, requests = 0;
  for (let i = 0; i < REFRESHES; i++) {   // interleaved so machine load hits both alike
    for (const [name, cmd] of Object.entries(baselines)) {
      const t0 = performance.now();
      execFileSync('ssh', [...ssh, ...cmd], { stdio: 'pipe' });
      timesBase[name].push(performance.now() - t0);
    }
    const before = host.stats.execs + host.stats.sftpOps;
    const t0 = performance.now();
    listed = (await mgr.list()).length;
    timesStratus.push(performance.now() - t0);
    if (i > 0) requests += host.stats.execs + host.stats.sftpOps - before;   // the first refresh also connects
  }
  const s = median(timesStratus.slice(1));
  console.log(`remote host ${fx.host}:${fx.port}${fx.netns ? ' (netns)' : ' (loopback)'}, ${INSTANCES} instances, ${REFRESHES} refreshes`);
  console.log(`Stratus list: ${listed} instances, SSH connections opened: ${pool.opened} (goal 1), requests per refresh: ${(requests / (REFRESHES - 1)).toFixed(1)} (1 readdir, then every instance's read at once), all over one connection`);
  console.log(`  first refresh (includes connecting): ${timesStratus[0].toFixed(1)} ms; median refresh after: ${s.toFixed(1)} ms`);
  for (const [name, ts] of Object.entries(timesBase)) {
    const b = median(ts);
    console.log(`  baseline ${name}: median ${b.toFixed(1)} ms, ${ts.length} connections opened → Stratus refresh is ${(b / s).toFixed(1)}x faster (ratio ${(s / b).toFixed(3)})`);
  }
  if (!virshOk) console.log('  (virsh list baseline skipped: no libvirtd reachable on the remote host)');
  pool.closeAll();
} finally {
  await fx.stop();
  fs.rmSync(root, { recursive: true, force: true });
}
