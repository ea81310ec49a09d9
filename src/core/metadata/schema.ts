/**
 * The schema layer (docs/stratuslab.md#validation) without an XSD engine: the rules of image-metadata.xsd, slreq.xsd, slterms.xsd and the
 * Dublin Core schemas written out by hand, checked in the order Xerces meets them while streaming (content model
 * at a child's start tag, attributes, text in element-only content, completeness and simple values at the end tag),
 * so the first diagnostic is the original's verdict, with Xerces' wording (JDK 17).
 */
import type { XDocument as Document, XElement as Element } from '../xmlLite';
import { NS, Diagnostic, SourceRange } from './types';
import { SourceMap, textOf } from './dom';
import type { LayerResult } from './constraints';

const PREFIX = 'XML schema validation exception: ';
const DC11 = 'http://purl.org/dc/elements/1.1/';

interface Particle { ns: string; local?: string; min: number; max: number }   // no local = wildcard over ns ('##any' = any)
type Decl =
  | { kind: 'complex'; model: Particle[]; attrs?: AttrRule[] }
  | { kind: 'literal' }                                            // dc SimpleLiteral: text, no child elements
  | { kind: 'simple'; check: (v: string) => string | undefined }
  | { kind: 'skip' };
interface AttrRule { ns: string; local: string; required?: boolean; check?: (v: string) => string | undefined }

const el = (ns: string, local: string, min = 1, max = 1): Particle => ({ ns, local, min, max });
const collapse = (v: string) => v.replace(/[\t\n\r ]+/g, ' ').trim();

function integer(type: string, min?: number, max?: number, base = 'integer') {
  return (raw: string): string | undefined => {
    const v = collapse(raw);
    if (!/^[+-]?[0-9]+$/.test(v)) return `cvc-datatype-valid.1.2.1: '${v}' is not a valid value for '${base}'.`;
    const n = BigInt(v);
    if (max !== undefined && n > BigInt(max)) return `cvc-maxInclusive-valid: Value '${v}' is not facet-valid with respect to maxInclusive '${max}' for type '${type}'.`;
    if (min !== undefined && n < BigInt(min)) return `cvc-minInclusive-valid: Value '${v}' is not facet-valid with respect to minInclusive '${min}' for type '${type}'.`;
    return undefined;
  };
}
function pattern(type: string, source: string, re: RegExp) {
  return (v: string) => re.test(v) ? undefined : `cvc-pattern-valid: Value '${v}' is not facet-valid with respect to pattern '${source}' for type '${type}'.`;
}
const parseType: AttrRule = {
  ns: NS.rdf, local: 'parseType',
  check: v => v === 'Resource' ? undefined : `cvc-enumeration-valid: Value '${v}' is not facet-valid with respect to enumeration '[Resource]'. It must be a value from the enumeration.`,
};

const DCTERMS = 'abstract accessRights accrualMethod accrualPeriodicity accrualPolicy alternative audience available bibliographicCitation conformsTo contributor coverage created creator date dateAccepted dateCopyrighted dateSubmitted description educationLevel extent format hasFormat hasPart hasVersion identifier instructionalMethod isFormatOf isPartOf isReferencedBy isReplacedBy isRequiredBy issued isVersionOf language license mediator medium modified provenance publisher references relation replaces requires rights rightsHolder source spatial subject tableOfContents temporal title type valid'.split(' ');
const DC = 'title creator subject description publisher contributor date type format identifier source language relation coverage rights'.split(' ');

