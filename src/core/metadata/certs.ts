import * as crypto from 'crypto';
import type forge from 'node-forge';

// node-forge is large: loaded on first use, not when the extension activates.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const F = (): typeof forge => require('node-forge');
import type { SignerInfo } from './types';

/** A private key with its certificate (and optional chain), ready for signing. */
export interface KeyMaterial {
  privateKeyPem: string;
  certificatePem: string;
  /** Further certificates (issuers), PEM, leaf excluded. */
  chainPem?: string;
}

export class CertificateError extends Error {}

// Java's X500Principal.getName() (RFC 2253) knows only these keywords; every other type is "OID=#hex".
const RFC2253_KEYWORDS: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET', '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
};
// ASN.1 universal tag numbers (forge.asn1.Type) as constants, so this module loads without forge.
const T = { UTF8: 12, PRINTABLESTRING: 19, IA5STRING: 22, BMPSTRING: 30 };
// Java's AVA.isDerString(value, false): these render as text, anything else as #hex.
const STRING_TYPES = new Set<number>([T.PRINTABLESTRING, 20 /* T61 */, T.IA5STRING, 27 /* GeneralString */, T.BMPSTRING, T.UTF8]);

function decodeString(a: forge.asn1.Asn1): string {
  const raw = a.value as string;
  if (a.type === T.UTF8) return F().util.decodeUtf8(raw);
  if (a.type === T.BMPSTRING) return Buffer.from(raw, 'binary').swap16().toString('utf16le');
  return raw;
}

/** AVA.toRFC2253String: escape ,=+<>#;"\ anywhere, NUL as \00, leading/trailing blanks with a backslash. */
function escapeValue(v: string): string {
  const chars = [...v].map(c => (',=+<>#;"\\'.includes(c) ? '\\' + c : c === '\0' ? '\\00' : c));
  const blank = (c: string) => c === ' ' || c === '\r';
  let lead = 0; while (lead < chars.length && blank(chars[lead])) lead++;
  let trail = chars.length - 1; while (trail >= 0 && blank(chars[trail])) trail--;
  return chars.map((c, i) => (i < lead || i > trail ? '\\' + c : c)).join('');
}

/** Renders an X.501 Name exactly as Java's X500Principal.getName() does (most specific RDN first). */
export function nameToRfc2253(name: forge.asn1.Asn1): string {
  const rdns = (name.value as forge.asn1.Asn1[]).map(rdn => (rdn.value as forge.asn1.Asn1[]).map(ava => {
    const [oidA, val] = ava.value as forge.asn1.Asn1[];
    const oid = F().asn1.derToOid(oidA.value as string);
    const kw = RFC2253_KEYWORDS[oid];
    if (!kw || !STRING_TYPES.has(val.type) || val.tagClass !== F().asn1.Class.UNIVERSAL) {
      return `${kw ?? oid}=#${Buffer.from(F().asn1.toDer(val).getBytes(), 'binary').toString('hex')}`;
    }
    return `${kw}=${escapeValue(decodeString(val))}`;
  }).join('+'));
  return rdns.reverse().join(',');
}

interface ParsedCert { subject: string; issuer: string; emails: string[] }

