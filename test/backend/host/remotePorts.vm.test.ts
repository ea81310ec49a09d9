import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { stageImage } from '../../../src/backend/host/stage';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { baseImage, tempData, vmSkipReason } from '../kvm/fixtures';
import { fixtureHost, sshdAvailable, startRemoteHost } from './remoteHost';

const skip = vmSkipReason() ?? sshdAvailable();

/** The first line a TCP server sends (an SSH banner). */
function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('data', d => { resolve(d.toString('utf8').split('\r\n')[0]); s.destroy(); });
    s.once('error', reject);
  });
}

test('a published port of a guest on a remote KVM host is reached from here through the host\'s one SSH connection', { skip, timeout: 600_000 }, async t => {
  const fx = await startRemoteHost();
  t.diagnostic(`remote host ${fx.host}:${fx.port}${fx.netns ? ` in netns ${fx.netns}` : ' (loopback fallback)'}`);
  const pool = new ConnectionPool();
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-remote-ports-kh-'));
  const host = fixtureHost(fx, 'remote-kvm', pool, own);
  const data = tempData('stratus-remote-ports-');
  const local = tempData('stratus-remote-ports-local-');
  const mgr = new InstanceManager({ host, data, localData: local, acceleration: 'tcg', log: m => t.diagnostic(m) });
  let id: string | undefined;
  try {
    const remoteBase = await stageImage(host, baseImage(), data.images);
    // the guest's sshd (port 22) stands for any service: its banner proves the bytes came from the guest
    const a = await mgr.launch({ image: remoteBase, sshKeys: [], memoryMiB: 1024, vcpu: 2, publish: [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 22, proto: 'tcp' }] });
    id = a.id;
    assert.equal(a.ports.length, 1);
    assert.equal(a.ports[0].hostAddr, '127.0.0.1', "published on the remote host's loopback only");
    assert.equal(a.localPorts?.length, 1, 'a local end was opened at launch');
    const here = a.localPorts![0];
    assert.equal(here.hostAddr, '127.0.0.1');
    assert.match(await banner(here.hostPort), /^SSH-2\.0-OpenSSH/, 'the guest answers through the forward');
    // listing (as the tree does on every refresh) gives the same local end, not a new listener each time
    const listed = (await mgr.list()).find(r => r.id === a.id)!;
    assert.deepEqual(listed.localPorts, a.localPorts);
    assert.equal(pool.opened, 1, 'launch, boot wait and the forwarded port all used one SSH connection');

    await mgr.kill(a.id);
    id = undefined;
    await assert.rejects(banner(here.hostPort), 'the local end is closed with the instance');
  } finally {
    if (id) await mgr.kill(id).catch(e => t.diagnostic(`cleanup kill: ${e.message}`));
    pool.closeAll();
    await fx.stop();
    for (const d of [data.root, local.root, own]) fs.rmSync(d, { recursive: true, force: true });
  }
});
