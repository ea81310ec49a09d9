import * as crypto from 'crypto';
import type { Document, Element, Node } from '@xmldom/xmldom';
import { parseXml, ParsedXml } from '../xml';
import { NS, SignatureVerdict, SignerInfo, SourceRange } from './types';
import { describeCertificate, readCertificates } from './certs';
import { endorserOf } from './endorsement';
import { ALG, newSignedXml, verifySignatureValue, withInheritedXmlAttributes } from './dsig';

export interface VerifyOptions {
  /** PEM certificates (signers or CAs) the user trusts; several per string are fine. */
  trusted?: string[];
  /** The clock for the certificate validity warning. */
  now?: Date;
}

export interface VerifiedContent {
  verdict: SignatureVerdict;
  /**
   * The canonical XML the signature covers (signature removed, comments dropped), only when the
   * verdict is valid. Read the entry's fields from THIS, never from the text that was passed in.
   */
  signedXml?: string;
}

const DIGESTS: Record<string, string> = { [ALG.sha1]: 'sha1', [ALG.sha256]: 'sha256', [ALG.sha512]: 'sha512' };
const SIGNATURES = new Set<string>([ALG.rsaSha1, ALG.rsaSha256, ALG.rsaSha512, ALG.dsaSha1]);
type C14nClass = new () => { process(n: Node, o: object): string };
const C14N_NAMES: Record<string, string> = {
  [ALG.c14n]: 'C14nCanonicalization', [ALG.c14nWithComments]: 'C14nCanonicalizationWithComments',
  [ALG.excC14n]: 'ExclusiveCanonicalization', [ALG.excC14nWithComments]: 'ExclusiveCanonicalizationWithComments',
};
// xml-crypto loads on the first signature check, not when the extension activates.
const c14nClass = (alg: string): C14nClass => (require('xml-crypto') as Record<string, C14nClass>)[C14N_NAMES[alg]];

/** Plain words beside the original's core-validation message (kept verbatim: it is what the original and the conformance corpus say). */
export function explainSignatureFailure(message: string | undefined): string | undefined {
  if (message && /content \(ref='[^']*'\) validity: false/.test(message)) return 'the signed content was changed after signing: sign the document again';
  if (message && /^signature validation: false/.test(message)) return 'the signature value does not match its content: it was altered, or made with another key';
  return undefined;
}

/** The signature verdict alone (see verifySignedContent). */
export function verifySignature(text: string, opts: VerifyOptions = {}, parsed?: ParsedXml): SignatureVerdict {
  return verifySignedContent(text, opts, parsed).verdict;
}

/**
 * Verifies a metadata document's XML signature with the original's semantics and messages (docs/stratuslab.md#signatures): the
 * first Signature anywhere, core validation with the KeyInfo certificate, then the endorser check.
 * Stricter than the original, so signature-wrapping documents fail: exactly one Signature, the last
 * child of the root, one Reference URI="" with the enveloped transform, nothing unsigned inside the
 * Signature, and the endorser values read from the bytes xml-crypto reports as signed.
 * `parsed` is the caller's parse of `text` (validation shares one parse; the DOM is only read here).
 */
export function verifySignedContent(text: string, opts: VerifyOptions = {}, parsed: ParsedXml = parseXml(text)): VerifiedContent {
  if (!parsed.doc) return { verdict: { status: 'invalid', message: `unable to parse metadata: ${parsed.errors[0]?.message ?? 'not well-formed'}` } };
  const doc = parsed.doc;
  const sigs = Array.from(doc.getElementsByTagNameNS(NS.dsig, 'Signature')) as Element[];
  if (!sigs.length) return { verdict: { status: 'absent', message: 'no signature' } };
  const sig = sigs[0];
  const range = rangeOf(sig);
  // A signature that does not verify proves nothing about its signer: never 'trusted'.
  const invalid = (message: string, extra: Partial<SignatureVerdict> = {}): VerifiedContent => ({ verdict: { status: 'invalid', message, range, ...extra, trusted: extra.trusted === undefined ? undefined : false } });

  const signedInfo = dsigKids(sig, 'SignedInfo');
  const sigValue = dsigKids(sig, 'SignatureValue');
  if (signedInfo.length !== 1 || sigValue.length !== 1) return invalid('invalid signature element');
  const c14nAlg = dsigKids(signedInfo[0], 'CanonicalizationMethod')[0]?.getAttribute('Algorithm') ?? '';
  const sigAlg = dsigKids(signedInfo[0], 'SignatureMethod')[0]?.getAttribute('Algorithm') ?? '';
  const refs = dsigKids(signedInfo[0], 'Reference');
  if (!c14nAlg || !sigAlg || !refs.length) return invalid('invalid signature element');
  if (!C14N_NAMES[c14nAlg]) return invalid(`unsupported canonicalization algorithm: ${c14nAlg}`);
  if (!SIGNATURES.has(sigAlg)) return invalid(`unsupported signature algorithm: ${sigAlg}`);

  const certNodes = Array.from(sig.getElementsByTagNameNS(NS.dsig, 'X509Certificate')) as Element[];
  if (!certNodes.length) return invalid('cannot find validation key');
  let certs: crypto.X509Certificate[];
  try {
    certs = certNodes.map(n => readCertificates(n.textContent ?? '')[0]);
  } catch (e) {
    return invalid(`invalid X509Certificate in KeyInfo: ${(e as Error).message}`);
  }
  const signer = describeCertificate(certs[0]);
  const extra = (): Partial<SignatureVerdict> => ({ signer, trusted: isTrusted(certs, opts.trusted ?? []), warnings: validityWarnings(signer, opts.now ?? new Date()) });

  // Core validation as the original (Java XML-DSig) does it: its verdict and message for failures.
  const javaCore = (): string | undefined => {
    const sigOk = checkSignatureValue(signedInfo[0], c14nAlg, sigAlg, certs[0], textOf(sigValue[0]));
    const refResults = refs.map(r => ({ uri: r.getAttribute('URI') ?? '', ok: checkReference(doc, r) }));
    if (sigOk && refResults.every(r => r.ok)) return undefined;
    return `signature validation: ${sigOk}` + refResults.map(r => `content (ref='${r.uri}') validity: ${r.ok}`).join('');
  };
  const profile = profileProblem(doc, sigs, sig, refs);
  if (profile) return invalid(javaCore() ?? `signature profile: ${profile}`, extra());

  // The authoritative check: xml-crypto over the whole text; its signed reference is all we trust.
  let signedXml: string;
  try {
    const sx = newSignedXml({ publicCert: certs[0].toString(), getCertFromKeyInfo: () => null });
    sx.loadSignature(sig as any);
    if (!sx.checkSignature(text)) return invalid(javaCore() ?? 'signature validation: the reference does not verify', extra());
    const signed = sx.getSignedReferences();
    if (signed.length !== 1) return invalid('signature profile: exactly one signed reference is required', extra());
    signedXml = signed[0];
  } catch (e) {
    return invalid(javaCore() ?? `signature validation: ${(e as Error).message}`, extra());
  }

  const signedDoc = parseXml(signedXml).doc;
  if (!signedDoc) return invalid('signature profile: the signed content does not parse', extra());
  const inDoc = endorserOf(signedDoc);
  const fromCert: [string, string | undefined][] = [['subject', signer.subject], ['issuer', signer.issuer], ['email', signer.email]];
  for (const [key, certValue] of fromCert) {
    if (certValue === undefined) continue;
    const docValue = inDoc[key as keyof typeof inDoc];
    if (certValue !== docValue) {
      return invalid(`endorser inconsistency (${key}): ${certValue} != ${docValue ?? 'null'}`, { ...extra(), endorserMatches: false });
    }
  }
  return { verdict: { status: 'valid', range, endorserMatches: true, ...extra() }, signedXml };
}

function dsigKids(el: Element, local: string): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).namespaceURI === NS.dsig && (c as Element).localName === local) out.push(c as Element);
  }
  return out;
}

