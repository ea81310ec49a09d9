import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { describeTable } from '../../../src/cli/commands/instances';
import { formatPort } from '../../../src/core/network';
import { aptUpdateCommand, hostAptMirror, perlHttpServer } from './aptMirror';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from './fixtures';

const mirror = hostAptMirror();
const skip = vmSkipReason() ?? (mirror ? undefined : "this machine's apt has no Debian mirror configured (the only outside address a guest may reach)");

test('nat guest: apt-get update from the Debian mirror works, a published port serves a file here, the same host port again is refused cleanly', { skip, timeout: 900_000 }, async t => {
  const data = tempData('stratus-net-');
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const ids: string[] = [];
  try {
    let t0 = Date.now();
    const a = await mgr.launch({ image: baseImage(), name: 'nat-guest', sshKeys: [], memoryMiB: 1024, vcpu: 2, publish: [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 8000, proto: 'tcp' }] });
    ids.push(a.id);
    t.diagnostic(`boot: ${(Date.now() - t0) / 1000} s`);
    assert.equal(a.network, 'nat', 'nat is the default');
    assert.equal(a.networkDetail, 'QEMU user networking (NAT)');
    assert.equal(a.ports.length, 1);
    const port = a.ports[0];
    assert.ok(port.hostPort > 0, 'host port 0 was resolved to a real port');
    assert.match(describeTable([a]), new RegExp(`127\\.0\\.0\\.1:${port.hostPort}->8000/tcp$`, 'm'), 'describe-instance shows the port');

    t0 = Date.now();
    const upd = await mgr.exec(a.id, aptUpdateCommand(mirror!));
    t.diagnostic(`apt-get update: ${(Date.now() - t0) / 1000} s`);
    // apt-get update exits 0 even when every fetch failed: the fetch lines tell
    assert.equal(upd.code, 0, upd.stdout.slice(-2000));
    assert.match(upd.stdout, /^(Get|Hit):\d+ http/m, `apt-get update in a nat guest fetched from the mirror:\n${upd.stdout.slice(-2000)}`);
    assert.doesNotMatch(upd.stdout, /^Err:|Failed to fetch/m, upd.stdout.slice(-2000));

    // a file server on guest port 8000
    const srv = await mgr.exec(a.id, `echo "served from $(hostname) on 8000" > /root/hello.txt; ${perlHttpServer(8000, '/root/hello.txt')} sleep 1; echo started`);
    assert.equal(srv.stdout.trim(), 'started', srv.stderr);
    const res = await fetch(`http://127.0.0.1:${port.hostPort}/hello.txt`);
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), 'served from nat-guest on 8000');

    // the same host port for a second instance: one clear line, no guest, no record, no folder
    const before = fs.readdirSync(data.instances).sort();
    await assert.rejects(
      mgr.launch({ image: baseImage(), sshKeys: [], publish: [{ ...port, guestPort: 80 }] }),
      (e: Error) => e.message === `Host port 127.0.0.1:${port.hostPort}/tcp is already in use on ${new LocalHost().label}: choose another (-p OTHER:80) or 0 for a free one.`);
    assert.deepEqual(fs.readdirSync(data.instances).sort(), before, 'nothing was created for the refused launch');
    assert.deepEqual((await mgr.list()).map(r => r.id), [a.id]);
    assert.equal((await fetch(`http://127.0.0.1:${port.hostPort}/hello.txt`)).status, 200, 'the first instance still serves');

    await mgr.kill(a.id);
    assert.deepEqual(qemuProcessesOf(a.id), []);
    await assert.rejects(fetch(`http://127.0.0.1:${port.hostPort}/hello.txt`), 'the port is closed with the instance');
  } finally {
    for (const id of ids) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('isolated guest: the same apt-get update fails; SSH and published ports still reach it', { skip, timeout: 600_000 }, async t => {
  const data = tempData('stratus-net-iso-');
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  let id: string | undefined;
  try {
    const a = await mgr.launch({ image: baseImage(), sshKeys: [], memoryMiB: 1024, vcpu: 2, network: 'isolated', publish: [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 22, proto: 'tcp' }] });
    id = a.id;
    assert.equal(a.network, 'isolated');
    assert.match(a.networkDetail ?? '', /^isolated: .*restricted/);
    const upd = await mgr.exec(a.id, aptUpdateCommand(mirror!));
    assert.match(upd.stdout, /^Err:\d+ http/m, `apt-get update must fail in an isolated guest:\n${upd.stdout.slice(-1500)}`);
    assert.match(upd.stdout, /Failed to fetch/);
    assert.doesNotMatch(upd.stdout, /^(Get|Hit):/m, 'nothing came from the mirror');
    // inbound still works: the guest's sshd answers on the published port
    const banner = await new Promise<string>((resolve, reject) => {
      const s = require('net').connect(a.ports[0].hostPort, '127.0.0.1');
      s.once('data', (d: Buffer) => { resolve(d.toString('utf8')); s.destroy(); });
      s.once('error', reject);
    });
    assert.match(banner, /^SSH-2\.0-OpenSSH/, formatPort(a.ports[0]));
  } finally {
    if (id) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
