#!/usr/bin/env node
// bench/boot.mjs — boot-to-SSH of the base image, three ways, alternating in the same run:
//   stratus  a Stratus launch: overlay, cidata ISO, qemu, host keys from the console, ssh2 login; real cloud-init
//            runs the seed, and launch returns once its final stage has put the keys on the console
//   seeded   the same image and the SAME seed ISO (copied from the first launch) started by plain qemu, polled with
//            `ssh true` (any host key): cloud-init's cost without Stratus around it
//   bare     the same image with cloud-init off (/etc/cloud/cloud-init.disabled, the one-context agent disabled) in
//            a saved copy that keeps the first boot's host keys and authorized key, plain qemu, `ssh true`
// Same vCPUs, TCG threading, memory and network (nat + one published port) everywhere; no swap disk (the default
// type's) so the three have the same hardware. Prints the medians, the ratios (stratus/bare is the goal,
// seeded/bare is cloud-init's share, stratus/seeded is Stratus's own) and where cloud-init's time goes.
// Needs: npx tsc -p . (uses out/), the base image, ssh. One guest at a time (run it under flock /tmp/stratus-vm.lock).
// Usage: RUNS=3 VCPU=1 node bench/boot.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { LocalHost } = require(path.join(root, 'out/src/backend/host/local.js'));
const { InstanceManager } = require(path.join(root, 'out/src/backend/kvm/instances.js'));
const { dataLayout } = require(path.join(root, 'out/src/backend/paths.js'));
const { tcgAccel } = require(path.join(root, 'out/src/backend/kvm/qemu.js'));

const RUNS = Number(process.env.RUNS ?? 2);
// the same vCPU count and TCG threading on both sides (Stratus runs a multi-vCPU TCG guest in one thread)
const VCPU = Number(process.env.VCPU ?? 1);   // the default type (m1.small) has one
const base = process.env.STRATUS_TEST_BASE_IMAGE || execFileSync('bash', [path.join(root, 'scripts/setup-kvm.sh')], { encoding: 'utf8', env: { ...process.env, WITH_LIBVIRT: '0' } }).trim().split('\n').pop();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-boot-'));
const data = dataLayout(path.join(tmp, 'data'));
const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg' });
const sleep = ms => new Promise(r => setTimeout(r, ms));
const freePort = () => new Promise(r => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

let blame = '';
const seedIso = path.join(tmp, 'seed.iso');
async function stratus() {
  const t0 = Date.now();
  const r = await mgr.launch({ image: base, sshKeys: [], vcpu: VCPU, memoryMiB: 1024, swapMiB: 0, network: 'nat', publish: [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 80, proto: 'tcp' }] });
  const s = (Date.now() - t0) / 1000;
  if (!blame) {
    const dir = path.join(data.instances, r.id);
    fs.copyFileSync(path.join(dir, 'cidata.iso'), seedIso);
    blame = (await mgr.exec(r.id, 'cloud-init status --wait >/dev/null 2>&1; cloud-init analyze blame 2>/dev/null | sed -n 2,9p')).stdout;
    // how long SSH readiness waits for the final stage (keys-to-console runs there): sshd up → cloud-final done
    const up = u => mgr.exec(r.id, `systemctl show -P ActiveEnterTimestampMonotonic ${u}`).then(x => Number(x.stdout.trim()) / 1e6);
    const [sshd, final] = [await up('ssh.service'), await up('cloud-final.service')];
    blame += `sshd up at ${sshd.toFixed(1)} s of guest uptime, cloud-init's final stage done at ${final.toFixed(1)} s (keys-to-console is in it)\n`;
    // cloud-init 24.3+ (Debian 13): one Python process; its start → "ready" is the interpreter and the imports
    const since = u => mgr.exec(r.id, `systemctl show -P InactiveExitTimestampMonotonic ${u}`).then(x => Number(x.stdout.trim()) / 1e6);
    const main = await up('cloud-init-main.service');
    if (main > 0) blame += `cloud-init's Python process: started at ${(await since('cloud-init-main.service')).toFixed(1)} s, imports done at ${main.toFixed(1)} s\n`;
    const agent = await up('stratuslab-one-context.service') - await since('stratuslab-one-context.service');
    blame += `the one-context agent (no context disk, no *.context): ${agent.toFixed(1)} s, beside sshd's start and before the final stage\n`;
    blame += (await mgr.exec(r.id, 'systemd-analyze critical-chain ssh.service 2>/dev/null | sed -n 3,14p')).stdout;
  }
  await mgr.kill(r.id);
  await mgr.forget(r.id);
  return s;
}

