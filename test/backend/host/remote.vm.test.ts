import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { GuestKeys, guestKeysFile } from '../../../src/backend/host/knownHosts';
import { guestKnownHosts, guestSshArgv } from '../../../src/backend/host/guestSsh';
import { stageImage } from '../../../src/backend/host/stage';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { LibvirtDriver } from '../../../src/backend/kvm/libvirt';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { attachVolume, detachVolume } from '../../../src/backend/volumes/attach';
import { VolumeStore } from '../../../src/backend/volumes/store';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from '../kvm/fixtures';
import { fixtureHost, sshdAvailable, startRemoteHost } from './remoteHost';

const skip = vmSkipReason() ?? sshdAvailable();

test('a guest on a remote KVM host over ONE SSH connection: upload, launch, survive a drop, a volume, a save cut by a drop, save, relaunch, kill', { skip, timeout: 900_000 }, async t => {
  const base = baseImage();
  const fx = await startRemoteHost();
  t.diagnostic(`remote host ${fx.host}:${fx.port}${fx.netns ? ` in netns ${fx.netns}` : ' (loopback fallback)'}`);
  const pool = new ConnectionPool();
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-remote-kh-'));
  const host = fixtureHost(fx, 'remote-kvm', pool, own);
  // the remote's data folder (this machine's disk is shared, but everything goes through the SshHost)
  const data = tempData('stratus-remote-data-');
  const local = tempData('stratus-remote-local-');   // this machine's folders: drafts, guest keys, downloads
  const mgr = new InstanceManager({ host, data, localData: local, acceleration: 'tcg', log: m => t.diagnostic(m) });
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

    // what Open SSH Terminal runs: this machine's OpenSSH through the remote host (its key checked) into the guest (its pinned keys only)
    const rec = (await mgr.describe(a.id))!;
    assert.ok(rec.sshHostKeys.length > 0, 'the guest\'s keys were pinned at first contact');
    const terminal = (keys: string[]) => {
      const kh = path.join(own, `guest-${keys.length}-known_hosts`);
      fs.writeFileSync(kh, guestKnownHosts(rec.ip, rec.sshPort, keys));
      const argv = guestSshArgv({ host: rec.ip, port: rec.sshPort, user: rec.sshUser, identityFile: rec.privateKeyPath!, knownHostsFile: kh, pinned: true },
        { via: { hops: [{ host: fx.host, port: fx.port, user: fx.user, identityFiles: [fx.clientKeyFile] }], knownHostsFiles: [fx.knownHostsFile] }, batchMode: true, ssh: '/usr/bin/ssh' });
      return spawnSync('/usr/bin/ssh', ['-F', 'none', ...argv, 'echo', 'terminal-in-$(hostname)'], { encoding: 'utf8', timeout: 60_000 });
    };
    const term = terminal(rec.sshHostKeys);
    assert.equal(term.status, 0, term.stderr);
    assert.match(term.stdout, /^terminal-in-/);
    const impostor = terminal([fx.hostKeyPub()]);
    assert.notEqual(impostor.status, 0, 'a guest key other than the pinned one is refused');
    assert.match(impostor.stderr, /host key|verification failed/i);

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

    // a volume on the remote host, hot-attached to the guest there (the store works through the SshHost)
    const store = mgr.volumes();
    const canary = path.join(os.tmpdir(), `stratus-pwned-${process.pid}`);
    const hostile = `d'$(touch ${canary})\`id\``;
    const vol = await store.create({ sizeGiB: 1, tag: hostile.slice(0, 39) });
    assert.ok(await host.stat(vol.path), 'the volume disk is on the remote host');
    const dev = await attachVolume(mgr, store, a.id, vol.uuid);
    let seen = '';
    for (let i = 0; i < 60 && !seen; i++) {
      seen = (await mgr.exec(a.id, `test -b /dev/${dev} && echo present`)).stdout.trim();
      if (!seen) await new Promise(res => setTimeout(res, 1000));
    }
    assert.equal(seen, 'present', 'the remote volume is seen in the guest');
    assert.deepEqual((await store.get(vol.uuid))?.attachedTo, [a.id]);
    await assert.rejects(attachVolume(mgr, new VolumeStore(data.volumes), a.id, vol.uuid), /only to instances on its own host/);
    await detachVolume(mgr, store, a.id, vol.uuid);
    await store.delete(vol.uuid);
    assert.equal(await host.stat(vol.path), undefined);

    // the guest keys are recorded with the instance (this machine's data), so a reused port is told apart
    const pinned = new GuestKeys(guestKeysFile(local.root)).list().find(g => g.instanceId === a.id);
    assert.ok(pinned && pinned.hostId === 'remote-kvm' && pinned.port === a.sshPort && pinned.keys.length > 0, JSON.stringify(pinned));

    assert.equal((await mgr.exec(a.id, 'echo saved-remotely > /root/marker && sync && cat /root/marker')).stdout.trim(), 'saved-remotely');

    // the connection drops while the Epilog computes the identifier on the host: a clear error, nothing half-registered
    const cut = new AbortController();
    const save = mgr.shutdown(a.id, { onStep: s => { if (/identifier/.test(s)) setTimeout(() => { fx.killSessions(); cut.abort(); }, 800); } });
    await assert.rejects(save, (e: Error) => {
      t.diagnostic(`save cut by a dropped connection ended with: ${e.message}`);
      return /connection .*lost/i.test(e.message) && /shut it down again/.test(e.message);
    });
    assert.ok(cut.signal.aborted, 'the drop happened during the save');
    assert.deepEqual((await store.list()).map(v => v.uuid), [], 'no half image registered as a volume');
    assert.ok(await host.stat(a.overlay), 'the overlay (the user\'s work) is kept');
    const failed = await mgr.describe(a.id);
    assert.equal(failed?.state, 'Failed');
    assert.match(failed?.error ?? '', /save failed/);
    assert.equal((await new LocalMarketplace(local.marketplace).entries(true)).length, 0, 'no draft either');

    // shutting down again finishes the save on the host; the draft comes to this machine's marketplace
    const done = await mgr.shutdown(a.id);
    assert.equal(done.state, 'Done');
    const saved = done.saved!;
    assert.match(saved.imageId, /^[A-Za-z0-9_-]{27}$/);
    const vols = await store.list();
    assert.equal(vols.length, 1);
    assert.equal(vols[0].identifier, saved.imageId);
    assert.equal(vols[0].type, 'MACHINE_IMAGE_ORIGIN');
    assert.ok(vols[0].path.startsWith(data.volumes), 'the image stays on the remote host');
    assert.ok(await host.stat(saved.metadataPath!), 'the signed draft sits beside the volume on the host');
    const drafts = await new LocalMarketplace(local.marketplace).entries(true);
    assert.deepEqual(drafts.map(d => d.key.identifier), [saved.imageId], 'the draft is in this machine\'s marketplace');
    assert.ok(!fs.existsSync(canary), 'no shell injection from a hostile tag');

    // relaunch the new identifier on the same remote host: the change is there
    const b = await mgr.launch({ image: saved.imageId, sshKeys: [], memoryMiB: 1024, vcpu: 2 });
    id = b.id;
    assert.equal(b.base, vols[0].path);
    assert.equal((await mgr.exec(b.id, 'cat /root/marker')).stdout.trim(), 'saved-remotely');
    await mgr.kill(b.id);
    id = undefined;
    assert.deepEqual(qemuProcessesOf(b.id), [], 'no qemu left on the remote after kill');
    assert.equal(await host.stat(b.overlay), undefined, 'kill discards the overlay');
    assert.ok(await host.stat(vols[0].path), 'the saved image is untouched by its instance');
    await mgr.forget(b.id);
    assert.equal(new GuestKeys(guestKeysFile(local.root)).list().some(g => g.instanceId === b.id), false, 'a removed instance\'s keys are forgotten');
  } finally {
    if (id) await mgr.kill(id).catch(e => t.diagnostic(`cleanup kill: ${e.message}`));
    for (const p of id ? qemuProcessesOf(id) : []) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    pool.closeAll();
    await fx.stop();
    fs.rmSync(data.root, { recursive: true, force: true });
    fs.rmSync(local.root, { recursive: true, force: true });
    fs.rmSync(own, { recursive: true, force: true });
  }
});

