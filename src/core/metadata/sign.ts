import * as crypto from 'crypto';
import { parseXml } from '../xml';
import { describeCertificate, KeyMaterial, readCertificates } from './certs';
import { clearEndorsement, fillEndorsement, SignError, stripSignatures } from './endorsement';
import { ALG, newSignedXml } from './dsig';

export { generateCertificate, generateKeyMaterial, loadPem, loadPkcs12, CertificateError } from './certs';
export type { KeyMaterial } from './certs';
export { SignError } from './endorsement';

export type SignatureProfile = 'stratuslab' | 'rsa-sha256';

export interface SignOptions {
  /** Used only when the certificate has no rfc822Name SAN (like --email of the original). */
  email?: string;
  /**
   * 'stratuslab' (default): the original's signature exactly (docs/stratuslab.md#signatures) — SHA-1 digest, RSA-SHA1, C14N-with-comments SignedInfo; what the
   * original and every old peer read. 'rsa-sha256': SHA-256 digest and RSA-SHA256; NOT readable by the
   * original StratusLab tools (their key selector accepts rsa-sha1/dsa-sha1 only).
   */
  profile?: SignatureProfile;
  now?: Date;
}

/**
 * Signs a metadata document as the original's signMetadataEntry does: keep only the last endorsement and
 * empty it, strip every Signature, rebuild the endorsement from the certificate (new created), then an
 * enveloped signature (one Reference URI="") appended as the last child of the root.
 */
export function signMetadata(text: string, key: KeyMaterial, opts: SignOptions = {}): string {
  const parsed = parseXml(text);
  if (!parsed.doc) throw new SignError(`unable to parse metadata: ${parsed.errors[0]?.message ?? 'not well-formed'}`);
  const doc = parsed.doc;
  const cert = readCertificates(key.certificatePem)[0];
  if (!cert) throw new SignError('no certificate given');
  const signer = describeCertificate(cert);
  const priv = crypto.createPrivateKey(key.privateKeyPem);
  if (priv.asymmetricKeyType !== 'rsa') throw new SignError(`only RSA keys can sign (this key is ${priv.asymmetricKeyType})`);

  clearEndorsement(doc);
  stripSignatures(doc);
  // A processing instruction outside the root is part of what URI="" signs for the original and xmlsec1,
  // but not for xml-crypto; none has a meaning in metadata, so they go rather than break interoperability.
  for (let n = doc.firstChild, next; n; n = next) {
    next = n.nextSibling;
    if (n.nodeType === 7 && n.nodeName !== 'xml') doc.removeChild(n);
  }
  fillEndorsement(doc, signer, opts.email, opts.now ?? new Date());

  const modern = opts.profile === 'rsa-sha256';
  const sx = newSignedXml({
    privateKey: priv.export({ type: 'pkcs8', format: 'pem' }),
    publicCert: key.certificatePem + (key.chainPem ?? ''),
    signatureAlgorithm: modern ? ALG.rsaSha256 : ALG.rsaSha1,
    canonicalizationAlgorithm: ALG.c14nWithComments,
  });
  sx.addReference({ xpath: '/*', transforms: [ALG.enveloped], digestAlgorithm: modern ? ALG.sha256 : ALG.sha1, isEmptyUri: true });
  sx.computeSignature(new (require('@xmldom/xmldom') as typeof import('@xmldom/xmldom')).XMLSerializer().serializeToString(doc), { location: { reference: '/*', action: 'append' } });
  return sx.getSignedXml();
}
