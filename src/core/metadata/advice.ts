/**
 * Warnings the original never gave: validity over or close, stale bytes/checksums against the image at hand,
 * elements the client needs to run an image (marked "P", docs/stratuslab.md#metadata-elements, with its message), no location.
 */
import type { XDocument as Document, XElement as Element } from '../xmlLite';
import { NS, Diagnostic, SourceRange } from './types';
import { descendants, descriptions, kids, textOf, SourceMap } from './dom';
import { DATE_PATTERN, strictDateOk } from './constraints';
import { sha1ToIdentifier } from './identifier';

export interface ImageDigests { bytes: number; md5: string; sha1: string; sha256: string; sha512: string }

export const EXPIRY_WARNING_DAYS = 30;

/** The elements PY/ManifestInfo.py requires, in its order; identifier and bytes are the 'mandatory' ones. */
export const CLIENT_REQUIRED: Array<[string, string]> = [
  [NS.dcterms, 'identifier'], [NS.slreq, 'bytes'], [NS.dcterms, 'type'], [NS.dcterms, 'created'], [NS.dcterms, 'valid'],
  [NS.dcterms, 'description'], [NS.dcterms, 'compression'], [NS.slterms, 'os'], [NS.slterms, 'os-arch'], [NS.slterms, 'os-version'], [NS.slterms, 'version'],
];

const REQUIRED_LOCALS = new Set(CLIENT_REQUIRED.map(([, local]) => local));

export function missingElementMessage(ns: string, local: string): string {
  return local === 'identifier' || local === 'bytes' ? `Missing mandatory element '${local}' in namespace '${ns}'` : `Missing element '${local}' in namespace '${ns}'`;
}

const ALG_KEY: Record<string, keyof ImageDigests> = { 'MD5': 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

export function checkAdvice(doc: Document, src: SourceMap, opts: { now?: Date; digests?: ImageDigests } = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (severity: Diagnostic['severity'], code: string, message: string, range: SourceRange) => out.push({ layer: 'advice', severity, code: `advice/${code}`, message, range });
  const desc = descriptions(doc)[0];
  if (!desc) return out;
  const now = opts.now ?? new Date();

  const valid = kids(desc, NS.dcterms, 'valid')[0];
  const v = valid ? textOf(valid) : '';
  if (valid && DATE_PATTERN.test(v) && strictDateOk(v)) {
    const end = Date.parse(v), days = (end - now.getTime()) / 86400e3;
    if (days < 0) add('warning', 'expired', `validity ended on ${v}: the marketplace hides expired entries and clients refuse them; set dcterms:valid to a later date and sign again`, src.content(valid));
    else if (days < EXPIRY_WARNING_DAYS) add('warning', 'expiring', `validity ends in ${days >= 1 ? `${Math.round(days)} day(s)` : `${Math.max(1, Math.round(days * 24))} hour(s)`} (${v}); extend dcterms:valid and sign again before it expires`, src.content(valid));
  }

  const inDesc = new Set<string>();   // the required names that occur (a key string only for those)
  for (const e of descendants(desc)) if (e.localName && REQUIRED_LOCALS.has(e.localName)) inDesc.add(`${e.namespaceURI} ${e.localName}`);
  for (const [ns, local] of CLIENT_REQUIRED) {
    if (!inDesc.has(`${ns} ${local}`)) add('warning', 'missing-element', `${missingElementMessage(ns, local)} (the StratusLab client needs it to run an image; an empty element is enough)`, src.name(desc));
  }

  const idEl = kids(desc, NS.dcterms, 'identifier')[0];
  if (!kids(desc, NS.slterms, 'location').length) {
    add('warning', 'no-location', `Image location(s) are not set in manifest for the image with ID ${idEl ? textOf(idEl).trim() : ''} (add an slterms:location with the image URL)`, src.name(desc));
  }

  const algs = new Set(kids(desc, NS.slreq, 'checksum').map(c => kids(c, NS.slreq, 'algorithm')[0]).filter(Boolean).map(a => textOf(a).trim()));
  const absent = ['MD5', 'SHA-256', 'SHA-512'].filter(a => !algs.has(a));
  if (algs.has('SHA-1') && absent.length) {
    const sums = kids(desc, NS.slreq, 'checksum');
    add('info', 'missing-checksums', `no ${absent.join(', ')} checksum (a saved image's draft has only the SHA-1): signing computes them from the image, or Recompute from Image`, src.name(sums[sums.length - 1]));
  }

  if (opts.digests) {
    const d = opts.digests;
    const bytes = kids(desc, NS.slreq, 'bytes')[0];
    if (bytes && textOf(bytes).trim() !== String(d.bytes)) add('warning', 'stale-bytes', `slreq:bytes is ${textOf(bytes).trim()} but the image has ${d.bytes} bytes (uncompressed)`, src.content(bytes));
    for (const c of kids(desc, NS.slreq, 'checksum')) {
      const alg = kids(c, NS.slreq, 'algorithm')[0], val = kids(c, NS.slreq, 'value')[0];
      const key = alg && ALG_KEY[textOf(alg).trim()];
      if (key && val && textOf(val).trim().toLowerCase() !== d[key]) add('warning', 'stale-checksum', `${textOf(alg).trim()} checksum does not match the image (image: ${d[key]})`, src.content(val));
    }
    const expectedId = sha1ToIdentifier(d.sha1);
    if (idEl && textOf(idEl).trim() !== expectedId) add('warning', 'stale-identifier', `dcterms:identifier does not match the image (image: ${expectedId})`, src.content(idEl as Element));
  }
  return out;
}
