/**
 * The RDF layer (§3.5): the signature-stripped document must be RDF/XML. Checks the node/property element
 * alternation the way Sesame's RDFXMLParser does and gives its messages ('unexpected literal',
 * "unexpected attribute '…'", '<…> not allowed as property element'); the first one is the verdict.
 */
import type { Document, Element, Node } from '@xmldom/xmldom';
import { NS, Diagnostic, SourceRange } from './types';
import { childElements, SourceMap } from './dom';
import type { LayerResult } from './constraints';

const XMLNS = 'http://www.w3.org/2000/xmlns/';
const NOT_NODE = new Set(['RDF', 'ID', 'about', 'bagID', 'parseType', 'resource', 'nodeID', 'datatype', 'li', 'aboutEach', 'aboutEachPrefix']);
const NOT_PROPERTY = new Set(['RDF', 'Description', 'ID', 'about', 'bagID', 'parseType', 'resource', 'nodeID', 'datatype', 'aboutEach', 'aboutEachPrefix']);
/** Attributes of a property element that are syntax, not property attributes. */
const PROPERTY_SYNTAX = new Set(['ID', 'datatype', 'parseType', 'resource', 'nodeID']);

const isSignature = (e: Element) => e.namespaceURI === NS.dsig && e.localName === 'Signature';

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

  const nodeElement = (e: Element): void => {
    if (e.namespaceURI === NS.rdf && NOT_NODE.has(e.localName!)) add('not-allowed', `<${e.tagName}> not allowed as node element`, src.name(e));
    eachChild(e, propertyElement);
  };

  const propertyElement = (p: Element): void => {
    if (p.namespaceURI === NS.rdf && NOT_PROPERTY.has(p.localName!)) { add('not-allowed', `<${p.tagName}> not allowed as property element`, src.name(p)); return; }
    const parseType = p.getAttributeNS(NS.rdf, 'parseType');
    const hasParseType = p.hasAttributeNS(NS.rdf, 'parseType');
    const kids = elements(p);
    const text = literalText(p);
    const propertyAttrs = Array.from({ length: p.attributes.length }, (_, i) => p.attributes.item(i)!)
      .filter(a => a.namespaceURI && a.namespaceURI !== XMLNS && a.namespaceURI !== NS.xml && !(a.namespaceURI === NS.rdf && PROPERTY_SYNTAX.has(a.localName!)));
    // Property attributes are only allowed on an empty property element (they then describe a blank node).
    if (propertyAttrs.length && (kids.length || text || hasParseType)) add('unexpected-attribute', `unexpected attribute '${propertyAttrs[0].name}'`, src.attribute(p, propertyAttrs[0].name));
    if (hasParseType) {
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
  return { diagnostics: out, message: out[0]?.message };
}
