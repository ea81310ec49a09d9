import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { signMetadata, loadPem } from '../../../src/core/metadata/sign';
import { verifySignature } from '../../../src/core/metadata/verify';
import { ALG, newSignedXml } from '../../../src/core/metadata/dsig';
import { makeCert, MINIMAL } from './testkeys';

const ca = makeCert({ subj: '/C=EU/O=Stratus Test/CN=Test CA', ca: true, days: 60 });
const fakeCa = makeCert({ subj: '/C=EU/O=Stratus Test/CN=Test CA', ca: true, days: 60 }); // same name, other key
const leaf = makeCert({ subj: '/C=EU/O=Stratus Test/OU=Users/CN=Jim Tester', san: 'jim@example.org', issuer: ca, days: 30 });
const self = makeCert({ subj: '/C=EU/CN=Jane Self', san: 'jane@example.org', days: 30 });

const leafKey = loadPem(leaf.keyPem, leaf.certPem);
const signedByLeaf = signMetadata(MINIMAL, leafKey);

test('signer details: RFC 2253 subject/issuer, SAN e-mail, serial, validity', () => {
  const v = verifySignature(signedByLeaf);
  assert.equal(v.status, 'valid', v.message);
  assert.equal(v.signer?.subject, 'CN=Jim Tester,OU=Users,O=Stratus Test,C=EU');
  assert.equal(v.signer?.issuer, 'CN=Test CA,O=Stratus Test,C=EU');
  assert.equal(v.signer?.email, 'jim@example.org');
  assert.match(v.signer!.serial, /^[0-9A-F]+$/);
  assert.equal(v.endorserMatches, true);
  assert.deepEqual(v.warnings, []);
});

test('valid and trusted are separate: trust comes only from the configured certificates', () => {
  assert.equal(verifySignature(signedByLeaf).trusted, false);
  assert.equal(verifySignature(signedByLeaf, { trusted: [ca.certPem] }).trusted, true, 'issuer CA trusted');
  assert.equal(verifySignature(signedByLeaf, { trusted: [leaf.certPem] }).trusted, true, 'signer itself trusted');
  assert.equal(verifySignature(signedByLeaf, { trusted: [self.certPem] }).trusted, false, 'unrelated certificate');
  assert.equal(verifySignature(signedByLeaf, { trusted: [fakeCa.certPem] }).trusted, false, 'same CA name, different key');
  assert.equal(verifySignature(signedByLeaf, { trusted: [self.certPem + ca.certPem] }).trusted, true, 'bundle of several PEMs');
  assert.equal(verifySignature(signedByLeaf, { trusted: ['not a certificate'] }).trusted, false);
});

test('validity period is a warning, not a verdict', () => {
  const early = verifySignature(signedByLeaf, { now: new Date(Date.now() - 5 * 86400_000) });
  assert.equal(early.status, 'valid');
  assert.match(early.warnings![0], /not valid before/);
  const late = verifySignature(signedByLeaf, { now: new Date(Date.now() + 90 * 86400_000) });
  assert.equal(late.status, 'valid');
  assert.match(late.warnings![0], /expired on/);
});

/** Signs with the profile but WITHOUT rebuilding the endorsement, so it can disagree with the certificate. */
function signAsIs(xml: string, keyPem: string, certPem: string): string {
  const sx = newSignedXml({ privateKey: keyPem, publicCert: certPem, signatureAlgorithm: ALG.rsaSha1, canonicalizationAlgorithm: ALG.c14nWithComments });
  sx.addReference({ xpath: '/*', transforms: [ALG.enveloped], digestAlgorithm: ALG.sha1, isEmptyUri: true });
  sx.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  return sx.getSignedXml();
}
const endorsed = (email: string, subject: string, issuer: string) => MINIMAL.replace('<slreq:endorsement rdf:parseType="Resource"/>',
  `<slreq:endorsement rdf:parseType="Resource"><dcterms:created>2030-01-01T00:00:00Z</dcterms:created><slreq:endorser rdf:parseType="Resource"><slreq:email>${email}</slreq:email><slreq:subject>${subject}</slreq:subject><slreq:issuer>${issuer}</slreq:issuer></slreq:endorser></slreq:endorsement>`);

test('endorser check (§3.2): subject, issuer and SAN e-mail must equal the endorsement, with the original message', () => {
  const subj = 'CN=Jane Self,C=EU';
  assert.equal(verifySignature(signAsIs(endorsed('jane@example.org', subj, subj), self.keyPem, self.certPem)).status, 'valid');
  const badMail = verifySignature(signAsIs(endorsed('mallory@example.org', subj, subj), self.keyPem, self.certPem));
  assert.equal(badMail.status, 'invalid');
  assert.equal(badMail.message, 'endorser inconsistency (email): jane@example.org != mallory@example.org');
  assert.equal(badMail.endorserMatches, false);
  const badSubject = verifySignature(signAsIs(endorsed('jane@example.org', 'CN=Someone Else', subj), self.keyPem, self.certPem));
  assert.equal(badSubject.message, `endorser inconsistency (subject): ${subj} != CN=Someone Else`);
  const noEndorser = verifySignature(signAsIs(MINIMAL, self.keyPem, self.certPem));
  assert.equal(noEndorser.message, `endorser inconsistency (subject): ${subj} != null`);
});

test('a signature value made by another key fails the SignedInfo check', () => {
  const forged = signAsIs(endorsed('jane@example.org', 'CN=Jane Self,C=EU', 'CN=Jane Self,C=EU'), leaf.keyPem, self.certPem);
  const v = verifySignature(forged);
  assert.equal(v.status, 'invalid');
  assert.equal(v.message, "signature validation: falsecontent (ref='') validity: true");
});

test('no key, no signature, not XML', () => {
  const noKey = signedByLeaf.replace(/<KeyInfo>[\s\S]*<\/KeyInfo>/, '');
  assert.equal(verifySignature(noKey).message, 'cannot find validation key');
  assert.deepEqual(verifySignature(MINIMAL), { status: 'absent', message: 'no signature' });
  assert.equal(verifySignature('<a><b></a>').status, 'invalid');
  assert.match(verifySignature('<a><b></a>').message!, /^unable to parse metadata: /);
});
