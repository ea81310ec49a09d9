import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftMetadata, nextVersion } from '../../../src/backend/kvm/epilog';
import { generateCertificate, signMetadata } from '../../../src/core/metadata/sign';
import { validateMetadata } from '../../../src/core/metadata/validate';
import { summarize } from '../../../src/core/metadata/summary';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import { parseHostKeys } from '../../../src/backend/kvm/ssh';

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
  const { LocalHost } = await import('../../../src/backend/host/local');
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
    await assert.rejects(runEpilog(new LocalHost(), rec, data), /Not enough disk space to save the image in .*: \d+ MiB free, \d+ MiB needed\. Free some space/);
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
  const { LocalHost } = await import('../../../src/backend/host/local');
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
    const saved = await runEpilog(new LocalHost(), rec, data, { log: m => logs.push(m) });
    assert.equal(saved.volumeId, rec.saveVolume);
    assert.equal(saved.sha1, expected);
    assert.ok(logs.some(l => /resuming an interrupted save/.test(l)), logs.join('\n'));
    const vols = await new VolumeStore(data.volumes).list();
    assert.deepEqual(vols.map(v => [v.uuid, v.identifier]), [[rec.saveVolume, saved.imageId]]);
    assert.equal((await new LocalMarketplace(data.marketplace).entries(true)).length, 1);
    await assert.rejects(runEpilog(new LocalHost(), rec, data), /already saved as volume/, 'a second run does not register it twice');
  } finally {
    fs.rmSync(data.root, { recursive: true, force: true });
  }

  async function runEpilogDigest(file: string): Promise<string> {
    const out = execFileSync('sh', ['-c', 'nbdcopy -- [ qemu-nbd -r -f qcow2 "$1" ] - | sha1sum', 'x', file], { encoding: 'utf8' });
    return out.split(' ')[0];
  }
});
