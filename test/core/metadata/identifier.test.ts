import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { sha1ToIdentifier, identifierToSha1, identifierToBigInt, isIdentifier } from '../../../src/core/metadata/identifier';

// Worked examples of reference §2 and the conformance README (MetadataUtilsTest, every corpus file).
const PAIRS: Array<[string, string]> = [
  ['c319bbd5afc0a22ba3eaed0507c39383ec28eeff', 'MMZu9WvwKIro-rtBQfDk4PsKO7_'],
  ['972a1a11f19934401291cc99117ec614933374ce', 'JcqGhHxmTRAEpHMmRF-xhSTM3TO'],
  ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 'No5o-5ea0sNMlW_75VgGJCv2AcJ'],
  ['0000000000000000000000000000000000000000', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ['ffffffffffffffffffffffffffffffffffffffff', 'P__________________________'],
  ['76532986605fb5f34a89021cc07ad254b4c2c8af', 'HZTKYZgX7XzSokCHMB60lS0wsiv'],
  ['dcaec27afc48e5d68a500e5a159310ba72b50292', 'Nyuwnr8SOXWilAOWhWTELpytQKS'],
  ['1104f3e30c030f8b93f220b04131032dddf51f21', 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'],
  ['5e3db90187d6ec13e261bd2ea8f6a589d6900a5d', 'F49uQGH1uwT4mG9Lqj2pYnWkApd'],
  ['27b7b906c06b124c6d305a09758ed8564f4454d3', 'Ce3uQbAaxJMbTBaCXWO2FZPRFTT'],
];

for (const [sha1, id] of PAIRS) {
  test(`${sha1} ↔ ${id}`, () => {
    assert.equal(sha1ToIdentifier(sha1), id);
    assert.equal(sha1ToIdentifier(sha1.toUpperCase()), id);
    assert.equal(identifierToSha1(id), sha1);
    assert.equal(identifierToBigInt(id), BigInt('0x' + sha1));
  });
}

test('SHA-1 of "data for SHA1 digest" (MetadataUtilsTest) round-trips', () => {
  const sha1 = crypto.createHash('sha1').update('data for SHA1 digest').digest('hex');
  assert.equal(sha1, 'dcaec27afc48e5d68a500e5a159310ba72b50292');
  assert.equal(identifierToSha1(sha1ToIdentifier(sha1)), sha1);
});

test('identifier = base64url(0x00 ‖ sha1) without its first character', () => {
  for (let i = 0; i < 200; i++) {
    const d = crypto.randomBytes(20);
    const id = sha1ToIdentifier(d.toString('hex'));
    assert.equal(id, Buffer.concat([Buffer.alloc(1), d]).toString('base64url').slice(1));
    assert.match(id, /^[A-P][A-Za-z0-9_-]{26}$/);
    assert.equal(identifierToSha1(id), d.toString('hex'));
  }
});

test('a leading zero digit (41 hex digits) is tolerated, as the numeric comparison does', () => {
  assert.equal(sha1ToIdentifier('0c319bbd5afc0a22ba3eaed0507c39383ec28eeff'), 'MMZu9WvwKIro-rtBQfDk4PsKO7_');
});

test("bad SHA-1 values throw 'invalid SHA-1 checksum'", () => {
  for (const bad of ['', 'xyz', '-1', '1' + '0'.repeat(40), 'f'.repeat(41)]) assert.throws(() => sha1ToIdentifier(bad), { message: 'invalid SHA-1 checksum' }, bad);
  assert.throws(() => sha1ToIdentifier(-1n), { message: 'invalid SHA-1 checksum' });
  assert.throws(() => sha1ToIdentifier(1n << 160n), { message: 'invalid SHA-1 checksum' });
});

test("bad identifiers throw 'invalid identifier'", () => {
  for (const bad of ['A', 'A'.repeat(26), 'A'.repeat(28), 'AAAAAAAAAAAAAAAAAA:AAAAAAAA', 'A'.repeat(26) + '!', 'A'.repeat(26) + '+', 'A'.repeat(26) + '/', 'A'.repeat(26) + '.']) {
    assert.throws(() => identifierToSha1(bad), { message: 'invalid identifier' }, bad);
    assert.equal(isIdentifier(bad), false);
  }
  // 'Q…' decodes to more than 160 bits: the original's decoder accepts it, but no SHA-1 has that value.
  assert.equal(identifierToBigInt('Q' + 'A'.repeat(26)), 16n << 156n);
  assert.throws(() => identifierToSha1('Q' + 'A'.repeat(26)), { message: 'invalid identifier' });
});

test('PatternUtilsTest: 27 × any alphabet character is an identifier', () => {
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') assert.ok(isIdentifier(c.repeat(27)), c);
});
