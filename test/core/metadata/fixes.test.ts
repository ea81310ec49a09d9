import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { fixAbout, setValidity, addMissingElements, applyDigests, applyEdits } from '../../../src/core/metadata/fixes';
import { validateMetadata } from '../../../src/core/metadata/validate';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import { MINIMAL } from './fixtures';

const layers = ['schema', 'constraints', 'rdf', 'advice'] as const;
const codes = (text: string, now?: Date) => validateMetadata(text, { layers: [...layers], now }).diagnostics.map(d => d.code);

test('fixAbout makes rdf:about match the identifier, and nothing else', () => {
  const broken = MINIMAL.replace('rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"', 'rdf:about="#wrong"');
  assert.ok(codes(broken).includes('constraints/about-identifier'));
  const fixed = applyEdits(broken, fixAbout(broken));
  assert.equal(fixed, MINIMAL);
  assert.deepEqual(fixAbout(MINIMAL), []);
});

test('setValidity replaces or inserts dcterms:valid six months ahead', () => {
  const now = new Date('2026-05-01T08:00:00Z');
  const inserted = applyEdits(MINIMAL, setValidity(MINIMAL, now));
  assert.match(inserted, /\n    <dcterms:valid>2026-11-01T08:00:00Z<\/dcterms:valid>\n  <\/rdf:Description>/);
  const expired = MINIMAL.replace('<dcterms:type>', '<dcterms:valid>2020-01-01T00:00:00Z</dcterms:valid><dcterms:type>');
  assert.ok(codes(expired, now).includes('advice/expired'));
  const renewed = applyEdits(expired, setValidity(expired, now));
  assert.ok(renewed.includes('<dcterms:valid>2026-11-01T08:00:00Z</dcterms:valid><dcterms:type>'));
  assert.ok(!codes(renewed, now).some(c => /expir/.test(c)));
});

test('addMissingElements adds what the client requires, with the document\'s prefixes', () => {
  const text = MINIMAL.replace(/dcterms:/g, 'dc:').replace('xmlns:dcterms=', 'xmlns:dc=');
  const before = codes(text).filter(c => c === 'advice/missing-element').length;
  assert.equal(before, 7);   // valid, description, compression, os, os-arch, os-version, version
  const after = applyEdits(text, addMissingElements(text, new Date('2026-01-01T00:00:00Z')));
  assert.deepEqual(codes(after).filter(c => c === 'advice/missing-element'), []);
  assert.ok(after.includes('<dc:valid>2026-07-01T00:00:00Z</dc:valid>') && after.includes('<slterms:os/>'));
  for (const l of ['schema', 'constraints', 'rdf'] as const) assert.deepEqual(validateMetadata(after, { layers: [l] }).verdict.layers[l], { ok: true }, l);
});

test('applyDigests rewrites identifier, about, bytes and checksum values', () => {
  const data = Buffer.from('an image');
  const d = { bytes: data.length, ...Object.fromEntries(['md5', 'sha1', 'sha256', 'sha512'].map(a => [a, crypto.createHash(a).update(data).digest('hex')])) } as any;
  const out = applyEdits(MINIMAL, applyDigests(MINIMAL, d));
  const v = validateMetadata(out, { layers: ['schema', 'constraints', 'rdf'], digests: d });
  assert.deepEqual(v.verdict.layers.constraints, { ok: true });
  assert.equal(v.summary!.identifier, sha1ToIdentifier(d.sha1));
  assert.equal(v.summary!.bytes, data.length);
  assert.equal(v.summary!.checksums['SHA-1'], d.sha1);
  assert.deepEqual(applyDigests(out, d), []);
  // with the image at hand, the stale warnings are gone after the fix and present before it
  assert.ok(validateMetadata(MINIMAL, { layers: ['advice'], digests: d }).diagnostics.some(x => x.code === 'advice/stale-checksum'));
  assert.ok(!validateMetadata(out, { layers: ['advice'], digests: d }).diagnostics.some(x => /stale/.test(x.code)));
});

test('validateWithImage warns about stale bytes and checksums of the image at hand', async () => {
  const { validateWithImage } = await import('../../../src/core/metadata/validate');
  const fs = await import('node:fs'), os = await import('node:os'), path = await import('node:path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-stale-')), 'disk.img');
  fs.writeFileSync(file, 'another image');
  try {
    const r = await validateWithImage(MINIMAL, file, { layers: ['advice'] });
    const codes = r.diagnostics.map(d => d.code);
    assert.ok(codes.includes('advice/stale-bytes') && codes.includes('advice/stale-checksum') && codes.includes('advice/stale-identifier'), codes.join());
    const d = r.diagnostics.find(x => x.code === 'advice/stale-bytes')!;
    assert.equal(d.message, 'slreq:bytes is 100 but the image has 13 bytes (uncompressed)');
  } finally { fs.rmSync(path.dirname(file), { recursive: true, force: true }); }
});
