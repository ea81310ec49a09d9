import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { importImage } from '../../../src/backend/images/import';
import { VolumeStore } from '../../../src/backend/volumes/store';
import { attachVolume, detachVolume, volumeDiskId } from '../../../src/backend/volumes/attach';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from '../kvm/fixtures';

const skip = vmSkipReason();

test('an image imported from VDI boots; a data volume hot-attaches, takes a write, detaches', { skip, timeout: 900_000 }, async t => {
  const base = baseImage();
  const data = tempData('stratus-import-vm-');
  const store = new VolumeStore(data.volumes);
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg', log: m => t.diagnostic(m) });
  let id = '';
  try {
    // What a VirtualBox user has: the disk as VDI.
    const vdi = path.join(data.root, 'debian.vdi');
    execFileSync('qemu-img', ['convert', '-O', 'vdi', base, vdi]);
    const { volume, sourceFormat } = await importImage(store, vdi, { format: 'qcow2', tag: 'imported-debian', metadata: false });
    assert.equal(sourceFormat, 'vdi');
    fs.rmSync(vdi);
    const r = await mgr.launch({ image: volume.path, name: 'imported', sshKeys: [], memoryMiB: 1024, vcpu: 2, contextMethod: 'cloud-init' });
    id = r.id;
    assert.equal(r.state, 'Running');
    assert.match((await mgr.exec(id, '. /etc/os-release; echo $ID')).stdout, /debian/);

    const dataVol = await store.create({ sizeGiB: 1, tag: 'hotplug' });
    const target = await attachVolume(mgr, store, id, dataVol.uuid);
    assert.deepEqual((await store.get(dataVol.uuid))?.attachedTo, [id]);
    await assert.rejects(store.delete(dataVol.uuid), /attached to instance/);
    const dev = `/dev/${target}`;
    let seen = '';
    for (let i = 0; i < 60 && !seen; i++) {
      seen = (await mgr.exec(id, `test -b ${dev} && echo present`)).stdout.trim();
      if (!seen) await new Promise(res => setTimeout(res, 1000));
    }
    assert.equal(seen, 'present', `${dev} appears in the guest`);
    const w = await mgr.exec(id, `printf STRATUS-HOTPLUG | dd of=${dev} conv=fsync status=none && echo ok`);
    assert.equal(w.stdout.trim(), 'ok', w.stderr);
    await detachVolume(mgr, store, id, dataVol.uuid);
    assert.deepEqual((await store.get(dataVol.uuid))?.attachedTo, []);
    assert.equal((await mgr.exec(id, `test -b ${dev} && echo present || echo gone`)).stdout.trim(), 'gone');
    const head = execFileSync('qemu-io', ['-r', '-f', 'qcow2', '-c', 'read -v 0 15', dataVol.path]).toString();
    assert.ok(head.includes(Buffer.from('STRATUS-HOTPLUG').toString('hex').replace(/(..)(?!$)/g, '$1 ')), `the guest write is in the volume: ${head}`);
    assert.equal(volumeDiskId(dataVol.uuid), `vol-${dataVol.uuid.slice(0, 8)}`);
  } finally {
    if (id) { await mgr.kill(id).catch(() => undefined); assert.deepEqual(qemuProcessesOf(id), []); }
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
