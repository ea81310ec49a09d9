import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { buildMetadata, computeDigests, validUntil, defaultOutputName, BuildError } from '../../../src/core/metadata/build';
import { validateMetadata } from '../../../src/core/metadata/validate';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-build-'));
// 9 MiB + a bit: several 4 MiB slots and a partial last one.
const data = crypto.randomBytes(9 * 1024 * 1024 + 12345);
const raw = path.join(dir, 'disk.img');
fs.writeFileSync(raw, data);
const expected = Object.fromEntries(['md5', 'sha1', 'sha256', 'sha512'].map(a => [a, crypto.createHash(a).update(data).digest('hex')]));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('computeDigests of a plain file equals node:crypto, with progress up to the size', async () => {
  let last = 0;
  const d = await computeDigests(raw, done => { assert.ok(done >= last); last = done; });
  assert.deepEqual(d, { bytes: data.length, ...expected });
  assert.equal(last, data.length);
});

test('computeDigests reads .gz and .bz2 as their uncompressed content', async () => {
  const gz = path.join(dir, 'disk.img.gz');
  fs.writeFileSync(gz, zlib.gzipSync(data, { level: 1 }));
  assert.deepEqual(await computeDigests(gz), { bytes: data.length, ...expected });
  const bz = path.join(dir, 'disk.img.bz2');
  const r = spawnSync('bzip2', ['-1', '-k', '-c', raw], { maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, 'bzip2 is installed (Debian package bzip2)');
  fs.writeFileSync(bz, r.stdout);
  assert.deepEqual(await computeDigests(bz), { bytes: data.length, ...expected });
});

test('computeDigests of a stream and of an empty file', async () => {
  assert.deepEqual(await computeDigests(Readable.from([data.subarray(0, 100), data.subarray(100)])), { bytes: data.length, ...expected });
  const empty = path.join(dir, 'empty.img');
  fs.writeFileSync(empty, '');
  const d = await computeDigests(empty);
  assert.equal(d.bytes, 0);
  assert.equal(d.sha1, 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
});

test('a corrupt .bz2 fails with bzip2\'s reason', async () => {
  const bad = path.join(dir, 'bad.img.bz2');
  fs.writeFileSync(bad, 'not bzip2');
  await assert.rejects(computeDigests(bad), /bzip2 could not decompress/);
});

test('buildMetadata: the skeleton of §1.4 that passes schema (but for the empty endorsement), constraints and RDF', async () => {
  const now = new Date('2026-03-31T10:20:30.456Z');
  const gz = path.join(dir, 'disk.img.gz');
  const r = await buildMetadata(gz, { os: 'Ubuntu', osVersion: '24.04', osArch: 'x86_64', imageVersion: '1.0', title: 'T & <t>', location: 'http://example.org/disk.img.gz', now });
  assert.equal(r.identifier, sha1ToIdentifier(expected.sha1));
  assert.deepEqual(r.warnings, []);
  const v = validateMetadata(r.xml, { layers: ['schema', 'constraints', 'rdf', 'advice'], now });
  assert.deepEqual(v.verdict.layers.constraints, { ok: true });
  assert.deepEqual(v.verdict.layers.rdf, { ok: true });
  // The endorsement is empty for the signer to fill: that, and only that, is what the schema reports.
  assert.equal(v.diagnostics.filter(d => d.layer === 'schema').length, 1);
  assert.match(v.verdict.layers.schema!.message!, /The content of element 'slreq:endorsement' is not complete/);
  assert.deepEqual(v.diagnostics.filter(d => d.layer === 'advice'), []);
  const s = v.summary!;
  assert.equal(s.bytes, data.length);
  assert.deepEqual(s.checksums, { 'MD5': expected.md5, 'SHA-1': expected.sha1, 'SHA-256': expected.sha256, 'SHA-512': expected.sha512 });
  assert.deepEqual([s.compression, s.valid, s.title, s.type, s.kind, s.format], ['gz', '2026-09-30T10:20:30Z', 'T & <t>', 'base', 'machine', 'raw']);
  assert.match(r.xml, /<dcterms:created>2026-03-31T10:20:30Z<\/dcterms:created>/);
  assert.equal(defaultOutputName({ os: 'Ubuntu', osVersion: '24.04', osArch: 'x86_64', imageVersion: '1.0' }), 'Ubuntu-24.04-x86_64-base-1.0.xml');
});

test('buildMetadata options: no location warns, --no-md5, given checksums, bad disks bus and missing file', async () => {
  const r = await buildMetadata(raw, { noMd5: true, sha256: 'A'.repeat(64), digests: { bytes: data.length, ...expected } as any });
  assert.match(r.warnings[0], /Image physical location \(URL\) was not provided/);
  assert.ok(!r.xml.includes('<slreq:algorithm>MD5'));
  assert.ok(r.xml.includes(`<slreq:value>${'a'.repeat(64)}</slreq:value>`));
  await assert.rejects(buildMetadata(raw, { disksBus: 'usb' }), (e: Error) => e instanceof BuildError && /^Unknown disks bus type usb/.test(e.message));
  await assert.rejects(buildMetadata(path.join(dir, 'nope.img')), /does not exist/);
  await assert.rejects(buildMetadata(raw, { sha1: 'xyz' }), /--sha1 must be 40 hexadecimal digits/);
});

test('validity: six calendar months, clamped at month ends', () => {
  assert.equal(validUntil(new Date('2026-08-31T00:00:00Z')).toISOString(), '2027-02-28T00:00:00.000Z');
  assert.equal(validUntil(new Date('2026-01-15T12:00:00Z')).toISOString(), '2026-07-15T12:00:00.000Z');
});
