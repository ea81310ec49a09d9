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
