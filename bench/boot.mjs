#!/usr/bin/env node
// bench/boot.mjs — boot-to-SSH of a Stratus launch (overlay, context ISO, qemu, pinned-key SSH login)
// against the bare `qemu-system-x86_64` command on the same overlay + cidata ISO, polled with plain
// `ssh true` — in the same run, alternating. Prints both medians and the overhead ratio.
// Both use the same network: nat (unrestricted user networking) and one published port (guest 80).
// Needs: npx tsc -p . (uses out/), the base image, cloud-localds, ssh. One guest at a time.
// Usage: node bench/boot.mjs [RUNS=2]
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

const RUNS = Number(process.env.RUNS ?? 2);
const base = process.env.STRATUS_TEST_BASE_IMAGE || execFileSync('bash', [path.join(root, 'scripts/setup-kvm.sh')], { encoding: 'utf8', env: { ...process.env, WITH_LIBVIRT: '0' } }).trim().split('\n').pop();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-boot-'));
const data = dataLayout(path.join(tmp, 'data'));
const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg' });
const sleep = ms => new Promise(r => setTimeout(r, ms));
const freePort = () => new Promise(r => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

async function stratus() {
  const t0 = Date.now();
  const r = await mgr.launch({ image: base, sshKeys: [], vcpu: 2, memoryMiB: 1024, network: 'nat', publish: [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 80, proto: 'tcp' }] });
  const s = (Date.now() - t0) / 1000;
  await mgr.kill(r.id);
  await mgr.forget(r.id);
  return s;
}

async function bare(i) {
  const { privateKeyPath, publicKey } = await mgr.managedKey();
  const d = path.join(tmp, `bare-${i}`); fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'user-data'), `#cloud-config\nssh_authorized_keys:\n  - ${publicKey}\n`);
  fs.writeFileSync(path.join(d, 'meta-data'), `instance-id: bare-${i}\nlocal-hostname: bare\n`);
  const t0 = Date.now();
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, path.join(d, 'o.qcow2')]);
  execFileSync('cloud-localds', [path.join(d, 'seed.iso'), path.join(d, 'user-data'), path.join(d, 'meta-data')]);
  const port = await freePort();
  const web = await freePort();
  execFileSync('qemu-system-x86_64', ['-machine', 'q35', '-accel', 'tcg', '-smp', '2', '-m', '1024',
    '-drive', `file=${d}/o.qcow2,if=virtio`, '-drive', `file=${d}/seed.iso,format=raw,media=cdrom,if=ide,readonly=on`,
    '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22,hostfwd=tcp:127.0.0.1:${web}-:80`, '-device', 'virtio-net-pci,netdev=n0',
    '-display', 'none', '-serial', `file:${d}/serial.log`, '-daemonize', '-pidfile', `${d}/pid`]);
  const pid = Number(fs.readFileSync(`${d}/pid`, 'utf8'));
  try {
    for (;;) {
      const r = spawnSync('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=3',
        '-o', 'LogLevel=ERROR', '-i', privateKeyPath, '-p', String(port), 'root@127.0.0.1', 'true']);
      if (r.status === 0) break;
      if (Date.now() - t0 > 300_000) throw new Error('bare guest: no SSH after 300 s');
      await sleep(500);
    }
    return (Date.now() - t0) / 1000;
  } finally {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

const rows = { stratus: [], bare: [] };
try {
  for (let i = 0; i < RUNS; i++) {
    for (const w of i % 2 ? ['bare', 'stratus'] : ['stratus', 'bare']) {
      const s = w === 'stratus' ? await stratus() : await bare(i);
      rows[w].push(s);
      console.log(`run ${i + 1} ${w}: ${s.toFixed(1)} s to SSH`);
    }
  }
  const med = a => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const s = med(rows.stratus), b = med(rows.bare);
  console.log(`boot → SSH: stratus ${s.toFixed(1)} s, bare qemu ${b.toFixed(1)} s, overhead ${(s - b).toFixed(1)} s, ratio ${(s / b).toFixed(2)} (both nat + 1 published port; stratus waits for the pinned host keys and a full ssh2 login)`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
