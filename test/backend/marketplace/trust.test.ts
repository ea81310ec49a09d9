import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trustVerdict, verdictProblem } from '../../../src/backend/marketplace/trust';
import { corpus, corpusSkip, signedEntry, tamperedEntry, testKey, isoIn, unsignedMetadata } from './fixtures';
import { generateCertificate } from '../../../src/core/metadata/sign';

test('valid, trusted signer: good; the same signer untrusted warns, and is refused once a trust list exists', () => {
  const doc = signedEntry({ content: 'trust me', title: 'T', valid: isoIn(30) });
  const good = trustVerdict(doc, { trusted: [testKey().certificatePem] });
  assert.equal(good.signature, 'valid');
  assert.equal(good.trusted, true);
  assert.equal(good.endorserMatches, true);
  assert.equal(good.state, 'valid');
  assert.equal(good.level, 'good');
  assert.equal(verdictProblem(good), undefined);
  const noList = trustVerdict(doc);
  assert.equal(noList.level, 'warning');
  assert.equal(verdictProblem(noList), undefined);
  const other = generateCertificate({ commonName: 'Someone Else', email: 'else@example.org', password: 'x' });
  const refused = trustVerdict(doc, { trusted: [other.certificatePem] });
  assert.match(verdictProblem(refused)!, /is not trusted \(add its certificate to your trusted certificates: the setting stratus.trustedCertificates in VS Code, --trusted CERT.pem on the command line\)/);
});

test('bad signature, unsigned, expired, expiring, deprecated, checksum', () => {
  const bad = trustVerdict(tamperedEntry({ content: 'x', title: 'X', valid: isoIn(30) }));
  assert.equal(bad.signature, 'invalid');
  assert.match(verdictProblem(bad)!, /^the signature is not valid: signature validation: /);
  assert.match(verdictProblem(trustVerdict(unsignedMetadata({ content: 'u', valid: isoIn(30) })))!, /not signed/);
  const when = new Date();
  const expired = trustVerdict(signedEntry({ content: 'e', title: 'E', valid: isoIn(-1) }));
  assert.equal(expired.state, 'expired');
  assert.match(verdictProblem(expired)!, /^expired on /);
  const soon = trustVerdict(signedEntry({ content: 's', title: 'S', valid: isoIn(1) }), { trusted: [testKey().certificatePem], now: when });
  assert.deepEqual([soon.state, soon.level], ['expiring', 'warning']);
  const dep = trustVerdict(signedEntry({ content: 'd', title: 'D', valid: isoIn(30), deprecated: 'use v2' }));
  assert.equal(verdictProblem(dep), 'deprecated: use v2');
  const doc = signedEntry({ content: 'c', title: 'C', valid: isoIn(30) });
  const sha = trustVerdict(doc).summary.checksums['SHA-1'];
  assert.equal(trustVerdict(doc, { downloaded: { sha1: sha } }).checksum, 'matched');
  const mm = trustVerdict(doc, { downloaded: { sha1: '0'.repeat(40) } });
  assert.equal(mm.checksum, 'mismatch');
  assert.match(verdictProblem(mm)!, /SHA-1/);
});

test('verdicts are cached by document hash: the second call is much cheaper', () => {
  const doc = signedEntry({ content: 'cache', title: 'C', valid: isoIn(30) });
  const t0 = process.hrtime.bigint(); const a = trustVerdict(doc); const t1 = process.hrtime.bigint(); const b = trustVerdict(doc); const t2 = process.hrtime.bigint();
  assert.deepEqual(a, b);
  assert.ok(t2 - t1 < t1 - t0, `cached ${t2 - t1} ns vs first ${t1 - t0} ns`);
});

test('corpus: signature verdicts of signed server files at their time', { skip: corpusSkip }, () => {
  const at = new Date('2012-06-01T00:00:00Z');
  const v = trustVerdict(corpus('valid-indate-signature.xml'), { now: at });
  assert.deepEqual([v.signature, v.endorserMatches, v.state], ['valid', true, 'valid']);
  assert.equal(trustVerdict(corpus('valid-expired-signature.xml'), { now: at }).state, 'expired');
  assert.equal(trustVerdict(corpus('valid-indate-deprecated-signature.xml'), { now: at }).state, 'deprecated');
  assert.equal(trustVerdict(corpus('valid.xml'), { now: at }).signature, 'absent');
});
