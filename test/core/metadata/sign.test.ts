import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signMetadata, generateCertificate, generateKeyMaterial, loadPem, loadPkcs12, SignError, CertificateError } from '../../../src/core/metadata/sign';
import { describeCertificate, readCertificates, isValidEmail } from '../../../src/core/metadata/certs';
import { verifySignature, verifySignedContent } from '../../../src/core/metadata/verify';
import { parseXml } from '../../../src/core/xml';
import { NS } from '../../../src/core/metadata/types';
import { ALG } from '../../../src/core/metadata/dsig';
import { makeCert, MINIMAL, tmpDir } from './testkeys';

const generated = generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', password: 'secret pw' });
const noSan = makeCert({ subj: '/C=EU/O=StratusLab Project/CN=No Mail' });

const q = (text: string, ns: string, local: string) => Array.from(parseXml(text).doc!.getElementsByTagNameNS(ns, local));

test('generateCertificate: self-signed, DN like stratus-generate-p12, SAN e-mail, p12 opens with the password', () => {
  const info = describeCertificate(readCertificates(generated.certificatePem)[0]);
  assert.equal(info.subject, 'CN=Jane Tester,OU=Testing Department,O=StratusLab Project,C=EU');
  assert.equal(info.issuer, info.subject);
  assert.equal(info.email, 'jane.tester@example.org');
  const days = (Date.parse(info.notAfter) - Date.parse(info.notBefore)) / 86400_000;
  assert.equal(days, 365);
  const back = loadPkcs12(generated.p12, 'secret pw');
  assert.equal(readCertificates(back.certificatePem)[0].fingerprint256, readCertificates(generated.certificatePem)[0].fingerprint256);
  assert.throws(() => loadPkcs12(generated.p12, 'wrong'), { message: 'error loading certificate (wrong password?)' });
  assert.throws(() => generateCertificate({ commonName: 'x', email: 'not-an-address', password: 'p' }), CertificateError);
});

test('generateKeyMaterial (the Epilog throw-away key): a self-signed certificate whose signature checks, ready to sign', () => {
  const k = generateKeyMaterial({ commonName: 'Jane Tester', email: 'jane.tester@example.org', days: 2 });
  const cert = readCertificates(k.certificatePem)[0];
  assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
  const info = describeCertificate(cert);
  assert.equal(info.issuer, info.subject);
  assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86400_000, 2);
  const v = verifySignature(signMetadata(MINIMAL, k));
  assert.equal(v.status, 'valid', v.message);
  assert.equal(v.signer?.email, 'jane.tester@example.org');
});

test('generateCertificate: OpenSSL reads the PKCS#12 (interoperable with other tools)', () => {
  const dir = tmpDir('p12');
  const f = path.join(dir, 'c.p12');
  fs.writeFileSync(f, generated.p12);
  const out = execFileSync('openssl', ['pkcs12', '-in', f, '-passin', 'pass:secret pw', '-nokeys', '-clcerts'], { encoding: 'utf8', stdio: 'pipe' });
  assert.match(out, /subject=.*CN ?= ?Jane Tester/);
});

test('loadPem: key and certificate files; a mismatched pair is refused', () => {
  const other = makeCert({ subj: '/CN=Other' });
  const k = loadPem(noSan.keyPem, noSan.certPem);
  assert.equal(describeCertificate(readCertificates(k.certificatePem)[0]).subject, 'CN=No Mail,O=StratusLab Project,C=EU');
  assert.throws(() => loadPem(noSan.keyPem, other.certPem), { message: /does not match/ });
});

