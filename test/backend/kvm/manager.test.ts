import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { probeAcceleration } from '../../../src/backend/kvm/accel';
import { tempData } from './fixtures';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { fixtureHost, sshdAvailable, startRemoteHost } from '../host/remoteHost';

test('instance types: §7.2 defaults plus valid user types (invalid ones ignored)', () => {
  const data = tempData();
  const m = new InstanceManager({ host: new LocalHost(), data, instanceTypes: [{ name: 'my.type', vcpu: 4, memoryMiB: 2048, swapMiB: 2048 }, { name: 'bad', vcpu: 0, memoryMiB: 1, swapMiB: 0 }] });
  const types = m.instanceTypes();
  assert.deepEqual(types.find(t => t.name === 'm1.small'), { name: 'm1.small', vcpu: 1, memoryMiB: 1536, swapMiB: 1536 });
  assert.ok(types.some(t => t.name === 'my.type'));
  assert.ok(!types.some(t => t.name === 'bad'));
  fs.rmSync(data.root, { recursive: true, force: true });
});

test('launch refuses bad input with the original messages and leaves nothing behind', async () => {
  const data = tempData();
  const m = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg' });
  try {
    await assert.rejects(m.launch({ image: '/nope.img', type: 'x1.huge', sshKeys: ['ssh-ed25519 AAAA k'] }), /Unknown instance type: x1\.huge/);
    await assert.rejects(m.launch({ image: '/nope.img', sshKeys: ['ssh-ed25519 AAAA k'], save: { title: 't', comment: '', author: 'a', email: 'e@x.org' } }), /With the --save option, please provide --comment/);
    await assert.rejects(m.launch({ image: path.join(data.root, 'missing.qcow2'), sshKeys: [] }), /not found/);
    assert.deepEqual(await m.list(), [], 'a launch that fails before a guest exists records nothing');
    assert.deepEqual(fs.existsSync(data.instances) ? fs.readdirSync(data.instances) : [], [], 'no folder, overlay, ISO or domain left');
    await assert.rejects(m.shutdown('vm-nothere'), /No instance vm-nothere/);
  } finally { fs.rmSync(data.root, { recursive: true, force: true }); }
});

test('a launch asking for more memory than the host has available is warned about before anything starts', async () => {
  const data = tempData();
  const said: string[] = [];
  const m = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg', log: t => said.push(t) });
  try {
    const avail = Number(/^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024;
    await assert.rejects(m.launch({ image: path.join(data.root, 'missing.qcow2'), sshKeys: ['ssh-ed25519 AAAA k'], memoryMiB: Math.ceil(avail * 2) }), /not found/);
    assert.ok(said.some(t => /^warning: the instance asks for \d+ MiB of memory and Local has \d+ MiB available: .* — choose a smaller --type or --ram$/.test(t)), said.join('\n'));
    said.length = 0;
    await assert.rejects(m.launch({ image: path.join(data.root, 'missing.qcow2'), sshKeys: ['ssh-ed25519 AAAA k'], memoryMiB: 64 }), /not found/);
    assert.ok(!said.some(t => /asks for/.test(t)), 'nothing said when it fits');
  } finally { fs.rmSync(data.root, { recursive: true, force: true }); }
});

test('acceleration: forced modes say so; auto without a probe kernel falls back to TCG visibly and is cached', async () => {
  const data = tempData();
  const host = new LocalHost();
  try {
    assert.match((await probeAcceleration(host, { cacheFile: path.join(data.root, 'a.json'), mode: 'tcg' })).reason, /setting/);
    const v = await probeAcceleration(host, { cacheFile: path.join(data.root, 'a.json'), kernel: path.join(data.root, 'none'), mode: 'auto' });
    assert.equal(v.accel, 'tcg');
    assert.ok(v.reason.length > 20);
    if (fs.existsSync('/dev/kvm')) {
      const cached = JSON.parse(fs.readFileSync(path.join(data.root, 'a.json'), 'utf8'));
      assert.equal(cached.accel, 'tcg');
      fs.writeFileSync(path.join(data.root, 'a.json'), JSON.stringify({ ...cached, reason: 'from cache' }));
      assert.equal((await probeAcceleration(host, { cacheFile: path.join(data.root, 'a.json'), kernel: path.join(data.root, 'none') })).reason, 'from cache');
    }
  } finally { fs.rmSync(data.root, { recursive: true, force: true }); }
});

test('a launch on a remote host runs the pre-flight first: a blocking item is said with what to do, and nothing is created', {
  skip: sshdAvailable(),
}, async () => {
  const fx = await startRemoteHost();
  const pool = new ConnectionPool();
  const data = tempData('stratus-pf-'), local = tempData('stratus-pf-local-');
  try {
    const host = fixtureHost(fx, 'lab', pool, local.root);
    const mgr = new InstanceManager({ host, data, localData: local, acceleration: 'tcg', minFreeBytes: 2 ** 60 });
    await assert.rejects(mgr.launch({ image: '/nonexistent.img', sshKeys: ['ssh-ed25519 AAAA x'] }), (e: Error) =>
      /lab is not ready for a launch:\n✘ Free space for images: .* free for .*\n {4}→ Free at least/.test(e.message));
    assert.deepEqual(fs.existsSync(data.instances) ? fs.readdirSync(data.instances) : [], [], 'no instance folder was created');
  } finally {
    pool.closeAll();
    await fx.stop();
    for (const d of [data.root, local.root]) fs.rmSync(d, { recursive: true, force: true });
  }
});
