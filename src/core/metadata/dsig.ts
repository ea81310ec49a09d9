/** XML-DSig algorithm URIs and the C14N detail xml-crypto misses but the original and xmlsec1 apply. */
import * as crypto from 'crypto';
import type { Element } from '@xmldom/xmldom';
import type { SignedXml, SignedXmlOptions } from 'xml-crypto';

export const ALG = {
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  c14nWithComments: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nWithComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  dsaSha1: 'http://www.w3.org/2000/09/xmldsig#dsa-sha1',
} as const;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * Inclusive C14N 1.0 of a document subset imports the xml:* attributes (xml:base, xml:lang, xml:space)
 * of the apex element's ancestors. Java (Santuario) and xmlsec1 do, so a SignedInfo inside an rdf:RDF
 * with xml:base="http://mp.stratuslab.eu/" is signed WITH xml:base="…" on it; xml-crypto leaves it out.
 */
export function withInheritedXmlAttributes(canon: string, apex: Element, algorithm: string): string {
  if (algorithm !== ALG.c14n && algorithm !== ALG.c14nWithComments) return canon;
  const inherited = new Map<string, string>();
  for (let p = apex.parentNode as Element | null; p && p.nodeType === 1; p = p.parentNode as Element | null) {
    for (let i = 0; i < p.attributes.length; i++) {
      const a = p.attributes[i];
      if (a.namespaceURI === XML_NS && !inherited.has(a.localName!)) inherited.set(a.localName!, a.value);
    }
  }
  for (const local of [...inherited.keys()]) if (apex.getAttributeNS(XML_NS, local) !== null && apex.hasAttributeNS(XML_NS, local)) inherited.delete(local);
  if (!inherited.size) return canon;
  const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
  // Attributes sort by namespace URI then local name; the apex carries no other namespaced attributes
  // in this profile, so the xml:* ones go last, in local-name order. '>' is escaped in canonical values.
  const attrs = [...inherited].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => ` xml:${k}="${esc(v)}"`).join('');
  const end = canon.indexOf('>');
  return canon.slice(0, end) + attrs + canon.slice(end);
}

/** Verifies an XML-DSig signature value; DSA values are r‖s (IEEE P1363), not DER. */
export function verifySignatureValue(algorithm: string, data: string, key: crypto.KeyLike | crypto.KeyObject, signatureB64: string): boolean {
  const sig = Buffer.from(signatureB64.replace(/\s+/g, ''), 'base64');
  const pub = key instanceof crypto.KeyObject ? key : crypto.createPublicKey(key);
  if (algorithm === ALG.dsaSha1) return pub.asymmetricKeyType === 'dsa' && crypto.verify('sha1', Buffer.from(data, 'utf8'), { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
  const hash = { [ALG.rsaSha1]: 'RSA-SHA1', [ALG.rsaSha256]: 'RSA-SHA256', [ALG.rsaSha512]: 'RSA-SHA512' }[algorithm];
  return !!hash && pub.asymmetricKeyType === 'rsa' && crypto.verify(hash, Buffer.from(data, 'utf8'), pub, sig);
}

/** dsa-sha1, which the original's verifier accepts and xml-crypto lacks (verification only: we sign with RSA). */
class DsaSha1 {
  getSignature(): string { throw new Error('signing with DSA is not supported; use an RSA key'); }
  verifySignature(material: string, key: crypto.KeyLike, value: string): boolean { return verifySignatureValue(ALG.dsaSha1, material, key, value); }
  getAlgorithmName(): string { return ALG.dsaSha1; }
}

/** xml-crypto's SignedXml with the SignedInfo canonicalization made C14N 1.0-exact (see above), and dsa-sha1. */
export function newSignedXml(options: SignedXmlOptions): SignedXml {
  // xml-crypto (with xpath) loads on the first signature, not when the extension activates
  const sx = new (require('xml-crypto') as typeof import('xml-crypto')).SignedXml(options);
  (sx.SignatureAlgorithms as Record<string, unknown>)[ALG.dsaSha1] = DsaSha1;
  const self = sx as unknown as { getCanonSignedInfoXml(doc: unknown): string; signatureNode: Element; canonicalizationAlgorithm: string };
  const base = self.getCanonSignedInfoXml.bind(sx);
  self.getCanonSignedInfoXml = (doc: unknown) => {
    const signedInfo = Array.from(self.signatureNode.childNodes).find(n => n.nodeType === 1 && (n as Element).localName === 'SignedInfo') as Element;
    return withInheritedXmlAttributes(base(doc), signedInfo, self.canonicalizationAlgorithm);
  };
  return sx;
}