/** The same image with cloud-init off: a saved copy whose first boot made the host keys and installed the key. */
let bareImage, knownHosts;
async function prepareBare() {
  const r = await mgr.launch({ image: base, sshKeys: [], vcpu: VCPU, memoryMiB: 1024, swapMiB: 0,
    save: { title: 'bare', comment: 'cloud-init off', author: 'bench', email: 'bench@example.org' } });
  await mgr.exec(r.id, 'cloud-init status --wait >/dev/null 2>&1; touch /etc/cloud/cloud-init.disabled && systemctl disable -q stratuslab-one-context && sync');
  knownHosts = r.sshHostKeys.map(k => k.split(' ').slice(0, 2).join(' '));
  bareImage = (await mgr.shutdown(r.id)).saved.imagePath;
}

/** Plain qemu on a fresh overlay: 'bare' = the cloud-init-off copy, known host keys; 'seeded' = the base image and
 * the launch's seed ISO, whatever host key the new instance made. Time to the first `ssh true` that succeeds. */
async function plain(kind, i) {
  const { privateKeyPath } = await mgr.managedKey();
  const d = path.join(tmp, `${kind}-${i}`); fs.mkdirSync(d);
  const t0 = Date.now();
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', kind === 'bare' ? bareImage : base, path.join(d, 'o.qcow2')]);
  const port = await freePort();
  fs.writeFileSync(path.join(d, 'known_hosts'), kind === 'bare' ? knownHosts.map(k => `[127.0.0.1]:${port} ${k}\n`).join('') : '');
  const web = await freePort();
  execFileSync('qemu-system-x86_64', ['-machine', 'q35', '-accel', tcgAccel(VCPU), '-smp', String(VCPU), '-m', '1024',
    '-drive', `file=${d}/o.qcow2,if=virtio`, ...(kind === 'seeded' ? ['-drive', `file=${seedIso},format=raw,media=cdrom,if=ide,readonly=on`] : []),
    '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22,hostfwd=tcp:127.0.0.1:${web}-:80`, '-device', 'virtio-net-pci,netdev=n0',
    '-display', 'none', '-serial', `file:${d}/serial.log`, '-daemonize', '-pidfile', `${d}/pid`]);
  const pid = Number(fs.readFileSync(`${d}/pid`, 'utf8'));
  try {
    for (;;) {
      const r = spawnSync('ssh', ['-o', 'BatchMode=yes', '-o', `StrictHostKeyChecking=${kind === 'bare' ? 'yes' : 'no'}`, '-o', `UserKnownHostsFile=${d}/known_hosts`, '-o', 'ConnectTimeout=3',
        '-o', 'LogLevel=ERROR', '-i', privateKeyPath, '-p', String(port), 'root@127.0.0.1', 'true']);
      if (r.status === 0) break;
      if (Date.now() - t0 > 600_000) throw new Error(`${kind} guest: no SSH after 600 s`);
      await sleep(500);
    }
    return (Date.now() - t0) / 1000;
  } finally {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

const rows = { stratus: [], seeded: [], bare: [] };
try {
  await prepareBare();
  await stratus().then(() => console.log('(first launch: the seed ISO and cloud-init analyze blame; not timed)'));
  const orders = [['stratus', 'seeded', 'bare'], ['bare', 'stratus', 'seeded'], ['seeded', 'bare', 'stratus']];
  for (let i = 0; i < RUNS; i++) {
    for (const w of orders[i % 3]) {
      const s = w === 'stratus' ? await stratus() : await plain(w, i);
      rows[w].push(s);
      console.log(`run ${i + 1} ${w}: ${s.toFixed(1)} s to SSH`);
    }
  }
  const med = a => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const [s, p, b] = [med(rows.stratus), med(rows.seeded), med(rows.bare)];
  console.log(`boot → SSH (${VCPU} vCPU, TCG): Stratus launch ${s.toFixed(1)} s, plain qemu with the same seed ${p.toFixed(1)} s, same image bare (cloud-init off) ${b.toFixed(1)} s`);
  console.log(`ratios: stratus/bare ${(s / b).toFixed(2)} (goal 1.05), seeded/bare ${(p / b).toFixed(2)} (cloud-init), stratus/seeded ${(s / p).toFixed(2)} (Stratus itself)`);
  console.log(`cloud-init analyze blame (first launch):\n${blame}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
