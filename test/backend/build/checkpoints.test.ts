import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { QmpClient } from '../../../src/backend/kvm/qmp';
import { BuildCache } from '../../../src/backend/build/cache';
import { DiskCheckpoints } from '../../../src/backend/build/checkpoints';

// The real QEMU block layer under DiskCheckpoints, with the CPU never started (-S: no guest runs, so no
// boot and no VM lock): the "steps" write their data through the monitor's qemu-io.
const have = (c: string) => { try { execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }); return true; } catch { return false; } };
const skip = have('qemu-system-x86_64') && have('qemu-img') && have('qemu-io') ? undefined : 'qemu-system-x86_64, qemu-img and qemu-io are needed';

function startPaused(dir: string, top: string): { qmp: (c: string, a?: Record<string, unknown>) => Promise<any>; pid: number } {
  const sock = path.join(dir, 'qmp.sock');
  fs.rmSync(sock, { force: true });
  execFileSync('qemu-system-x86_64', ['-S', '-display', 'none', '-machine', 'q35', '-accel', 'tcg', '-drive', `file=${top},format=qcow2,id=root,if=virtio`,
    '-qmp', `unix:${sock},server=on,wait=off`, '-daemonize', '-pidfile', path.join(dir, 'qemu.pid')]);
  const pid = Number(fs.readFileSync(path.join(dir, 'qemu.pid'), 'utf8'));
  const qmp = async (c: string, a?: Record<string, unknown>) => {
    const s = net.connect(sock);
    await new Promise((res, rej) => { s.once('connect', res); s.once('error', rej); });
    const q = await QmpClient.connect(s);
    try { return await q.execute(c, a); } finally { q.close(); }
  };
  return { qmp, pid };
}
const write = (qmp: (c: string, a?: Record<string, unknown>) => Promise<unknown>, pattern: number, offsetK: number) =>
  qmp('human-monitor-command', { 'command-line': `qemu-io root "write -P ${pattern} ${offsetK}k 64k"` });
/** Reads 64 KiB at offsetK and says whether every byte is `pattern`. */
const holds = (file: string, pattern: number, offsetK: number) =>
  !/Pattern verification failed/.test(execFileSync('qemu-io', ['-r', '-f', 'qcow2', '-c', `read -P ${pattern} ${offsetK}k 64k`, file], { encoding: 'utf8' }));
const backing = (file: string) => JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', file], { encoding: 'utf8' }))['full-backing-filename'];
const stop = async (vm: { qmp: (c: string) => Promise<unknown>; pid: number }) => {
  await vm.qmp('quit').catch(() => undefined);
  for (let i = 0; i < 50; i++) { try { process.kill(vm.pid, 0); await new Promise(r => setTimeout(r, 100)); } catch { return; } }
  process.kill(vm.pid, 'SIGKILL');
};

test('live checkpoints: each holds only its step\'s clusters over the previous one; finalize folds all into the overlay over the base; a VM started from a checkpoint streams it in', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ckpt-unit-'));
  const host = new LocalHost();
  const cache = new BuildCache(host, path.join(dir, 'cache'));
  const base = path.join(dir, 'base.qcow2'), overlay = path.join(dir, 'vm1', 'overlay.qcow2');
  fs.mkdirSync(path.dirname(overlay));
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '4M']);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay]);
  let vm = startPaused(path.dirname(overlay), overlay);
  try {
    const b = { file: base, format: 'qcow2' };
    const ck = new DiskCheckpoints(host, vm.qmp, cache, overlay, b, b);
    await write(vm.qmp, 1, 0);
    assert.equal(await ck.take('k1', { build: 'B', unit: 'script 1' }), true);
    await write(vm.qmp, 2, 64);
    assert.equal(await ck.take('k2', { parent: 'k1', build: 'B', unit: 'script 2' }), true);
    assert.equal(await ck.take('k2', { parent: 'k1', build: 'B', unit: 'script 2' }), false, 'an existing checkpoint is kept');
    await write(vm.qmp, 3, 128);   // after the last checkpoint (sysprep's writes)
    await ck.finalize();
    await stop(vm);
    // the overlay alone, over the base, holds everything; the layers are gone
    assert.equal(backing(overlay), base);
    assert.ok(holds(overlay, 1, 0) && holds(overlay, 2, 64) && holds(overlay, 3, 128));
    assert.deepEqual(fs.readdirSync(path.dirname(overlay)).filter(f => f.startsWith('layer-')), []);
    // k2 is an overlay of k1 with its own step's data only
    assert.equal(backing(cache.file('k2')), cache.file('k1'));
    assert.ok(holds(cache.file('k2'), 1, 0) && holds(cache.file('k2'), 2, 64) && holds(cache.file('k2'), 0, 128));
    const map = JSON.parse(execFileSync('qemu-img', ['map', '--output=json', cache.file('k2')], { encoding: 'utf8' })) as { depth: number; data: boolean; length: number }[];
    assert.equal(map.filter(m => m.depth === 0 && m.data).reduce((s, m) => s + m.length, 0), 64 * 1024, 'k2 holds only what step 2 wrote');

    // a second build starts on k2 (reuse/resume): its save must not depend on the cache
    const overlay2 = path.join(dir, 'vm2', 'overlay.qcow2');
    fs.mkdirSync(path.dirname(overlay2));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', cache.file('k2'), overlay2]);
    vm = startPaused(path.dirname(overlay2), overlay2);
    const ck2 = new DiskCheckpoints(host, vm.qmp, cache, overlay2, b, { file: cache.file('k2'), format: 'qcow2' });
    ck2.startedFromCache = true;
    await write(vm.qmp, 4, 192);
    assert.equal(await ck2.take('k3', { parent: 'k2', build: 'C', unit: 'script 3' }), true);
    await ck2.finalize();
    await stop(vm);
    assert.equal(backing(overlay2), base, 'the saved disk stands on the base alone');
    assert.ok(holds(overlay2, 1, 0) && holds(overlay2, 2, 64) && holds(overlay2, 4, 192) && holds(overlay2, 0, 128));
    assert.equal(backing(cache.file('k3')), cache.file('k2'));
  } finally {
    await stop(vm);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