test('the libvirt driver on a remote KVM host: virsh runs there over the same one connection; launch, reach the guest, kill', {
  skip: skip ?? (spawnSync('virsh', ['-c', 'qemu:///system', 'version'], { encoding: 'utf8' }).status === 0 ? undefined : 'libvirtd is not reachable at qemu:///system (run scripts/setup-kvm.sh)'),
  timeout: 600_000,
}, async t => {
  // libvirtd is this machine's daemon: its qemu forwards ports in this network namespace, so sshd listens here too
  const fx = await startRemoteHost({ loopback: true });
  const pool = new ConnectionPool();
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-remote-kh-'));
  const host = fixtureHost(fx, 'remote-libvirt', pool, own);
  const data = tempData('stratus-remote-lv-');
  fs.chmodSync(data.root, 0o755);   // qemu runs as libvirt-qemu there: it must traverse to the overlay
  const local = tempData('stratus-remote-lv-local-');
  const driver = new LibvirtDriver(host, data.instances, 'qemu:///system');
  const mgr = new InstanceManager({ host, data, localData: local, driver, acceleration: 'tcg', log: m => t.diagnostic(m) });
  let id: string | undefined;
  try {
    const base = await stageImage(host, baseImage(), data.images);
    t.diagnostic('base image staged on the remote host');
    // a boot deadline inside the test's own, so a guest that never answers ends in a diagnosis (and the cleanup below)
    const r = await mgr.launch({ image: base, name: 'remote-lv', sshKeys: [], memoryMiB: 1024, vcpu: 2, bootTimeoutMs: 300_000 },
      { onStep: s => t.diagnostic(`launch: ${s}`) });
    id = r.id;
    assert.equal(r.driver, 'libvirt');
    assert.equal((await mgr.exec(r.id, 'hostname')).stdout.trim(), 'remote-lv');
    assert.deepEqual(await driver.list(), [r.id], 'virsh on the remote lists it');
    assert.equal(pool.opened, 1, 'upload, virsh, boot wait and guest SSH over one connection');
    await mgr.kill(r.id);
    id = undefined;
    assert.equal(await driver.state(r.id), 'missing', 'the domain is gone after kill');
  } finally {
    if (id) await mgr.kill(id).catch(e => t.diagnostic(`cleanup kill: ${e.message}`));
    pool.closeAll();
    await fx.stop();
    for (const d of [data.root, local.root, own]) fs.rmSync(d, { recursive: true, force: true });
  }
});
