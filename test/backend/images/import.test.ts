import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { VolumeStore } from '../../../src/backend/volumes/store';
import { exportVolume, importImage } from '../../../src/backend/images/import';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { fixtureHost, sshdAvailable, startRemoteHost } from '../host/remoteHost';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-imp-'));
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const MiB = 1 << 20;

/** 4 MiB: a known pattern in some places, zeros elsewhere (so sparse handling matters). */
function makeRaw(dir: string): { file: string; data: Buffer } {
  const data = Buffer.alloc(4 * MiB);
  for (let i = 0; i < 256 * 1024; i++) data[i] = (i * 31 + 7) & 0xff;
  data.fill(0x5a, 3 * MiB, 3 * MiB + 65536);
  data.write('STRATUS-IMPORT-TEST', 2 * MiB + 17);
  const file = path.join(dir, 'disk.img');
  fs.writeFileSync(file, data);
  return { file, data };
}

const rawOf = (file: string, dir: string) => {
  const out = path.join(dir, `check-${Math.random().toString(36).slice(2)}.raw`);
  execFileSync('qemu-img', ['convert', '-O', 'raw', file, out]);
  const b = fs.readFileSync(out); fs.rmSync(out); return b;
};
const storeFiles = (s: VolumeStore) => fs.existsSync(s.dir) ? fs.readdirSync(s.dir).sort() : [];

for (const [fmt, ext] of [['vdi', 'vdi'], ['vmdk', 'vmdk'], ['vpc', 'vhd'], ['vhdx', 'vhdx']] as const) {
  test(`import ${ext}: converted content equals the source's, draft metadata with the raw SHA-1 identifier`, async () => {
    const d = tmp();
    const { file, data } = makeRaw(d);
    const src = path.join(d, `disk.${ext}`);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', fmt, file, src]);
    const store = new VolumeStore(path.join(d, 'volumes'));
    const seen: number[] = [];
    const r = await importImage(store, src, { format: 'qcow2', tag: `from-${ext}`, onProgress: f => seen.push(f) });
    assert.equal(r.sourceFormat, fmt);
    assert.equal(r.volume.type, 'MACHINE_IMAGE_ORIGIN');
    assert.equal(r.volume.format, 'qcow2');
    const content = rawOf(r.volume.path, d);
    assert.equal(sha1(content.subarray(0, data.length)), sha1(data));
    assert.ok(content.subarray(data.length).every(b => b === 0), 'only zero padding after the data (format rounding)');
    assert.equal(r.identifier, sha1ToIdentifier(sha1(content)));
    assert.equal(r.volume.identifier, r.identifier);
    assert.ok(fs.readFileSync(r.metadataPath!, 'utf8').includes(sha1(content)));
    assert.ok(seen.length > 0 && seen[seen.length - 1] === 1);
    assert.deepEqual(storeFiles(store), [`${r.volume.uuid}.json`, `${r.volume.uuid}.metadata.xml`, `${r.volume.uuid}.qcow2`]);
  });
}

test('import .img.gz and .img.bz2 to raw', async () => {
  const d = tmp();
  const { file, data } = makeRaw(d);
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(data));
  execFileSync('bzip2', ['-k', file]);
  const store = new VolumeStore(path.join(d, 'volumes'));
  for (const f of [`${file}.gz`, `${file}.bz2`]) {
    const r = await importImage(store, f, { format: 'raw', metadata: false });
    assert.equal(r.volume.format, 'raw');
    assert.equal(sha1(fs.readFileSync(r.volume.path)), sha1(data));
  }
  assert.equal(storeFiles(store).filter(n => n.startsWith('.import-')).length, 0);
});

test('a failed conversion leaves nothing behind', async () => {
  const d = tmp();
  const bad = path.join(d, 'broken.vdi');
  fs.writeFileSync(bad, Buffer.alloc(2 * MiB, 0x33));      // not a VDI: qemu-img refuses it
  const store = new VolumeStore(path.join(d, 'volumes'));
  await assert.rejects(importImage(store, bad), /qemu-img/);
  assert.deepEqual(storeFiles(store), []);
  const badGz = path.join(d, 'broken.img.gz');
  fs.writeFileSync(badGz, Buffer.concat([zlib.gzipSync(Buffer.alloc(MiB, 1)).subarray(0, 200)]));
  await assert.rejects(importImage(store, badGz));
  assert.deepEqual(storeFiles(store), []);
  assert.deepEqual(await store.list(), []);
});

test('cancel leaves nothing behind', async () => {
  const d = tmp();
  const { file } = makeRaw(d);
  const store = new VolumeStore(path.join(d, 'volumes'));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(importImage(store, file, { signal: ac.signal }), /Cancelled/);
  assert.deepEqual(storeFiles(store), []);
});

test('a VMDK descriptor naming another host file is refused', async () => {
  const d = tmp();
  const { file } = makeRaw(d);
  const vmdk = path.join(d, 'evil.vmdk');
  fs.writeFileSync(vmdk, [
    '# Disk DescriptorFile', 'version=1', 'CID=fffffffe', 'parentCID=ffffffff', 'createType="monolithicFlat"', '',
    `RW 8192 FLAT "${file}" 0`, '', 'ddb.virtualHWVersion = "4"', 'ddb.geometry.cylinders = "8"', 'ddb.geometry.heads = "16"',
    'ddb.geometry.sectors = "63"', 'ddb.adapterType = "ide"', '',
  ].join('\n'));
  const store = new VolumeStore(path.join(d, 'volumes'));
  await assert.rejects(importImage(store, vmdk), /refers to another file/);
  assert.deepEqual(storeFiles(store), []);
});