function parseDer(der: Buffer): ParsedCert {
  const cert = F().asn1.fromDer(der.toString('binary'), { strict: false, decodeBitStrings: false } as any);
  const tbs = (cert.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  const o = tbs[0].tagClass === F().asn1.Class.CONTEXT_SPECIFIC && tbs[0].type === 0 ? 1 : 0;
  const emails: string[] = [];
  const extWrap = tbs.find(e => e.tagClass === F().asn1.Class.CONTEXT_SPECIFIC && e.type === 3);
  for (const ext of ((extWrap?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value as forge.asn1.Asn1[] | undefined) ?? []) {
    const parts = ext.value as forge.asn1.Asn1[];
    if (F().asn1.derToOid(parts[0].value as string) !== '2.5.29.17') continue;
    const names = F().asn1.fromDer(parts[parts.length - 1].value as string);
    for (const gn of names.value as forge.asn1.Asn1[]) {
      if (gn.tagClass === F().asn1.Class.CONTEXT_SPECIFIC && gn.type === 1) emails.push(gn.value as string);
    }
  }
  return { issuer: nameToRfc2253(tbs[o + 2]), subject: nameToRfc2253(tbs[o + 4]), emails };
}

/** Base64 DER, PEM or a Buffer of either → certificate objects (all certificates in the value). */
export function readCertificates(value: string | Buffer): crypto.X509Certificate[] {
  const text = Buffer.isBuffer(value) ? value.toString('latin1') : value;
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (pems) return pems.map(p => new crypto.X509Certificate(p));
  if (Buffer.isBuffer(value) && value[0] === 0x30) return [new crypto.X509Certificate(value)];
  const b64 = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new CertificateError('not a PEM or base64 certificate');
  return [new crypto.X509Certificate(Buffer.from(b64, 'base64'))];
}

/** Subject, issuer (Java RFC 2253), first rfc822Name SAN, validity, serial of a certificate. */
export function describeCertificate(cert: crypto.X509Certificate): SignerInfo {
  const p = parseDer(cert.raw);
  return {
    subject: p.subject,
    issuer: p.issuer,
    ...(p.emails.length ? { email: p.emails[0] } : {}),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    serial: cert.serialNumber.toUpperCase(),
    certificatePem: cert.toString(),
    fingerprintSha256: cert.fingerprint256,
  };
}

function samePublicKey(keyPem: string, cert: crypto.X509Certificate): boolean {
  const fromKey = crypto.createPublicKey(crypto.createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  return fromKey.equals(cert.publicKey.export({ type: 'spki', format: 'der' }));
}

/** PKCS#12 (.p12/.pfx) → the entry that holds a private key, with its certificate and the others as chain. */
export function loadPkcs12(data: Buffer, password: string): KeyMaterial {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = F().pkcs12.pkcs12FromAsn1(F().asn1.fromDer(data.toString('binary')), false, password);
  } catch {
    throw new CertificateError('error loading certificate (wrong password?)');
  }
  const keyBags = [
    ...(p12.getBags({ bagType: F().pki.oids.pkcs8ShroudedKeyBag })[F().pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: F().pki.oids.keyBag })[F().pki.oids.keyBag] ?? []),
  ];
  const key = keyBags.find(b => b.key)?.key;
  if (!key) throw new CertificateError('the PKCS#12 file holds no private key (forge reads RSA keys only)');
  const privateKeyPem = F().pki.privateKeyToPem(key);
  const certs = (p12.getBags({ bagType: F().pki.oids.certBag })[F().pki.oids.certBag] ?? []).map(b => {
    const asn1 = b.cert ? F().pki.certificateToAsn1(b.cert) : (b as { asn1?: forge.asn1.Asn1 }).asn1;
    return asn1 ? new crypto.X509Certificate(Buffer.from(F().asn1.toDer(asn1).getBytes(), 'binary')) : undefined;
  }).filter((c): c is crypto.X509Certificate => !!c);
  const leaf = certs.find(c => samePublicKey(privateKeyPem, c));
  if (!leaf) throw new CertificateError('the PKCS#12 file holds no certificate for its private key');
  const chain = certs.filter(c => c !== leaf).map(c => c.toString()).join('');
  return { privateKeyPem, certificatePem: leaf.toString(), ...(chain ? { chainPem: chain } : {}) };
}

/** PEM key (optionally encrypted) + PEM certificate file(s); the first certificate is the signer's. */
export function loadPem(keyPem: string, certPem: string, passphrase?: string): KeyMaterial {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: keyPem, ...(passphrase ? { passphrase } : {}) });
  } catch (e) {
    throw new CertificateError(`cannot read the private key (${(e as Error).message}); give an unencrypted PEM key or its passphrase`);
  }
  const privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certs = readCertificates(certPem);
  if (!certs.length) throw new CertificateError('no certificate in the PEM file');
  const leaf = certs.find(c => samePublicKey(privateKeyPem, c));
  if (!leaf) throw new CertificateError('the certificate does not match the private key');
  const chain = certs.filter(c => c !== leaf).map(c => c.toString()).join('');
  return { privateKeyPem, certificatePem: leaf.toString(), ...(chain ? { chainPem: chain } : {}) };
}

