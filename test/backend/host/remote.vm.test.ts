import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { KnownHosts } from '../../../src/backend/host/knownHosts';
import { SshHost } from '../../../src/backend/host/ssh';
import { stageImage } from '../../../src/backend/host/stage';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { VolumeStore } from '../../../src/backend/volumes/store';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from '../kvm/fixtures';
import { sshdAvailable, startRemoteHost } from './remoteHost';

const skip = vmSkipReason() ?? sshdAvailable();

test('a guest on a remote KVM host, driven over ONE SSH connection: upload, launch, reach it, survive a drop, save refused safely, kill', { skip, timeout: 900_000 }, async t => {
  const base = baseImage();
  const fx = await startRemoteHost();
  t.diagnostic(`remote host ${fx.host}:${fx.port}${fx.netns ? ` in netns ${fx.netns}` : ' (loopback fallback)'}`);
  const pool = new ConnectionPool();
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-remote-kh-'));
  const host = new SshHost('remote-kvm', { host: fx.host, port: fx.port, user: fx.user, privateKey: fx.clientKey, agent: false },
    { knownHosts: new KnownHosts(path.join(own, 'known_hosts'), [fx.knownHostsFile]) }, pool);
  // the remote's data folder (this machine's disk is shared, but everything goes through the SshHost)
  const data = tempData('stratus-remote-data-');
  const mgr = new InstanceManager({ host, data, acceleration: 'tcg', log: m => t.diagnostic(m) });
  let id: string | undefined;
  try {
    const progress: number[] = [];
    const remoteBase = await stageImage(host, base, data.images, { onProgress: d => progress.push(d) });
    assert.equal(remoteBase, path.join(data.images, path.basename(base)));
    assert.equal(progress[progress.length - 1], fs.statSync(base).size);
    const again: number[] = [];
    await stageImage(host, base, data.images, { onProgress: d => again.push(d) });
    assert.equal(again.length, 1, 'an identical copy on the host is reused, not re-sent');

    const a = await mgr.launch({ image: remoteBase, type: 't1.micro', sshKeys: [], memoryMiB: 1024, vcpu: 2,
      save: { title: 'remote save', comment: 'dropped midway', author: 'Jane Tester', email: 'jane.tester@example.org' } });
    id = a.id;
    assert.equal(a.state, 'Running');
    assert.equal(a.hostId, 'remote-kvm');
    const pids = qemuProcessesOf(a.id);
    assert.equal(pids.length, 1);
    if (fx.netns) {
      assert.notEqual(fs.readlinkSync(`/proc/${pids[0]}/ns/net`), fs.readlinkSync('/proc/self/ns/net'), 'qemu runs on the remote (its network namespace)');
    }
    // the guest's forwarded port is on the remote's loopback: only reachable through the SSH connection
    const r = await mgr.exec(a.id, 'echo remote-guest-$(hostname)');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^remote-guest-/);
    assert.equal(pool.opened, 1, 'upload, launch, boot wait and guest SSH all used one connection');

    // the connection drops while a command runs in the guest: a clear error, then it comes back on its own
    const inflight = mgr.exec(a.id, 'sleep 30');
    await new Promise(res => setTimeout(res, 1500));
    assert.ok(fx.killSessions() >= 1);
    await assert.rejects(inflight, (e: Error) => {
      t.diagnostic(`in-flight guest command ended with: ${e.message}`);
      return /connection|closed|lost/i.test(e.message);
    });
    for (let i = 0; i < 100 && host.state !== 'connected'; i++) await new Promise(res => setTimeout(res, 100));
    assert.equal(host.state, 'connected');
    assert.match((await mgr.exec(a.id, 'echo still-there')).stdout, /still-there/, 'the same guest, same pinned key, reached again');
    assert.equal(pool.opened, 2, 'exactly one reconnect after the drop');

    // saving on a remote host: the KVM engine keeps its volume store on this machine, so it refuses —
    // clearly, with the guest's disk kept and nothing half-registered
    const save = mgr.shutdown(a.id);
    await assert.rejects(save, (e: Error) => {
      t.diagnostic(`save on the remote host ended with: ${e.message}`);
      return /remote host/.test(e.message);
    });
    assert.deepEqual(await new VolumeStore(data.volumes).list(), [], 'no half image registered as a volume');
    assert.ok(await host.stat(a.overlay), 'the overlay (the user\'s work) is kept');
    assert.equal((await mgr.describe(a.id))?.state, 'Failed');

    await mgr.kill(a.id);
    id = undefined;
    assert.deepEqual(qemuProcessesOf(a.id), [], 'no qemu left on the remote after kill');
    assert.equal(await host.stat(a.overlay), undefined, 'kill discards the overlay');
  } finally {
    if (id) await mgr.kill(id).catch(e => t.diagnostic(`cleanup kill: ${e.message}`));
    for (const p of id ? qemuProcessesOf(id) : []) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    pool.closeAll();
    await fx.stop();
    fs.rmSync(data.root, { recursive: true, force: true });
    fs.rmSync(own, { recursive: true, force: true });
  }
});
