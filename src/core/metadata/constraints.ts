/**
 * The constraint layer (docs/stratuslab.md#validation): the original's XPath checks, identifier consistency and dates, with its exact
 * messages. Every failure becomes a diagnostic (the editor shows them all); `message` is the first one, which
 * is what the original reports.
 */
import type { XDocument as Document, XElement as Element } from '../xmlLite';
import { MARKETPLACE_BASE, NS, Diagnostic, SourceRange } from './types';
import { descendants, descriptions, kids, textOf, childElements, childIndex, SourceMap, is } from './dom';
import { identifierToBigInt } from './identifier';

export interface LayerResult { diagnostics: Diagnostic[]; /** The original's verdict message (first failure); undefined = valid. */ message?: string }

const AT_MOST_ONE = ['serial-number', 'version', 'deprecated', 'os', 'os-arch', 'os-version'];
export const DATE_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;

/** Java's non-lenient SimpleDateFormat on an already pattern-matched value (Julian leap years before 1582). */
export function strictDateOk(v: string): boolean {
  const [y, mo, d, h, mi, s] = v.match(/\d+/g)!.map(Number);
  const leap = y < 1582 ? y % 4 === 0 : (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= dim && h <= 23 && mi <= 59 && s <= 59;
}

/** null = acceptable (absent, empty or a good date); else the kind of failure. */
function dateProblem(v: string): null | 'pattern' | 'unparseable' {
  if (v === '') return null;
  if (!DATE_PATTERN.test(v)) return 'pattern';
  return strictDateOk(v) ? null : 'unparseable';
}

export function checkConstraints(doc: Document, src: SourceMap): LayerResult {
  const out: Diagnostic[] = [];
  let message: string | undefined;
  const root = doc.documentElement!;
  const add = (code: string, msg: string, range: SourceRange, verdictMsg = msg) => {
    out.push({ layer: 'constraints', severity: 'error', code, message: msg, range });
    if (message === undefined) message = verdictMsg;
  };
  const everything = descendants(doc);
  const rdfs = everything.filter(e => is(e, NS.rdf, 'RDF'));
  const descs = descriptions(doc, everything);
  const indexes = descs.map(childIndex);
  const all = (ns: string, local: string) => indexes.flatMap(k => k(ns, local));
  const where = (els: Element[], fallback: Element) => src.name(els[0] ?? fallback);
  const descEl = descs[0] ?? root;

  // 1. //rdf:RDF/@xml:base — the first rdf:RDF that has the attribute decides.
  const withBase = rdfs.find(r => r.hasAttributeNS(NS.xml, 'base'));
  if (!withBase || withBase.getAttributeNS(NS.xml, 'base') !== MARKETPLACE_BASE) {
    add('constraints/xml-base', `root element must have xml:base attribute with value ${MARKETPLACE_BASE}`,
      withBase ? src.attribute(withBase, withBase.getAttributeNodeNS(NS.xml, 'base')!.name) : src.name(rdfs[0] ?? root));
  }
  const types = all(NS.dcterms, 'type');
  if (types.length !== 1) add('constraints/type-count', 'description must have exactly 1 dcterms:type element', types.length ? src.name(types[1]) : src.name(descEl));
  const typeKids = types.flatMap(t => childElements(t));
  if (typeKids.length) add('constraints/type-children', 'dcterms:type cannot have child elements', src.name(typeKids[0]));
  const shaAlgs = all(NS.slreq, 'checksum').flatMap(c => kids(c, NS.slreq, 'algorithm')).filter(a => hasTextChild(a, 'SHA-1'));
  if (shaAlgs.length !== 1) add('constraints/sha1-count', 'description must have exactly 1 slterms:checksum element using SHA-1 algorithm',
    shaAlgs.length ? src.name(shaAlgs[1].parentNode as Element) : where(all(NS.slreq, 'checksum'), descEl));
  for (const name of AT_MOST_ONE) {
    const els = all(NS.slterms, name);
    if (els.length > 1) add(`constraints/at-most-one`, `description must have at most 1 slterms:${name} element`, src.name(els[1]));
  }

  // 6. rdf:about == '#' + identifier (XPath string values: the first node, '' when absent).
  const aboutOwner = descs.find(d => d.hasAttributeNS(NS.rdf, 'about'));
  const about = aboutOwner ? aboutOwner.getAttributeNS(NS.rdf, 'about')! : '';
  const idEls = all(NS.dcterms, 'identifier');
  const id = idEls.length ? textOf(idEls[0]) : '';
  if (about !== '#' + id) {
    add('constraints/about-identifier', `rdf:about attribute (${about}) and dcterms:identifier (${id}) are not consistent`,
      aboutOwner ? src.attribute(aboutOwner, aboutOwner.getAttributeNodeNS(NS.rdf, 'about')!.name) : src.name(descEl));
  }

  // 7. identifier decodes to the SHA-1 value (the first value preceded by an algorithm 'SHA-1').
  const idRange = idEls.length ? src.content(idEls[0]) : src.name(descEl);
  let idValue: bigint | undefined;
  try { idValue = identifierToBigInt(id); } catch (e) { add('constraints/identifier-invalid', (e as Error).message, idRange); }
  if (idValue !== undefined) {
    const valueEl = all(NS.slreq, 'checksum').flatMap(c => kids(c, NS.slreq, 'value')).find(v => precededBySha1(v));
    const hex = valueEl ? textOf(valueEl) : '';
    const shaRange = valueEl ? src.content(valueEl) : idRange;
    if (!/^[+-]?[0-9a-fA-F]+$/.test(hex)) add('constraints/sha1-invalid', `${hex} is not a valid SHA-1 checksum`, shaRange);
    else {
      const sha = hex.startsWith('-') ? -BigInt('0x' + hex.slice(1)) : BigInt('0x' + hex.replace(/^\+/, ''));
      if (sha !== idValue) add('constraints/identifier-sha1', `checksum from identifier (${idValue}) and SHA-1 checksum (${sha}) are not consistent`, idRange);
    }
  }

  // 8. dates: Description-level dcterms:valid, then endorsement dcterms:created.
  const validEls = all(NS.dcterms, 'valid');
  const valid = validEls.length ? textOf(validEls[0]) : '';
  const vp = dateProblem(valid);
  if (vp) add('constraints/valid-date', vp === 'pattern' ? `dcterms:valid value (${valid}) is not a valid date` : `Unparseable date: "${valid}"`, src.content(validEls[0]));
  const createdEls = all(NS.slreq, 'endorsement').flatMap(e => kids(e, NS.dcterms, 'created'));
  const created = createdEls.length ? textOf(createdEls[0]) : '';
  const cp = dateProblem(created);
  if (cp === 'pattern') {
    // The original prints the dcterms:valid value here (a bug); the verdict keeps it, the editor shows the real value.
    add('constraints/created-date', `dcterms:created value (${created}) is not a valid date`, src.content(createdEls[0]), `dcterms:created value (${valid}) is not a valid date`);
  } else if (cp) add('constraints/created-date', `Unparseable date: "${created}"`, src.content(createdEls[0]));
  return { diagnostics: out, message };
}

function hasTextChild(el: Element, value: string): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling) if ((c.nodeType === 3 || c.nodeType === 4) && (c as any).data === value) return true;
  return false;
}

function precededBySha1(v: Element): boolean {
  for (let p = v.previousSibling; p; p = p.previousSibling) if (p.nodeType === 1 && is(p as Element, NS.slreq, 'algorithm') && textOf(p) === 'SHA-1') return true;
  return false;
}