function textOf(el: Node): string { return (el.textContent ?? '').replace(/\s+/g, ''); }

function rangeOf(el: Element): SourceRange {
  const line = (el as any).lineNumber ?? 1, column = (el as any).columnNumber ?? 1;
  return { line, column, endLine: line, endColumn: column + el.tagName.length + 1 };
}

/** SignedInfo canonicalized in its document context (inherited namespaces), then the public-key check. */
function checkSignatureValue(signedInfo: Element, c14nAlg: string, sigAlg: string, cert: crypto.X509Certificate, value: string): boolean {
  try {
    const canon = withInheritedXmlAttributes(new (c14nClass(c14nAlg))().process(signedInfo as any, { ancestorNamespaces: ancestorNamespaces(signedInfo) }), signedInfo, c14nAlg);
    return verifySignatureValue(sigAlg, canon, cert.publicKey, value);
  } catch {
    return false;
  }
}

/** Prefixed in-scope namespace declarations of the ancestors, nearest binding wins (xml-crypto renders the default one itself). */
function ancestorNamespaces(el: Element): { prefix: string; namespaceURI: string }[] {
  const seen = new Map<string, string>();
  for (let p = el.parentNode as Element | null; p && p.nodeType === 1; p = p.parentNode as Element | null) {
    for (let i = 0; i < p.attributes.length; i++) {
      const a = p.attributes[i];
      const prefix = a.name === 'xmlns' ? '' : a.prefix === 'xmlns' ? a.localName! : undefined;
      if (prefix !== undefined && !seen.has(prefix)) seen.set(prefix, a.value);
    }
  }
  return [...seen].filter(([prefix, uri]) => prefix !== '' && uri !== '').map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

/**
 * One Reference as the original dereferences it: URI="" is the document without comments, the
 * enveloped transform removes the FIRST Signature (the one being checked) and nothing else.
 */
function checkReference(doc: Document, ref: Element): boolean {
  try {
    if ((ref.getAttribute('URI') ?? '') !== '' || !ref.hasAttribute('URI')) return false;
    const transforms = (dsigKids(ref, 'Transforms')[0] ? dsigKids(dsigKids(ref, 'Transforms')[0], 'Transform') : []).map(t => t.getAttribute('Algorithm') ?? '');
    const digestAlg = DIGESTS[dsigKids(ref, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? ''];
    const expected = textOf(dsigKids(ref, 'DigestValue')[0] ?? ({ textContent: '' } as any));
    if (!digestAlg || !expected) return false;
    const copy = doc.cloneNode(true) as Document;
    let c14n: string = ALG.c14n;
    for (const [i, t] of transforms.entries()) {
      if (t === ALG.enveloped) {
        const first = copy.getElementsByTagNameNS(NS.dsig, 'Signature')[0];
        first?.parentNode?.removeChild(first);
      } else if (C14N_NAMES[t] && i === transforms.length - 1) c14n = t.replace('#WithComments', '');
      else return false;
    }
    const canon = documentC14n(copy, new (c14nClass(c14n))().process(copy.documentElement as any, { ancestorNamespaces: [] }));
    const digest = crypto.createHash(digestAlg).update(canon, 'utf8').digest();
    const want = Buffer.from(expected, 'base64');
    return digest.length === want.length && crypto.timingSafeEqual(digest, want);
  } catch {
    return false;
  }
}

/** C14N of the whole document (URI=""): processing instructions outside the root count, with a newline between. */
function documentC14n(doc: Document, root: string): string {
  let before = '', after = '', seenRoot = false;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) seenRoot = true;
    if (n.nodeType !== 7 || n.nodeName === 'xml') continue;
    const pi = `<?${n.nodeName}${(n as any).data ? ' ' + (n as any).data : ''}?>`;
    if (seenRoot) after += '\n' + pi; else before += pi + '\n';
  }
  return before + root + after;
}