test('export: .img.gz is the raw content; qcow2 is standalone (a CoW overlay is flattened)', async () => {
  const d = tmp();
  const { file, data } = makeRaw(d);
  const store = new VolumeStore(path.join(d, 'volumes'));
  const { volume } = await importImage(store, file, { format: 'raw', metadata: false });
  const cow = await store.copyOnWrite(volume.uuid);
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x77 0 4k', cow.path]);
  const expected = Buffer.from(data); expected.fill(0x77, 0, 4096);
  const gz = await exportVolume(store, cow.uuid, path.join(d, 'out.img.gz'), 'img.gz');
  assert.equal(sha1(zlib.gunzipSync(fs.readFileSync(gz))), sha1(expected));
  const q = await exportVolume(store, cow.uuid, path.join(d, 'out.qcow2'), 'qcow2');
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', q]).toString());
  assert.equal(info['backing-filename'], undefined);
  assert.equal(sha1(rawOf(q, d)), sha1(expected));
  assert.deepEqual(fs.readdirSync(d).filter(n => n.startsWith('.out')), [], 'no temp files');
});

test('space pre-check names the free and the needed space', async () => {
  const { checkSpace } = await import('../../../src/backend/images/convert');
  const d = tmp();
  await assert.rejects(checkSpace(d, 2 ** 60), (e: Error) => /^Not enough free space in .+: [\d.]+ GiB free, 1073741824\.00 GiB needed\./.test(e.message));
  await checkSpace(d, 1);
});

test('a remote host\'s store (real sshd): import converts here and lands there with its draft; export flattens there and brings one file here', {
  skip: sshdAvailable(),
}, async () => {
  const fx = await startRemoteHost();
  const pool = new ConnectionPool();
  const d = tmp(), there = tmp();
  const remote = fixtureHost(fx, 'lab', pool, d);
  try {
    const { file, data } = makeRaw(d);
    const vdi = path.join(d, 'my disk $(touch pwned).vdi');
    execFileSync('qemu-img', ['convert', '-O', 'vdi', file, vdi]);
    const store = new VolumeStore(path.join(there, 'volumes'), { host: remote });
    const staging = path.join(d, 'staging');

    const r = await importImage(store, vdi, { format: 'raw', staging });
    assert.equal(r.volume.format, 'raw');
    assert.ok(r.volume.path.startsWith(store.dir + '/'), `the disk is in the host's store: ${r.volume.path}`);
    assert.equal(sha1(await remote.readFile(r.volume.path)), sha1(data), 'the host holds the raw content');
    assert.equal(r.identifier, sha1ToIdentifier(sha1(data)));
    assert.match((await remote.readFile(r.metadataPath!)).toString(), new RegExp(`<dcterms:identifier>${r.identifier}</dcterms:identifier>`));
    assert.deepEqual(fs.readdirSync(staging), [], 'nothing staged is left here');
    assert.equal(['/root', os.homedir(), process.cwd(), there].some(p => fs.existsSync(path.join(p, 'pwned'))), false, 'the file name is never shell');
    assert.equal(r.volume.tag, 'my disk $(touch pwned).vdi');
    assert.deepEqual(fs.readdirSync(store.dir).filter(n => n.startsWith('.')), [], 'no temp file left there');

    const cow = await store.copyOnWrite(r.volume.uuid);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x77 0 4k', cow.path]);
    const expected = Buffer.from(data); expected.fill(0x77, 0, 4096);
    const gz = await exportVolume(store, cow.uuid, path.join(d, 'out.img.gz'), 'img.gz');
    assert.equal(sha1(zlib.gunzipSync(fs.readFileSync(gz))), sha1(expected), 'the overlay and its backing, flattened');
    const q = await exportVolume(store, cow.uuid, path.join(d, 'out.qcow2'), 'qcow2');
    assert.equal(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', q]).toString())['backing-filename'], undefined, 'standalone');
    assert.equal(sha1(rawOf(q, d)), sha1(expected));
    assert.deepEqual(fs.readdirSync(store.dir).filter(n => n.startsWith('.')), [], 'the flattened copy is removed there');
    assert.deepEqual(fs.readdirSync(d).filter(n => n.startsWith('.out')), [], 'no temp files here');

    const ac = new AbortController();
    const cancelled = importImage(store, vdi, { staging, signal: ac.signal, onProgress: (_f, m) => { if (m.startsWith('Uploading')) ac.abort(); } });
    await assert.rejects(cancelled, /Cancelled/);
    assert.equal((await store.list()).length, 2, 'a cancelled upload registers nothing');
    assert.deepEqual(fs.readdirSync(store.dir).filter(n => n.startsWith('.')), [], 'and leaves no partial file there');
    assert.deepEqual(fs.readdirSync(staging), []);
  } finally {
    pool.closeAll();
    await fx.stop();
  }
});
