// XML signature-wrapping: documents the original accepts (its core validation passes) but that carry
// content the signature does not cover, or a second view of the entry. Every one must fail with us.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { signMetadata, generateCertificate } from '../../../src/core/metadata/sign';
import { verifySignature, verifySignedContent } from '../../../src/core/metadata/verify';
import { parseXml } from '../../../src/core/xml';
import { NS } from '../../../src/core/metadata/types';
import { MINIMAL } from './testkeys';
import { ALG, newSignedXml } from '../../../src/core/metadata/dsig';
import { trustVerdict, verdictProblem } from '../../../src/backend/marketplace/trust';

const key = generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', password: 'x' });
const signed = signMetadata(MINIMAL, key);
const sigXml = /<Signature [\s\S]*<\/Signature>/.exec(signed)![0];
const withoutSig = signed.replace(sigXml, '');
const evilDescription = '<rdf:Description rdf:about="#AAAAAAAAAAAAAAAAAAAAAAAAAAA"><dcterms:identifier>AAAAAAAAAAAAAAAAAAAAAAAAAAA</dcterms:identifier><slreq:endorsement rdf:parseType="Resource"><slreq:endorser rdf:parseType="Resource"><slreq:email>mallory@example.org</slreq:email></slreq:endorser></slreq:endorsement></rdf:Description>';

test('baseline: the untouched document is valid and its signed content is the entry without the Signature', () => {
  const { verdict, signedXml } = verifySignedContent(signed);
  assert.equal(verdict.status, 'valid', verdict.message);
  const doc = parseXml(signedXml!).doc!;
  assert.equal(doc.getElementsByTagNameNS(NS.dsig, 'Signature').length, 0);
  assert.equal(doc.getElementsByTagNameNS(NS.dcterms, 'identifier')[0].textContent, 'MMZu9WvwKIro-rtBQfDk4PsKO7_');
});

function assertRejected(text: string, why: RegExp) {
  assert.notEqual(text, signed, 'the attack changed the document');
  const v = verifySignature(text);
  assert.equal(v.status, 'invalid');
  assert.match(v.message!, why);
}

test('moved signature: the Signature moved into the Description (enveloped transform still matches) is refused', () => {
  const moved = withoutSig.replace('</rdf:Description>', sigXml + '</rdf:Description>');
  assertRejected(moved, /^signature profile: the Signature must be a child of the root element/);
});

test('signature placed first (before the Description) is refused', () => {
  const first = withoutSig.replace('<rdf:Description', sigXml + '<rdf:Description');
  assertRejected(first, /^signature profile: the Signature must be the last element/);
});

test('duplicated Description hidden in an unsigned ds:Object inside the Signature is refused', () => {
  const wrapped = signed.replace('</Signature>', `<Object xmlns:rdf="${NS.rdf}" xmlns:dcterms="${NS.dcterms}" xmlns:slreq="${NS.slreq}">${evilDescription}</Object></Signature>`);
  assertRejected(wrapped, /^signature profile: unexpected <Object> in the Signature/);
});

test('a foreign element in KeyInfo (unsigned) is refused', () => {
  const wrapped = signed.replace('</KeyInfo>', `<slreq:email xmlns:slreq="${NS.slreq}">mallory@example.org</slreq:email></KeyInfo>`);
  assertRejected(wrapped, /^signature profile: unexpected <slreq:email> in KeyInfo/);
});

test('a second Description outside the signature breaks the digest', () => {
  const dup = signed.replace('</rdf:Description>', '</rdf:Description>' + evilDescription);
  assertRejected(dup, /^signature validation: truecontent \(ref=''\) validity: false$/);
});

test('a second Signature (a copy, or a different one first) is refused', () => {
  const twice = signed.replace('</rdf:RDF>', sigXml + '</rdf:RDF>');
  assertRejected(twice, /validity: false|exactly one is allowed/);
  const other = signMetadata(MINIMAL.replace('machine', 'disk'), key);
  const otherSig = /<Signature [\s\S]*<\/Signature>/.exec(other)![0];
  const prepended = signed.replace('</rdf:Description>', '</rdf:Description>' + otherSig);
  assertRejected(prepended, /validity: false|exactly one is allowed/);
});

test('whitespace added to the signed content breaks the digest; whitespace inside SignatureValue does not matter', () => {
  assertRejected(signed.replace('<dcterms:type>', '<dcterms:type> '), /validity: false$/);
  const folded = signed.replace(/<SignatureValue>([^<]{20})/, '<SignatureValue>$1\n');
  assert.equal(verifySignature(folded).status, 'valid');
});

test('comments are not signed, so we never read values from the unsigned DOM: a comment split keeps the signed value whole', () => {
  // The classic SAML trick: a comment splits a text node and a naive reader sees only the first part.
  const split = signed.replace('<slreq:email>jane.tester@example.org', '<slreq:email>jane.tester<!-- -->@example.org');
  assert.notEqual(split, signed);
  const { verdict, signedXml } = verifySignedContent(split);
  assert.equal(verdict.status, 'valid', verdict.message);
  const doc = parseXml(signedXml!).doc!;
  const email = doc.getElementsByTagNameNS(NS.slreq, 'email')[0];
  assert.equal(email.childNodes.length, 1, 'signed bytes carry no comment');
  assert.equal(email.firstChild!.nodeValue, 'jane.tester@example.org');
});

test('a changed Reference (URI="#id", or no enveloped transform) fails', () => {
  assertRejected(signed.replace('<Reference URI="">', '<Reference URI="#x">'), /^signature validation: false/);
  assertRejected(signed.replace(/<Transforms>.*?<\/Transforms>/, ''), /^signature validation: false/);
});

test('a correctly signed Reference to one Id-referenced Description (URI="#x") is invalid: only URI="" over the whole document is the profile', () => {
  // The signature genuinely covers the Description with Id="x"; an unsigned Description before it names another checksum and location.
  const genuine = withoutSig.replace('<rdf:Description ', '<rdf:Description Id="x" ');
  const unsigned = '<rdf:Description rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"><dcterms:identifier>MMZu9WvwKIro-rtBQfDk4PsKO7_</dcterms:identifier><slreq:checksum rdf:parseType="Resource"><slreq:algorithm>SHA-1</slreq:algorithm><slreq:value>0000000000000000000000000000000000000000</slreq:value></slreq:checksum><slterms:location>http://evil.example/x.img</slterms:location></rdf:Description>';
  const doc = genuine.replace(/(<rdf:RDF[^>]*>)/, `$1${unsigned}`);
  const sx = newSignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: ALG.rsaSha1, canonicalizationAlgorithm: ALG.c14nWithComments });
  sx.addReference({ xpath: "//*[@Id='x']", transforms: [ALG.enveloped, ALG.c14n], digestAlgorithm: ALG.sha1 });
  sx.computeSignature(doc, { location: { reference: '/*', action: 'append' } });
  const attack = sx.getSignedXml();
  assert.match(attack, /<Reference URI="#x">/);
  const { verdict, signedXml } = verifySignedContent(attack);
  assert.equal(verdict.status, 'invalid');
  assert.match(verdict.message!, /content \(ref='#x'\) validity: false/);
  assert.equal(signedXml, undefined);
  const trust = trustVerdict(attack, { trusted: [key.certificatePem] });
  assert.equal(trust.trusted, false);
  assert.match(verdictProblem(trust)!, /^the signature is not valid/);
});