test('signMetadata: §1.5 profile — enveloped, one Reference URI="", SHA-1, RSA-SHA1, C14N with comments, X509Certificate, last child of rdf:RDF', () => {
  const signed = signMetadata(MINIMAL, generated, { now: new Date('2030-05-06T07:08:09Z') });
  const sig = q(signed, NS.dsig, 'Signature');
  assert.equal(sig.length, 1);
  const root = parseXml(signed).doc!.documentElement!;
  let last = root.lastChild; while (last && last.nodeType !== 1) last = last.previousSibling;
  assert.equal((last as any).localName, 'Signature');
  assert.equal(q(signed, NS.dsig, 'CanonicalizationMethod')[0].getAttribute('Algorithm'), ALG.c14nWithComments);
  assert.equal(q(signed, NS.dsig, 'SignatureMethod')[0].getAttribute('Algorithm'), ALG.rsaSha1);
  assert.equal(q(signed, NS.dsig, 'DigestMethod')[0].getAttribute('Algorithm'), ALG.sha1);
  const refs = q(signed, NS.dsig, 'Reference');
  assert.equal(refs.length, 1);
  assert.equal(refs[0].getAttribute('URI'), '');
  assert.deepEqual(q(signed, NS.dsig, 'Transform').map(t => t.getAttribute('Algorithm')), [ALG.enveloped]);
  assert.equal(q(signed, NS.dsig, 'X509Certificate').length, 1);
  assert.equal(q(signed, NS.dcterms, 'created')[0].textContent, '2030-05-06T07:08:09Z');
  const v = verifySignature(signed, { now: new Date('2030-05-06T07:08:09Z') });
  assert.equal(v.status, 'valid', v.message);
  assert.equal(v.signer?.email, 'jane.tester@example.org');
  assert.deepEqual(v.warnings, [`the signer's certificate expired on ${v.signer!.notAfter} (the original does not check this)`]);
});

test('signMetadata: a certificate without SAN e-mail needs --email; bad addresses and missing endorsements are refused with the original messages', () => {
  const key = loadPem(noSan.keyPem, noSan.certPem);
  assert.throws(() => signMetadata(MINIMAL, key), { message: 'cannot generate slreq:endorsement; email address not in cert or not provided' });
  assert.throws(() => signMetadata(MINIMAL, key, { email: 'not@a@valid@address' }), { message: 'invalid email address: not@a@valid@address' });
  const signed = signMetadata(MINIMAL, key, { email: 'example@example.org' });
  assert.equal(q(signed, NS.slreq, 'email')[0].textContent, 'example@example.org');
  const v = verifySignature(signed);
  assert.equal(v.status, 'valid', v.message);
  assert.equal(v.signer?.email, undefined);
  const noEndorsement = MINIMAL.replace('<slreq:endorsement rdf:parseType="Resource"/>', '');
  assert.throws(() => signMetadata(noEndorsement, generated), (e: unknown) => e instanceof SignError && e.message === 'document must contain exactly 1 slreq:endorsement element');
});

test('signMetadata: every signing makes a new created (a new entry key) and re-signing strips the old signature', () => {
  const a = signMetadata(MINIMAL, generated, { now: new Date('2030-01-01T00:00:00Z') });
  const b = signMetadata(a, generated, { now: new Date('2030-01-01T00:00:01Z') });
  assert.equal(q(b, NS.dsig, 'Signature').length, 1);
  assert.equal(q(b, NS.slreq, 'endorsement').length, 1);
  assert.equal(q(b, NS.dcterms, 'created')[0].textContent, '2030-01-01T00:00:01Z');
  assert.equal(verifySignature(b).status, 'valid');
});

test('signMetadata: rsa-sha256 profile uses SHA-256 digests and verifies', () => {
  const signed = signMetadata(MINIMAL, generated, { profile: 'rsa-sha256' });
  assert.equal(q(signed, NS.dsig, 'SignatureMethod')[0].getAttribute('Algorithm'), ALG.rsaSha256);
  assert.equal(q(signed, NS.dsig, 'DigestMethod')[0].getAttribute('Algorithm'), ALG.sha256);
  const { verdict, signedXml } = verifySignedContent(signed);
  assert.equal(verdict.status, 'valid', verdict.message);
  assert.ok(signedXml && !signedXml.includes('Signature'));
});

test('signMetadata: a DOCTYPE (entity tricks) is refused before anything is signed', () => {
  const evil = MINIMAL.replace('<rdf:RDF', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><rdf:RDF');
  assert.throws(() => signMetadata(evil, generated), { message: /DOCTYPE/ });
});

test('isValidEmail follows the original (one @, both sides non-empty, no spaces)', () => {
  for (const ok of ['a@b', 'jane.tester@example.org', 'x+y@d.e']) assert.equal(isValidEmail(ok), true, ok);
  for (const bad of ['', '@', 'a@', '@b', 'a@b@c', 'a b@c', 'a@b c']) assert.equal(isValidEmail(bad), false, bad);
});
