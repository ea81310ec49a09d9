import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from './fixtures';

const skip = vmSkipReason();

test('cancelling a launch while it boots leaves no guest, no folder, no overlay', { skip, timeout: 300_000 }, async () => {
  const base = baseImage();
  const data = tempData();
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg' });
  const ac = new AbortController();
  let id = '';
  mgr.onDidChange(r => { id = r.id; });
  try {
    await assert.rejects(mgr.launch({ image: base, sshKeys: [], memoryMiB: 512 }, {
      signal: ac.signal, onStep: s => { if (s === 'Waiting for machine to boot') setTimeout(() => ac.abort(), 1500); },
    }), /cancelled/);
    assert.ok(id);
    assert.deepEqual(qemuProcessesOf(id), []);
    assert.equal(fs.existsSync(path.join(data.instances, id)), false);
    assert.deepEqual(await mgr.list(), []);
  } finally {
    if (id) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('StratusLab context ISO, a guest forward, volatile disk, shutdown without save discards', { skip, timeout: 600_000 }, async t => {
  const base = baseImage();
  const data = tempData();
  const server = http.createServer((_q, r) => r.end('hello-from-host\n'));
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const hostPort = (server.address() as { port: number }).port;
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg', log: m => t.diagnostic(m) });
  let id = '';
  try {
    const r = await mgr.launch({
      image: base, name: 'ctx-test', sshKeys: [], memoryMiB: 1024, vcpu: 2, contextMethod: 'stratuslab', contextVars: { FOO: 'bar' },
      guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 8080, hostPort }], disks: [{ kind: 'volatile', sizeGiB: 1 }],
    });
    id = r.id;
    assert.equal(r.state, 'Running');
    assert.equal((await mgr.exec(id, 'hostname')).stdout.trim(), 'ctx-test', 'hostname from context.sh');
    assert.equal((await mgr.exec(id, 'test -b /dev/vdb && echo yes')).stdout.trim(), 'yes', 'the volatile disk is there');
    // the guestfwd's nc keeps the guest side open after the server closes: read with a time limit
    const fwd = await mgr.exec(id, `timeout 10 bash -c 'exec 3<>/dev/tcp/10.0.2.100/8080; printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3'`);
    assert.match(fwd.stdout, /hello-from-host/, 'guestfwd reaches the host service');
    // (the sealed network is network.vm.test's `isolated` guest: nat is the default now)
    const done = await mgr.shutdown(id);
    assert.equal(done.state, 'Done');
    assert.equal(done.saved, undefined);
    assert.equal(fs.existsSync(r.overlay), false, 'no save: the overlay is discarded');
    assert.deepEqual(fs.readdirSync(path.join(data.instances, id)).filter(f => /qcow2|iso$/.test(f)), [], 'no disks or ISOs left');
    assert.deepEqual(qemuProcessesOf(id), []);
  } finally {
    if (id) await mgr.kill(id).catch(() => undefined);
    server.close();
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
