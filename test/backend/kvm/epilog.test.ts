import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftMetadata, nextVersion } from '../../../src/backend/kvm/epilog';
import { generateCertificate, signMetadata } from '../../../src/core/metadata/sign';
import { validateMetadata } from '../../../src/core/metadata/validate';
import { summarize } from '../../../src/core/metadata/summary';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import { parseHostKeys } from '../../../src/backend/kvm/ssh';
import { VolumeStore } from '../../../src/backend/volumes/store';

test('version + 1 minor, as the original Epilog', () => {
  assert.equal(nextVersion('1.4'), '1.5');
  assert.equal(nextVersion('2'), '2.1');
  assert.equal(nextVersion('3.9.2'), '3.10');
  assert.equal(nextVersion(undefined), '1.0');
});

test('draft metadata: recomputed bytes/checksums, origin fields kept, valid 2 days, signs and validates', () => {
  const digests = { bytes: 2147483648, md5: 'a'.repeat(32), sha1: 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff', sha256: 'b'.repeat(64), sha512: 'c'.repeat(128) };
  const imageId = sha1ToIdentifier(digests.sha1);
  const now = new Date('2026-11-22T06:00:00Z');
  const origin = { identifier: 'x', checksums: {}, locations: [], os: 'ubuntu', osVersion: '22.04', osArch: 'x86_64', version: '1.4', type: 'base', kind: 'machine' };
  const xml = draftMetadata({ digests, imageId, origin, save: { title: 'T <&>', comment: 'C', author: 'Jane Tester', email: 'jane.tester@example.org' }, location: 'pdisk:localhost:8445:u', now });
  const s = summarize(xml);
  assert.equal(s.identifier, imageId);
  assert.equal(s.bytes, digests.bytes);
  assert.equal(s.checksums['SHA-1'], digests.sha1);
  assert.equal(s.checksums['SHA-512'], digests.sha512);
  assert.equal(s.os, 'ubuntu');
  assert.equal(s.version, '1.5');
  assert.equal(s.title, 'T <&>');
  assert.equal(s.valid, '2026-11-24T06:00:00Z');
  const key = generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', days: 2, password: 'x' });
  const signed = signMetadata(xml, key);
  const v = validateMetadata(signed, {});
  const errors = v.diagnostics.filter(d => d.severity === 'error');
  assert.deepEqual(errors.map(e => e.message), []);
});

test('guest host keys are taken from the last console block only', () => {
  const log = [
    'boot noise', '-----BEGIN SSH HOST KEY KEYS-----', 'ssh-ed25519 AAAAold root@a', '-----END SSH HOST KEY KEYS-----',
    'reboot', '-----BEGIN SSH HOST KEY KEYS-----\r', 'ecdsa-sha2-nistp256 AAAAE2Vj root@b\r', 'ssh-ed25519 AAAAC3Nz root@b\r', 'garbage line', '-----END SSH HOST KEY KEYS-----',
  ].join('\n');
  assert.deepEqual(parseHostKeys(log), ['ecdsa-sha2-nistp256 AAAAE2Vj root@b', 'ssh-ed25519 AAAAC3Nz root@b']);
  assert.deepEqual(parseHostKeys('no block here'), []);
});

test('save pre-checks disk space: a clear error naming free and needed space, and the changes are kept', {
  skip: process.getuid?.() !== 0 ? 'mounting a small tmpfs needs root' : undefined,
}, async () => {
  const { execFileSync } = await import('child_process');
  const fs = await import('fs');
  const path = await import('path');
  const { tempData } = await import('./fixtures');
  const { runEpilog } = await import('../../../src/backend/kvm/epilog');
  const data = tempData();
  fs.mkdirSync(data.volumes, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', data.volumes]);
  try {
    const base = path.join(data.root, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '64M']);
    const overlay = path.join(data.root, 'overlay.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay]);
    execFileSync('qemu-io', ['-c', 'write -P 7 0 4M', overlay], { stdio: 'ignore' });
    const rec = { id: 'vm-space', overlay, base, save: { title: 't', comment: 'c', author: 'a', email: 'a@example.org' } } as any;
    await assert.rejects(runEpilog(new VolumeStore(data.volumes), rec, data), /Not enough disk space to save the image in .*: \d+ MiB free, \d+ MiB needed\. Free some space/);
    assert.ok(fs.existsSync(overlay), 'the instance disk (the changes) is kept');
    assert.deepEqual(fs.readdirSync(data.volumes), [], 'nothing half-written in the volume store');
  } finally {
    execFileSync('umount', [data.volumes]);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('a save cut after the overlay moved resumes from rec.saveVolume: one volume, same identifier, a draft', {
  skip: ['qemu-img', 'qemu-io', 'nbdcopy'].find(t => { try { require('child_process').execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }); return false; } catch { return true; } }),
}, async () => {
  const { execFileSync } = await import('child_process');
  const fs = await import('fs');
  const path = await import('path');
  const { randomUUID } = await import('crypto');
  const { tempData } = await import('./fixtures');
  const { runEpilog } = await import('../../../src/backend/kvm/epilog');
  const { VolumeStore } = await import('../../../src/backend/volumes/store');
  const { LocalMarketplace } = await import('../../../src/backend/marketplace/local');
  const data = tempData();
  try {
    const base = path.join(data.root, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '16M']);
    const overlay = path.join(data.root, 'overlay.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay]);
    execFileSync('qemu-io', ['-c', 'write -P 9 0 1M', overlay], { stdio: 'ignore' });
    const rec = { id: 'vm-resume', overlay, base, saveVolume: randomUUID(), save: { title: 't', comment: 'c', author: 'Jane Tester', email: 'jane@example.org' } } as any;
    const expected = await runEpilogDigest(overlay);
    // the first attempt got as far as moving the overlay into the store, then the connection went
    fs.mkdirSync(data.volumes, { recursive: true });
    fs.renameSync(overlay, path.join(data.volumes, `${rec.saveVolume}.qcow2`));
    const logs: string[] = [];
    const saved = await runEpilog(new VolumeStore(data.volumes), rec, data, { log: m => logs.push(m) });
    assert.equal(saved.volumeId, rec.saveVolume);
    assert.equal(saved.sha1, expected);
    assert.ok(logs.some(l => /resuming an interrupted save/.test(l)), logs.join('\n'));
    const vols = await new VolumeStore(data.volumes).list();
    assert.deepEqual(vols.map(v => [v.uuid, v.identifier]), [[rec.saveVolume, saved.imageId]]);
    assert.equal((await new LocalMarketplace(data.marketplace).entries(true)).length, 1);
    await assert.rejects(runEpilog(new VolumeStore(data.volumes), rec, data), /already saved as volume/, 'a second run does not register it twice');
  } finally {
    fs.rmSync(data.root, { recursive: true, force: true });
  }

  async function runEpilogDigest(file: string): Promise<string> {
    const out = execFileSync('sh', ['-c', 'nbdcopy -- [ qemu-nbd -r -f qcow2 "$1" ] - | sha1sum', 'x', file], { encoding: 'utf8' });
    return out.split(' ')[0];
  }
});

test('the save hashes only the SHA-1 (same identifier as the four-digest pass and the flattened raw); signing adds the other checksums from the volume', {
  skip: ['qemu-img', 'qemu-io', 'nbdcopy'].find(t => { try { require('child_process').execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }); return false; } catch { return true; } }),
}, async () => {
  const { execFileSync, spawnSync } = await import('child_process');
  const crypto = await import('crypto');
  const fs = await import('fs');
  const path = await import('path');
  const { tempData } = await import('./fixtures');
  const { LocalHost } = await import('../../../src/backend/host/local');
  const { runEpilog } = await import('../../../src/backend/kvm/epilog');
  const { rawDigests, rawSha1 } = await import('../../../src/backend/kvm/images');
  const { LocalMarketplace } = await import('../../../src/backend/marketplace/local');
  const { completeChecksums } = await import('../../../src/backend/images/checksums');
  const { missingChecksums } = await import('../../../src/core/metadata/fixes');
  const { verifySignature } = await import('../../../src/core/metadata/verify');
  const data = tempData();
  const host = new LocalHost();
  try {
    const base = path.join(data.root, 'base.qcow2');
    const seed = path.join(data.root, 'seed.img');
    const buf = Buffer.alloc(24 << 20); crypto.randomFillSync(buf, 0, 3 << 20);
    fs.writeFileSync(seed, buf);
    execFileSync('qemu-img', ['convert', '-O', 'qcow2', seed, base]);
    const overlay = path.join(data.root, 'overlay.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay]);
    execFileSync('qemu-io', ['-c', 'write -P 0x33 5M 1M', '-c', 'write -P 0x44 20M 64k', overlay], { stdio: 'ignore' });
    // today's way (all four digests of the raw content) and the naive way (flatten, hash) on the same content
    const before = await rawDigests(host, overlay, 'qcow2');
    const flat = path.join(data.root, 'flat.img');
    execFileSync('qemu-img', ['convert', '-O', 'raw', overlay, flat]);
    const flatSha1 = crypto.createHash('sha1').update(fs.readFileSync(flat)).digest('hex');
    assert.deepEqual(await rawSha1(host, overlay, 'qcow2'), { bytes: before.bytes, sha1: flatSha1 });
    assert.equal(before.sha1, flatSha1);

    const rec = { id: 'vm-sha1', overlay, base, save: { title: 't', comment: 'c', author: 'Jane Tester', email: 'jane@example.org' } } as any;
    const saved = await runEpilog(new VolumeStore(data.volumes, { host }), rec, data);
    assert.equal(saved.imageId, sha1ToIdentifier(flatSha1), 'the identifier is unchanged');
    assert.equal(saved.bytes, before.bytes);
    assert.equal(saved.metadataProblem, undefined);
    const draft = fs.readFileSync(saved.metadataPath!, 'utf8');
    assert.deepEqual(missingChecksums(draft), ['MD5', 'SHA-256', 'SHA-512'], 'the draft carries no value it did not compute');
    const said = validateMetadata(draft, {}).diagnostics.find(d => d.code === 'advice/missing-checksums');
    assert.match(said?.message ?? '', /no MD5, SHA-256, SHA-512 checksum .*signing computes them/, 'the draft says they are missing');

    // the draft from the marketplace: its pdisk location names the volume
    const entry = (await new LocalMarketplace(data.marketplace).entries(true))[0];
    const fromStore = await new LocalMarketplace(data.marketplace).get(entry.key);
    const c = await completeChecksums(fromStore, { volumesDir: data.volumes });
    assert.equal(c.image, saved.imagePath);
    assert.deepEqual(missingChecksums(c.text), []);
    // the CLI: sign-metadata on the file beside the volume finds the volume itself
    const key = generateCertificate({ commonName: 'Jane Tester', email: 'jane@example.org', days: 2, password: 'x' });
    fs.writeFileSync(path.join(data.root, 'k.pem'), key.privateKeyPem);
    fs.writeFileSync(path.join(data.root, 'c.pem'), key.certificatePem);
    const cli = path.resolve(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [cli, 'sign-metadata', saved.metadataPath!, '--key', path.join(data.root, 'k.pem'), '--cert', path.join(data.root, 'c.pem')], { encoding: 'utf8', env: { ...process.env, STRATUS_DATA_DIR: data.root } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /MD5, SHA-256, SHA-512 checksums computed from .*\.qcow2/);
    const signed = fs.readFileSync(saved.metadataPath!, 'utf8');
    const s = summarize(signed);
    assert.deepEqual(s.checksums, { 'MD5': before.md5, 'SHA-1': before.sha1, 'SHA-256': before.sha256, 'SHA-512': before.sha512 });
    assert.equal(verifySignature(signed, {}).status, 'valid');
    assert.deepEqual(validateMetadata(signed, {}).diagnostics.filter(d => d.severity === 'error').map(d => d.message), []);
    // the wrong image is refused rather than mixed in
    await assert.rejects(completeChecksums(draft, { image: base }), /is not the image this entry describes/);
  } finally {
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