const DECLS = new Map<string, Decl>([
  [`${NS.rdf} RDF`, { kind: 'complex', model: [el(NS.rdf, 'Description'), { ns: NS.dsig, min: 0, max: 1 }], attrs: [{ ns: NS.xml, local: 'base', required: true }] }],
  [`${NS.rdf} Description`, {
    kind: 'complex',
    model: [el(NS.rdf, 'type', 0), el(NS.dcterms, 'identifier'), el(NS.slreq, 'bytes'), el(NS.slreq, 'checksum', 1, Infinity), el(NS.slreq, 'endorsement'), { ns: '##any', min: 0, max: Infinity }],
    attrs: [{ ns: NS.rdf, local: 'about', required: true, check: pattern('id-frag-type', '#[A-Za-z0-9_-]{27}', /^#[A-Za-z0-9_-]{27}$/) }],
  }],
  [`${NS.rdf} type`, { kind: 'skip' }],
  [`${NS.slreq} bytes`, { kind: 'simple', check: integer('nonNegativeInteger', 0) }],
  [`${NS.slreq} checksum`, { kind: 'complex', model: [el(NS.slreq, 'algorithm'), el(NS.slreq, 'value')], attrs: [parseType] }],
  [`${NS.slreq} algorithm`, { kind: 'simple', check: () => undefined }],
  [`${NS.slreq} value`, { kind: 'simple', check: pattern('checksum-value-type', '[A-Fa-f0-9]+', /^[A-Fa-f0-9]+$/) }],
  [`${NS.slreq} endorsement`, { kind: 'complex', model: [el(NS.dcterms, 'created'), el(NS.slreq, 'endorser')], attrs: [parseType] }],
  [`${NS.slreq} endorser`, { kind: 'complex', model: [el(NS.slreq, 'email'), el(NS.slreq, 'subject'), el(NS.slreq, 'issuer', 1, Infinity)], attrs: [parseType] }],
  [`${NS.slreq} email`, { kind: 'simple', check: pattern('email-type', '[A-Za-z0-9\\._%+-]+@[A-Za-z0-9\\.-]+', /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$/) }],
  [`${NS.slreq} subject`, { kind: 'simple', check: () => undefined }],
  [`${NS.slreq} issuer`, { kind: 'simple', check: () => undefined }],
  [`${NS.slterms} serial-number`, { kind: 'simple', check: integer('nonNegativeInteger', 0) }],
  [`${NS.slterms} inbound-port`, { kind: 'simple', check: integer('port', 0, 65535) }],
  [`${NS.slterms} outbound-port`, { kind: 'simple', check: integer('port', 0, 65535) }],
  [`${NS.slterms} icmp`, { kind: 'simple', check: integer('icmp-type', 0, 255) }],
  [`${NS.slterms} location`, { kind: 'simple', check: () => undefined }],
  ...DCTERMS.map(n => [`${NS.dcterms} ${n}`, { kind: 'literal' }] as [string, Decl]),
  ...DC.map(n => [`${DC11} ${n}`, { kind: 'literal' }] as [string, Decl]),
]);

// By namespace, then local name: no key string per element.
const DECLS_BY_NS = new Map<string, Map<string, Decl>>();
for (const [key, decl] of DECLS) {
  const [ns, local] = key.split(' ');
  if (!DECLS_BY_NS.has(ns)) DECLS_BY_NS.set(ns, new Map());
  DECLS_BY_NS.get(ns)!.set(local, decl);
}
const declOf = (e: Element) => DECLS_BY_NS.get(e.namespaceURI ?? '')?.get(e.localName ?? '');
const expanded = (p: Particle) => p.local === undefined ? `WC[${p.ns === '##any' ? '##any' : `"${p.ns}"`}]` : `"${p.ns}":${p.local}`;
const nameOf = (e: Element) => e.namespaceURI ? `{"${e.namespaceURI}":${e.localName}}` : e.localName!;
const matches = (p: Particle, e: Element) => p.local === undefined ? (p.ns === '##any' || p.ns === e.namespaceURI) : p.ns === e.namespaceURI && p.local === e.localName;

/** A sequence content model: position i in the particle list, c occurrences of particle i so far. */
class Sequence {
  i = 0; c = 0;
  constructor(private readonly model: Particle[]) {}
  expected(): Particle[] {
    const out: Particle[] = [];
    for (let i = this.i, c = this.c; i < this.model.length; i++, c = 0) {
      const p = this.model[i];
      if (c < p.max) out.push(p);
      if (c < p.min) break;
    }
    return out;
  }
  /** Consumes e, or returns the particles that were expected instead. */
  accept(e: Element): Particle[] | undefined {
    for (let i = this.i, c = this.c; i < this.model.length; i++, c = 0) {
      const p = this.model[i];
      if (c < p.max && matches(p, e)) { this.i = i; this.c = c + 1; return undefined; }
      if (c < p.min) break;
    }
    return this.expected();
  }
  complete(): boolean {
    for (let i = this.i, c = this.c; i < this.model.length; i++, c = 0) if (c < this.model[i].min) return false;
    return true;
  }
}

export function checkSchema(doc: Document, src: SourceMap): LayerResult {
  const out: Diagnostic[] = [];
  const add = (code: string, msg: string, range: SourceRange) => out.push({ layer: 'schema', severity: 'error', code: `schema/${code}`, message: PREFIX + msg, range });

  const visit = (e: Element, decl: Decl | undefined): void => {
    if (decl?.kind === 'skip') return;
    if (decl?.kind === 'complex') {
      for (const rule of decl.attrs ?? []) {
        const attr = e.getAttributeNodeNS(rule.ns, rule.local);
        const bad = attr && rule.check?.(attr.value);
        if (bad) add(bad.split(':')[0], bad, src.attributeValue(e, attr.name));
      }
      for (const rule of decl.attrs ?? []) {
        if (rule.required && !e.hasAttributeNS(rule.ns, rule.local)) add('cvc-complex-type.4', `cvc-complex-type.4: Attribute '${rule.local}' belonging to namespace '${rule.ns}', must appear on element '${e.tagName}'.`, src.name(e));
      }
    }
    const seq = decl?.kind === 'complex' ? new Sequence(decl.model) : undefined;
    let textReported = false;
    for (let n = e.firstChild; n; n = n.nextSibling) {
      if ((n.nodeType === 3 || n.nodeType === 4) && seq && !textReported && (n as any).data.trim()) {
        textReported = true;
        add('cvc-complex-type.2.3', `cvc-complex-type.2.3: Element '${e.tagName}' cannot have character [children], because the type's content type is element-only.`, src.textNode(n));
      }
      if (n.nodeType !== 1) continue;
      const child = n as Element;
      if (seq) {
        const missed = seq.accept(child);
        if (missed) {
          if (missed.length) add('cvc-complex-type.2.4.a', `cvc-complex-type.2.4.a: Invalid content was found starting with element '${nameOf(child)}'. One of '{${missed.map(expanded).join(', ')}}' is expected.`, src.name(child));
          else add('cvc-complex-type.2.4.d', `cvc-complex-type.2.4.d: Invalid content was found starting with element '${child.tagName}'. No child element is expected at this point.`, src.name(child));
        }
        // The signature wildcard is not validated (no xmldsig schema is loaded); the rest is lax: declared elements are checked.
        if (child.namespaceURI === NS.dsig) continue;
        visit(child, declOf(child));
      } else if (decl?.kind === 'literal') {
        add('cvc-complex-type.2.4.d', `cvc-complex-type.2.4.d: Invalid content was found starting with element '${child.tagName}'. No child element is expected at this point.`, src.name(child));
        visit(child, declOf(child));
      } else if (decl?.kind === 'simple') {
        add('cvc-type.3.1.2', `cvc-type.3.1.2: Element '${e.tagName}' is a simple type, so it must have no element information item [children].`, src.name(child));
        visit(child, declOf(child));
      } else visit(child, declOf(child));        // undeclared element: lax
    }
    if (seq && !seq.complete()) {
      add('cvc-complex-type.2.4.b', `cvc-complex-type.2.4.b: The content of element '${e.tagName}' is not complete. One of '{${seq.expected().map(expanded).join(', ')}}' is expected.`, src.name(e));
    }
    if (decl?.kind === 'simple') {
      const bad = decl.check(textOf(e));
      if (bad) add(bad.split(':')[0], bad, src.content(e));
    }
  };
  {
    const root = doc.documentElement!;
    const rootDecl = root.namespaceURI === NS.rdf && root.localName === 'RDF' ? declOf(root) : undefined;
    if (!rootDecl) add('cvc-elt.1.a', `cvc-elt.1.a: Cannot find the declaration of element '${root.tagName}'.`, src.name(root));
    visit(root, rootDecl);
  }
  return { diagnostics: out, message: out[0]?.message };
}
