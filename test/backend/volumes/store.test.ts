import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VolumeStore } from '../../../src/backend/volumes/store';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-vol-'));
const info = (f: string) => JSON.parse(execFileSync('qemu-img', ['info', '--output=json', f]).toString());

test('create: a sparse qcow2 of the asked size, with pdisk fields, JSON beside it', async () => {
  const dir = tmp();
  const store = new VolumeStore(dir, { owner: 'alice' });
  let changes = 0;
  const sub = store.onDidChange(() => { changes++; });
  const v = await store.create({ sizeGiB: 2, tag: 'data' });
  sub.dispose();
  assert.match(v.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(v.size, 2);
  assert.equal(v.count, 0);
  assert.equal(v.owner, 'alice');
  assert.equal(v.visibility, 'PRIVATE');
  assert.equal(v.type, 'DATA_IMAGE_RAW_READ_WRITE');
  assert.equal(info(v.path)['virtual-size'], 2 * 2 ** 30);
  assert.equal(info(v.path).format, 'qcow2');
  assert.ok(changes >= 1);
  assert.deepEqual(fs.readdirSync(dir).sort(), [`${v.uuid}.json`, `${v.uuid}.qcow2`].sort(), 'no temp files left');
  const again = new VolumeStore(dir);
  assert.equal((await again.get(v.uuid))?.tag, 'data');
});

test('create: size and tag rules with the original messages', async () => {
  const store = new VolumeStore(tmp());
  for (const s of [0, 1025, 1.5]) await assert.rejects(store.create({ sizeGiB: s }), /Volume size must be a valid integer between 1 and 1024/);
  await assert.rejects(store.create({ sizeGiB: 1, tag: 'x'.repeat(40) }), /Tags must have less than 40 characters/);
  assert.equal((await store.list()).length, 0);
  assert.equal((await store.create({ sizeGiB: 1, tag: 'x'.repeat(39) })).tag.length, 39);
});

test('copyOnWrite: a qcow2 overlay backed by the origin; delete refused while it depends on it', async () => {
  const dir = tmp();
  const store = new VolumeStore(dir);
  const raw = path.join(dir, 'src.img');
  execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '1M']);
  const origin = await store.createFrom(raw, { type: 'MACHINE_IMAGE_ORIGIN', identifier: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0', tag: 'base', move: true });
  assert.equal(fs.existsSync(raw), false, 'moved into the store');
  assert.equal(origin.format, 'raw');
  const before = fs.readFileSync(origin.path);
  const cow = await store.copyOnWrite(origin.uuid);
  assert.equal(cow.type, 'MACHINE_IMAGE_LIVE');
  assert.equal(cow.identifier, `snapshot:${origin.uuid}`);
  assert.equal(cow.backing, origin.uuid);
  const i = info(cow.path);
  assert.equal(i.format, 'qcow2');
  assert.equal(i['full-backing-filename'] ?? i['backing-filename'], origin.path);
  assert.equal((await store.get(origin.uuid))?.count, 1, 'origin count = its snapshots');
  await assert.rejects(store.delete(origin.uuid), /backing of/);
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 64k', cow.path]);
  assert.deepEqual(fs.readFileSync(origin.path), before, 'origin never written');
  await store.delete(cow.uuid);
  await store.delete(origin.uuid);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('delete refused while attached; markDetached frees it', async () => {
  const store = new VolumeStore(tmp());
  const v = await store.create({ sizeGiB: 1 });
  await store.markAttached(v.uuid, 'inst-1');
  assert.equal((await store.get(v.uuid))?.count, 1);
  await assert.rejects(store.delete(v.uuid), /attached to instance inst-1/);
  await store.markDetached(v.uuid, 'inst-1');
  await store.delete(v.uuid);
  assert.equal(await store.get(v.uuid), undefined);
  await assert.rejects(store.delete('not-a-uuid'), /Invalid volume UUID/);
});

test('createFrom keeps an external backing file and reports it as in use', async () => {
  const dir = tmp();
  const ext = tmp();
  const base = path.join(ext, 'base.qcow2');
  const ov = path.join(ext, 'ov.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '1M']);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, ov]);
  const store = new VolumeStore(dir);
  const v = await store.createFrom(ov, { type: 'MACHINE_IMAGE_ORIGIN', move: true });
  assert.equal(v.backingFile, base);
  assert.equal(await store.isBackingInUse(base), true);
  assert.equal(await store.isBackingInUse(path.join(ext, 'other')), false);
});

test('change events belong to the store: one store per folder is shared (backend/hosts/services), another folder is not heard', async () => {
  const dir = tmp();
  const store = new VolumeStore(dir);
  let fired = 0;
  const sub = store.onDidChange(() => fired++);
  try {
    const v = await store.create({ sizeGiB: 1, tag: 'mine' });
    assert.ok(fired >= 1, 'a change through the store is heard at once');
    await new Promise(r => setTimeout(r, 300));   // the folder watcher's own (debounced) echo of that change
    const before = fired;
    await new VolumeStore(tmp()).create({ sizeGiB: 1 });
    await new Promise(r => setTimeout(r, 200));
    assert.equal(fired, before, 'another folder is not heard');
    await store.delete(v.uuid);
  } finally { sub.dispose(); }
});
