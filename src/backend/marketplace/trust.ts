import * as crypto from 'crypto';
import { verifySignedContent } from '../../core/metadata/verify';
import { summarize } from '../../core/metadata/summary';
import type { MetadataSummary, SignatureVerdict } from '../../core/metadata/types';
import { isoSeconds } from '../../core/marketplace/keys';

/** The reminder window of the original (docs/stratuslab.md#expiry): entries expiring within 3 days are "about to expire". */
export const EXPIRING_DAYS = 3;

export type TrustState = 'valid' | 'expiring' | 'expired' | 'deprecated' | 'undated';

export interface TrustVerdict {
  signature: SignatureVerdict['status'];
  signatureMessage?: string;
  signer?: string;
  signerIssuer?: string;
  /** Signer (or its issuer) is in the user's trusted list (`stratus.trustedCertificates`) or trusted by default. */
  trusted: boolean;
  endorserMatches: boolean;
  state: TrustState;
  validUntil?: string;
  deprecatedReason?: string;
  /** Set once the image has been downloaded and hashed. */
  checksum?: 'matched' | 'mismatch';
  /** good = nothing to say; warning = usable but worth a look (untrusted signer, expiring); bad = launches are refused. */
  level: 'good' | 'warning' | 'bad';
  problems: string[];
  summary: MetadataSummary;
}

export interface TrustOptions {
  trusted?: string[];
  now?: Date;
  /** SHA-1 (hex) of the downloaded, inflated image. */
  downloaded?: { sha1: string };
}

interface Cached { sig: SignatureVerdict; summary: MetadataSummary }

/**
 * Certificates trusted by default (the local builder's): they make their signatures trusted, but unlike the
 * user's own list they do not make every other signer refused.
 */
let defaultTrusted: string[] = [];
export function setDefaultTrusted(pems: string[]): void { defaultTrusted = pems.map(p => p.trim()); }
export function getDefaultTrusted(): string[] { return [...defaultTrusted]; }
const cache = new Map<string, Cached>();
const CACHE_MAX = 20000;

/**
 * Verifies once per (document, trusted list): the signature check is the expensive part and a document never
 * changes under its hash. Dates and the download result are re-applied on every call (they depend on now).
 */
export function trustVerdict(entryXml: string, opts: TrustOptions = {}): TrustVerdict {
  const own = (opts.trusted ?? []).filter(t => !defaultTrusted.includes(t.trim()));
  const trusted = [...new Set([...own, ...defaultTrusted])].sort();
  const id = crypto.createHash('sha256').update(entryXml).update('\u0000' + trusted.join('\u0000')).digest('hex');
  let c = cache.get(id);
  if (!c) {
    const { verdict: sig, signedXml } = verifySignedContent(entryXml, { trusted, now: opts.now });
    // XSW safety: when the signature holds, the fields shown come from the bytes it covers.
    const summary = summarize(signedXml ?? entryXml);
    c = { sig, summary };
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(id, c);
  }
  return assess(c.sig, c.summary, own.length > 0, opts);
}

function assess(sig: SignatureVerdict, s: MetadataSummary, haveTrustList: boolean, opts: TrustOptions): TrustVerdict {
  const now = opts.now ?? new Date();
  const nowS = isoSeconds(now);
  const soonS = isoSeconds(new Date(now.getTime() + EXPIRING_DAYS * 86400_000));
  const state: TrustState = s.deprecated !== undefined ? 'deprecated' : !s.valid ? 'undated' : s.valid <= nowS ? 'expired' : s.valid <= soonS ? 'expiring' : 'valid';
  const endorserMatches = sig.status === 'valid' && sig.endorserMatches !== false;
  const trusted = sig.status === 'valid' && !!sig.trusted;
  let checksum: TrustVerdict['checksum'];
  if (opts.downloaded) {
    const want = s.checksums['SHA-1'];
    checksum = want && normHex(want) === normHex(opts.downloaded.sha1) ? 'matched' : 'mismatch';
  }
  const bad: string[] = [];
  const warn: string[] = [];
  if (sig.status === 'absent') bad.push('the metadata is not signed (no signature)');
  else if (sig.status === 'invalid') bad.push(`the signature is not valid: ${sig.message ?? 'verification failed'}`);
  else if (!endorserMatches) bad.push(`the endorser does not match the signing certificate${sig.message ? `: ${sig.message}` : ''}`);
  if (state === 'deprecated') bad.push(`deprecated: ${s.deprecated || 'no reason given'}`);
  if (state === 'expired') bad.push(`expired on ${s.valid}`);
  if (state === 'undated') bad.push('no dcterms:valid date (the marketplace never lists it)');
  if (checksum === 'mismatch') bad.push(`the downloaded image's SHA-1 ${normHex(opts.downloaded!.sha1)} differs from the metadata's ${s.checksums['SHA-1'] ?? '(none)'}`);
  if (sig.status === 'valid' && !trusted) (haveTrustList ? bad : warn).push(`signer ${sig.signer?.subject ?? '(unknown)'} is not trusted (add its certificate to your trusted certificates: the setting stratus.trustedCertificates in VS Code, --trusted CERT.pem on the command line)`);
  if (state === 'expiring') warn.push(`expires on ${s.valid}`);
  return {
    signature: sig.status, signatureMessage: sig.message, signer: sig.signer?.subject, signerIssuer: sig.signer?.issuer,
    trusted, endorserMatches, state, validUntil: s.valid, deprecatedReason: s.deprecated, checksum,
    level: bad.length ? 'bad' : warn.length ? 'warning' : 'good', problems: [...bad, ...warn], summary: s,
  };
}

/**
 * Why a launch from this entry should be refused, or undefined when it may go ahead. An empty trusted list
 * only warns about unknown signers; once the user lists trusted signers, anyone else is refused.
 */
export function verdictProblem(v: TrustVerdict): string | undefined {
  return v.level === 'bad' ? v.problems[0] : undefined;
}

function normHex(h: string): string { return h.toLowerCase().replace(/^0+/, ''); }
