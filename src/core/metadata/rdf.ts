/**
 * The RDF layer (docs/stratuslab.md#validation): the signature-stripped document must be RDF/XML. Checks the node/property element
 * alternation the way Sesame's RDFXMLParser does and gives its messages ('unexpected literal',
 * "unexpected attribute '…'", '<…> not allowed as property element'); the first error is the verdict.
 * Like Sesame (and the RDF/XML specification), the unqualified attributes ID, about, resource, parseType
 * and type are read as their rdf: forms, each with a warning: the original StratusLab Deprecator writes
 * `parseType="Resource"` and the original marketplace accepted it.
 */
import type { XAttr as Attr, XDocument as Document, XElement as Element, XNode as Node } from '../xmlLite';
import { NS, Diagnostic, SourceRange } from './types';
import { childElements, SourceMap } from './dom';
import type { LayerResult } from './constraints';

const XMLNS = 'http://www.w3.org/2000/xmlns/';
const NOT_NODE = new Set(['RDF', 'ID', 'about', 'bagID', 'parseType', 'resource', 'nodeID', 'datatype', 'li', 'aboutEach', 'aboutEachPrefix']);
const NOT_PROPERTY = new Set(['RDF', 'Description', 'ID', 'about', 'bagID', 'parseType', 'resource', 'nodeID', 'datatype', 'aboutEach', 'aboutEachPrefix']);
/** Attributes of a property element that are syntax, not property attributes. */
const PROPERTY_SYNTAX = new Set(['ID', 'datatype', 'parseType', 'resource', 'nodeID']);
/** Unqualified attribute names RDF/XML reads as rdf: (kept for documents written before namespaces were required). */
export const UNQUALIFIED_RDF = new Set(['ID', 'about', 'resource', 'parseType', 'type']);

const isSignature = (e: Element) => e.namespaceURI === NS.dsig && e.localName === 'Signature';
const isUnqualifiedRdf = (a: Attr) => !a.namespaceURI && !a.prefix && UNQUALIFIED_RDF.has(a.localName ?? a.name);

/** rdf:`local` of an element, or its unqualified historical form (ID, about, resource, parseType, type). */
export function rdfAttribute(el: Element, local: string): string | undefined {
  if (el.hasAttributeNS(NS.rdf, local)) return el.getAttributeNS(NS.rdf, local) ?? '';
  if (UNQUALIFIED_RDF.has(local) && el.hasAttribute(local)) {
    const a = el.getAttributeNode(local);
    if (a && !a.namespaceURI) return a.value;
  }
  return undefined;
}

export function checkRdf(doc: Document, src: SourceMap): LayerResult {
  const out: Diagnostic[] = [];
  const add = (code: string, message: string, range: SourceRange) => out.push({ layer: 'rdf', severity: 'error', code: `rdf/${code}`, message, range });
  const elements = (e: Node) => childElements(e).filter(c => !isSignature(c));
  const literalText = (e: Node) => {
    for (let n = e.firstChild; n; n = n.nextSibling) if ((n.nodeType === 3 || n.nodeType === 4) && (n as any).data.trim()) return n;
    return undefined;
  };
  /** Element content where only elements may appear: text is 'unexpected literal', reported in document order. */
  const eachChild = (e: Element, onElement: (c: Element) => void) => {
    for (let n = e.firstChild; n; n = n.nextSibling) {
      if ((n.nodeType === 3 || n.nodeType === 4) && (n as any).data.trim()) add('unexpected-literal', 'unexpected literal', src.textNode(n));
      else if (n.nodeType === 1 && !isSignature(n as Element)) onElement(n as Element);
    }
  };
  /** The element's attributes as RDF reads them: [namespace, local name, attribute], unqualified historical names as rdf:. */
  const attributes = (e: Element): [string | null, string, Attr][] => {
    const list: [string | null, string, Attr][] = [];
    for (let i = 0; i < e.attributes.length; i++) {
      const a = e.attributes.item(i)!;
      if (!isUnqualifiedRdf(a)) { list.push([a.namespaceURI, a.localName ?? a.name, a]); continue; }
      const local = a.localName ?? a.name;
      if (e.hasAttributeNS(NS.rdf, local)) {
        add('duplicate-attribute', `'${local}' is given both as rdf:${local} and without a prefix; keep one`, src.attribute(e, a.name));
        continue;
      }
      out.push({ layer: 'rdf', severity: 'warning', code: 'rdf/unqualified-attribute', range: src.attribute(e, a.name),
        message: `'${local}' without the rdf: prefix is read as rdf:${local} (an old RDF/XML form); write rdf:${local}` });
      list.push([NS.rdf, local, a]);
    }
    return list;
  };

  const nodeElement = (e: Element): void => {
    if (e.namespaceURI === NS.rdf && NOT_NODE.has(e.localName!)) add('not-allowed', `<${e.tagName}> not allowed as node element`, src.name(e));
    attributes(e);
    eachChild(e, propertyElement);
  };

  const propertyElement = (p: Element): void => {
    if (p.namespaceURI === NS.rdf && NOT_PROPERTY.has(p.localName!)) { add('not-allowed', `<${p.tagName}> not allowed as property element`, src.name(p)); return; }
    const attrs = attributes(p);
    const parseTypeAttr = attrs.find(([ns, local]) => ns === NS.rdf && local === 'parseType');
    const kids = elements(p);
    const text = literalText(p);
    const propertyAttrs = attrs.filter(([ns, local]) => ns && ns !== XMLNS && ns !== NS.xml && !(ns === NS.rdf && PROPERTY_SYNTAX.has(local)));
    // Property attributes are only allowed on an empty property element (they then describe a blank node).
    if (propertyAttrs.length && (kids.length || text || parseTypeAttr)) add('unexpected-attribute', `unexpected attribute '${propertyAttrs[0][2].name}'`, src.attribute(p, propertyAttrs[0][2].name));
    if (parseTypeAttr) {
      const parseType = parseTypeAttr[2].value;
      if (parseType === 'Resource') eachChild(p, propertyElement);
      else if (parseType === 'Collection') eachChild(p, nodeElement);
      return;                                           // 'Literal' and unknown values: XML literal, anything goes
    }
    if (!kids.length) return;                           // a plain literal (or empty)
    eachChild(p, (() => { let seen = 0; return (c: Element) => { if (seen++) add('unexpected-element', 'unexpected element', src.name(c)); else nodeElement(c); }; })());
  };

  const root = doc.documentElement!;
  if (root.namespaceURI === NS.rdf && root.localName === 'RDF') eachChild(root, nodeElement);
  else nodeElement(root);
  return { diagnostics: out, message: out.find(d => d.severity === 'error')?.message };
}
