/** The indexed fields of one metadata entry (marketplace listings, trees). */
import type { XDocument as Document, XElement as Element } from '../xmlLite';
import { parseXml } from '../xml';
import { NS, MetadataSummary } from './types';
import { childIndex, descendants, descriptions, kids, textOf } from './dom';
import { rdfAttribute } from './rdf';

/** Summarizes the first rdf:Description. Throws when the text is not well-formed XML or has no Description. */
export function summarize(input: Document | string): MetadataSummary {
  let doc: Document;
  if (typeof input === 'string') {
    const parsed = parseXml(input);
    if (!parsed.doc) throw new Error(`not a metadata document: ${parsed.errors[0]?.message ?? 'not well-formed'}`);
    doc = parsed.doc;
  } else doc = input;
  const desc = descriptions(doc)[0] ?? descendants(doc).find(e => e.namespaceURI === NS.rdf && e.localName === 'Description');
  if (!desc) throw new Error('not a metadata document: no rdf:Description element');
  const own = childIndex(desc);
  const first = (ns: string, local: string, from: Element = desc) => { const e = (from === desc ? own(ns, local) : kids(from, ns, local))[0]; return e ? textOf(e).trim() : undefined; };
  const endorsement = own(NS.slreq, 'endorsement')[0];
  const endorser = endorsement && kids(endorsement, NS.slreq, 'endorser')[0];
  const checksums: Record<string, string> = {};
  for (const c of own(NS.slreq, 'checksum')) {
    const alg = first(NS.slreq, 'algorithm', c), value = first(NS.slreq, 'value', c);
    if (alg && value !== undefined && !(alg in checksums)) checksums[alg] = value.toLowerCase();
  }
  const bytes = first(NS.slreq, 'bytes');
  const about = rdfAttribute(desc, 'about') ?? '';
  return {
    identifier: first(NS.dcterms, 'identifier') ?? about.replace(/^#/, ''),
    email: endorser ? first(NS.slreq, 'email', endorser) : undefined,
    created: endorsement ? first(NS.dcterms, 'created', endorsement) : undefined,
    valid: first(NS.dcterms, 'valid'),
    deprecated: first(NS.slterms, 'deprecated'),
    title: first(NS.dcterms, 'title'),
    description: first(NS.dcterms, 'description'),
    alternative: first(NS.dcterms, 'alternative'),
    os: first(NS.slterms, 'os'), osVersion: first(NS.slterms, 'os-version'), osArch: first(NS.slterms, 'os-arch'),
    version: first(NS.slterms, 'version'),
    kind: first(NS.slterms, 'kind'), type: first(NS.dcterms, 'type'), format: first(NS.dcterms, 'format'), compression: first(NS.dcterms, 'compression'),
    bytes: bytes !== undefined && /^\d+$/.test(bytes) ? Number(bytes) : undefined,
    checksums,
    locations: own(NS.slterms, 'location').map(e => textOf(e).trim()).filter(Boolean),
    endorserSubject: endorser ? first(NS.slreq, 'subject', endorser) : undefined,
    endorserIssuer: endorser ? first(NS.slreq, 'issuer', endorser) : undefined,
    creator: first(NS.dcterms, 'creator'),
  };
}