export interface ThrowawayOptions {
  commonName: string;
  email: string;
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  days?: number;
  now?: Date;
}
export interface GenerateCertificateOptions extends ThrowawayOptions { password: string }

/**
 * A self-signed RSA-2048 certificate with the e-mail as rfc822Name SAN, like stratus-generate-p12
 * (DN C=EU, O=StratusLab Project, OU=Testing Department, CN=<name>), as PEM only — what the KVM save
 * Epilog needs to sign a draft. Node generates the key and signs the certificate (forge's pure-JS RSA is
 * several times slower); forge only assembles the DER.
 */
export function generateKeyMaterial(o: ThrowawayOptions): KeyMaterial & { forgeKey: forge.pki.rsa.PrivateKey; forgeCert: forge.pki.Certificate } {
  if (!o.commonName.trim()) throw new CertificateError('a common name is required');
  if (!isValidEmail(o.email)) throw new CertificateError(`invalid email address: ${o.email}`);
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const fkey = F().pki.privateKeyFromPem(privateKeyPem);
  const cert = F().pki.createCertificate();
  cert.publicKey = F().pki.setRsaPublicKey(fkey.n, fkey.e);
  const serial = crypto.randomBytes(8); serial[0] &= 0x7f; serial[0] |= 0x10;
  cert.serialNumber = serial.toString('hex');
  const now = o.now ?? new Date();
  cert.validity.notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  cert.validity.notAfter = new Date(cert.validity.notBefore.getTime() + (o.days ?? 365) * 86400_000);
  const attrs = [
    { shortName: 'C', value: o.country ?? 'EU' },
    { shortName: 'O', value: o.organization ?? 'StratusLab Project' },
    { shortName: 'OU', value: o.organizationalUnit ?? 'Testing Department' },
    { shortName: 'CN', value: o.commonName, valueTagClass: F().asn1.Type.UTF8 as any },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true, keyEncipherment: true },
    { name: 'subjectAltName', altNames: [{ type: 1, value: o.email }] },
    { name: 'subjectKeyIdentifier' },
  ]);
  // What cert.sign() does, with node's RSA in place of forge's.
  const c = cert as forge.pki.Certificate & { signatureOid: string; siginfo: { algorithmOid: string }; tbsCertificate: forge.asn1.Asn1 };
  c.signatureOid = c.siginfo.algorithmOid = F().pki.oids.sha256WithRSAEncryption;
  c.tbsCertificate = (F().pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const tbs = Buffer.from(F().asn1.toDer(c.tbsCertificate).getBytes(), 'binary');
  cert.signature = crypto.sign('sha256', tbs, privateKey).toString('binary');
  const certificatePem = new crypto.X509Certificate(F().pki.certificateToPem(cert)).toString();
  return { privateKeyPem, certificatePem, forgeKey: fkey, forgeCert: cert };
}

/** generateKeyMaterial plus the PKCS#12 file (3DES, readable by Java and OpenSSL) that stratus-generate-p12 writes. */
export function generateCertificate(o: GenerateCertificateOptions): { p12: Buffer } & KeyMaterial {
  const { privateKeyPem, certificatePem, forgeKey, forgeCert } = generateKeyMaterial(o);
  const p12Asn1 = F().pkcs12.toPkcs12Asn1(forgeKey, [forgeCert], o.password, { algorithm: '3des', friendlyName: o.commonName });
  return { p12: Buffer.from(F().asn1.toDer(p12Asn1).getBytes(), 'binary'), certificatePem, privateKeyPem };
}

/** JavaMail-like strict address check plus the original's "exactly one @ with both sides non-empty". */
export function isValidEmail(s: string): boolean {
  const parts = s.split('@');
  return parts.length === 2 && parts[0].length > 0 && parts[1].length > 0 && !/[\s<>()[\],;:"\\]/.test(s) && !/^\.|\.$/.test(parts[1]);
}