/** The shape our profile allows; anything else could carry unsigned content or a second signed view. */
function profileProblem(doc: Document, sigs: Element[], sig: Element, refs: Element[]): string | undefined {
  if (sigs.length !== 1) return `the document contains ${sigs.length} Signature elements; exactly one is allowed`;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 7 && n.nodeName !== 'xml') return `processing instructions outside the root element (<?${n.nodeName}?>) are not supported; remove them and sign again`;
  }
  const root = doc.documentElement!;
  if (sig.parentNode !== root) return 'the Signature must be a child of the root element';
  let last: Node | null = root.lastChild;
  while (last && last.nodeType !== 1) last = last.previousSibling;
  if (last !== sig) return 'the Signature must be the last element of the root';
  for (let c = sig.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== 1) continue;
    const e = c as Element;
    if (e.namespaceURI !== NS.dsig || !['SignedInfo', 'SignatureValue', 'KeyInfo'].includes(e.localName!)) return `unexpected <${e.tagName}> in the Signature (its content would not be signed)`;
  }
  const keyInfo = dsigKids(sig, 'KeyInfo')[0];
  for (let c = keyInfo?.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && !((c as Element).namespaceURI === NS.dsig && ['X509Data', 'KeyValue', 'KeyName'].includes((c as Element).localName!))) return `unexpected <${(c as Element).tagName}> in KeyInfo`;
  }
  if (refs.length !== 1) return `${refs.length} Reference elements; exactly one (URI="") is allowed`;
  // URI="#id" would sign one element and leave the rest of the document (another Description) unsigned.
  if (!refs[0].hasAttribute('URI') || refs[0].getAttribute('URI') !== '') return `the Reference must be URI="" (the whole document), not URI="${refs[0].getAttribute('URI') ?? ''}"`;
  const transforms = dsigKids(dsigKids(refs[0], 'Transforms')[0] ?? refs[0], 'Transform').map(t => t.getAttribute('Algorithm'));
  if (transforms[0] !== ALG.enveloped) return 'the Reference must use the enveloped-signature transform';
  return undefined;
}

// The trust list is the same few PEM texts on every keystroke: decode each once.
const anchorCache = new Map<string, crypto.X509Certificate[]>();
function anchorsOf(pem: string): crypto.X509Certificate[] {
  let certs = anchorCache.get(pem);
  if (!certs) {
    try { certs = readCertificates(pem); } catch { certs = []; }
    if (anchorCache.size >= 256) anchorCache.clear();   // bounded: edited PEM files leave old texts behind
    anchorCache.set(pem, certs);
  }
  return certs;
}

function isTrusted(certs: crypto.X509Certificate[], trusted: string[]): boolean {
  const anchors = trusted.flatMap(anchorsOf);
  if (!anchors.length) return false;
  const pool = [...certs.slice(1), ...anchors];
  let current = certs[0];
  for (let depth = 0; depth < 10; depth++) {
    if (anchors.some(a => a.raw.equals(current.raw))) return true;
    const issuer = pool.find(c => !c.raw.equals(current.raw) && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer) return false;
    current = issuer;
  }
  return false;
}

function validityWarnings(signer: SignerInfo, now: Date): string[] {
  if (now < new Date(signer.notBefore)) return [`the signer's certificate is not valid before ${signer.notBefore}`];
  if (now > new Date(signer.notAfter)) return [`the signer's certificate expired on ${signer.notAfter} (the original does not check this)`];
  return [];
}
