import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { LibvirtDriver } from '../../../src/backend/kvm/libvirt';
import { VolumeStore } from '../../../src/backend/volumes/store';
import { attachVolume, detachVolume } from '../../../src/backend/volumes/attach';
import { baseImage, tempData, vmSkipReason } from './fixtures';

const URI = 'qemu:///system';
function libvirtSkip(): string | undefined {
  const vm = vmSkipReason();
  if (vm) return vm;
  if (process.getuid?.() !== 0) return 'the libvirt test uses qemu:///system as root';
  const r = spawnSync('virsh', ['-c', URI, 'version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `libvirtd is not reachable at ${URI} (run scripts/setup-kvm.sh): ${(r.stderr || r.error?.message || '').trim()}`;
}

test('libvirt driver: launch → SSH → hot attach/detach → shutdown with save → the saved image boots with the change; a foreign domain is never listed', { skip: libvirtSkip(), timeout: 900_000 }, async t => {
  const data = tempData('stratus-libvirt-');
  fs.chmodSync(data.root, 0o755);   // qemu runs as libvirt-qemu: it must traverse to the overlay
  const host = new LocalHost();
  const driver = new LibvirtDriver(host, data.instances, URI);
  const mgr = new InstanceManager({ host, data, driver, acceleration: 'tcg', log: m => t.diagnostic(m) });
  const foreign = path.join(data.root, 'foreign.xml');
  fs.writeFileSync(foreign, "<domain type='qemu'><name>stratus-foreign-test</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>");
  execFileSync('virsh', ['-q', '-c', URI, 'define', foreign]);
  let id = '', id2 = '';
  try {
    assert.ok(!(await driver.list()).includes('foreign-test'), 'a domain without our metadata is not ours, even with our prefix');
    const r = await mgr.launch({ image: baseImage(), name: 'lv', sshKeys: [], memoryMiB: 1024, vcpu: 2, contextMethod: 'cloud-init',
      save: { title: 'libvirt image', comment: 'saved through libvirt', author: 'Jane Tester', email: 'jane.tester@example.org' } });
    id = r.id;
    assert.equal(r.state, 'Running');
    assert.equal(r.driver, 'libvirt');
    assert.equal((await mgr.exec(id, 'hostname')).stdout.trim(), 'lv');
    assert.deepEqual(await driver.list(), [id]);
    assert.equal(await driver.state(id), 'running');
    const store = new VolumeStore(data.volumes);
    const v = await store.create({ sizeGiB: 1, tag: 'lv-data' });
    const target = await attachVolume(mgr, store, id, v.uuid);
    let seen = '';
    for (let i = 0; i < 60 && !seen; i++) {
      seen = (await mgr.exec(id, `test -b /dev/${target} && echo present`)).stdout.trim();
      if (!seen) await new Promise(res => setTimeout(res, 1000));
    }
    assert.equal(seen, 'present');
    await detachVolume(mgr, store, id, v.uuid);
    assert.deepEqual((await store.get(v.uuid))?.attachedTo, []);
    assert.equal((await mgr.exec(id, 'echo via-libvirt > /root/marker && sync && cat /root/marker')).stdout.trim(), 'via-libvirt');
    const done = await mgr.shutdown(id);
    assert.equal(done.state, 'Done');
    assert.equal(await driver.state(id), 'missing', 'the domain is undefined after shutdown');
    const saved = done.saved!;
    assert.match(saved.imageId, /^[A-Za-z0-9_-]{27}$/);
    assert.equal(saved.metadataProblem, undefined, `draft metadata: ${saved.metadataProblem}`);
    assert.equal((await store.get(saved.volumeId!))?.type, 'MACHINE_IMAGE_ORIGIN');
    const again = await mgr.launch({ image: saved.imageId, name: 'lv2', sshKeys: [], memoryMiB: 1024, vcpu: 2 });
    id2 = again.id;
    assert.equal(again.driver, 'libvirt');
    assert.equal((await mgr.exec(id2, 'cat /root/marker')).stdout.trim(), 'via-libvirt');
    await mgr.kill(id2);
    assert.equal(await driver.state(id2), 'missing', 'kill undefines the domain');
  } finally {
    for (const i of [id, id2]) if (i) await mgr.kill(i).catch(() => undefined);
    spawnSync('virsh', ['-q', '-c', URI, 'undefine', 'stratus-foreign-test']);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
