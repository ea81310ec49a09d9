/**
 * A light, read-only DOM for reading metadata fast (the editor's diagnostics on every edit). saxes (a strict,
 * namespace-aware XML 1.0 parser) drives it; building plain nodes instead of xmldom's costs a tenth of
 * xmldom's parse on a large document. It keeps the security of parseXml: the same limits and DOCTYPE refusal
 * run first, and saxes never expands an entity beyond the five predefined ones and character references.
 * Anything saxes refuses returns undefined, so callers fall back to parseXml for xmldom's error messages:
 * what is reported for a broken document does not change.
 *
 * XNode/XElement/XAttr/XDocument are the read-only part of the DOM both trees share, so the validation layers
 * take either.
 */
import { preflightXml } from './xml';

export interface XNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly parentNode: XNode | null;
  readonly firstChild: XNode | null;
  readonly lastChild: XNode | null;
  readonly nextSibling: XNode | null;
  readonly previousSibling: XNode | null;
}
export interface XAttr { readonly name: string; readonly namespaceURI: string | null; readonly prefix: string | null; readonly localName: string | null; readonly value: string }
export interface XElement extends XNode {
  readonly namespaceURI: string | null;
  readonly prefix: string | null;
  readonly localName: string | null;
  readonly tagName: string;
  readonly attributes: { readonly length: number; item(i: number): XAttr | null };
  getAttributeNS(ns: string | null, local: string): string | null;
  getAttributeNodeNS(ns: string | null, local: string): XAttr | null;
  hasAttributeNS(ns: string | null, local: string): boolean;
  getAttribute(qname: string): string | null;
  getAttributeNode(qname: string): XAttr | null;
  hasAttribute(qname: string): boolean;
}
export interface XDocument extends XNode { readonly documentElement: XElement | null }

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

class LiteNode implements XNode {
  parentNode: LiteNode | null = null;
  firstChild: LiteNode | null = null;
  lastChild: LiteNode | null = null;
  nextSibling: LiteNode | null = null;
  previousSibling: LiteNode | null = null;
  /** Offset of the node's first character in the text (an element's '<'); SourceMap reads it. */
  constructor(readonly nodeType: number, readonly nodeName: string, readonly start: number) {}
  append(c: LiteNode): void {
    c.parentNode = this;
    if (this.lastChild) { this.lastChild.nextSibling = c; c.previousSibling = this.lastChild; } else this.firstChild = c;
    this.lastChild = c;
  }
}

/** Text (3), CDATA (4), comment (8) or processing instruction (7): `data` as xmldom has it. */
class LiteData extends LiteNode {
  constructor(nodeType: number, nodeName: string, start: number, public data: string) { super(nodeType, nodeName, start); }
}

class LiteAttr implements XAttr {
  constructor(readonly name: string, readonly namespaceURI: string | null, readonly prefix: string | null, readonly localName: string, readonly value: string) {}
}

class LiteAttrs {
  constructor(private readonly list: LiteAttr[]) {}
  get length(): number { return this.list.length; }
  item(i: number): LiteAttr | null { return this.list[i] ?? null; }
  byNS(ns: string | null, local: string): LiteAttr | null {
    for (const a of this.list) if (a.localName === local && a.namespaceURI === (ns || null)) return a;
    return null;
  }
  byName(qname: string): LiteAttr | null {
    for (const a of this.list) if (a.name === qname) return a;
    return null;
  }
}

const NO_ATTRS = new LiteAttrs([]);

class LiteElement extends LiteNode implements XElement {
  constructor(readonly tagName: string, readonly namespaceURI: string | null, readonly prefix: string | null, readonly localName: string, start: number, readonly attributes: LiteAttrs) {
    super(1, tagName, start);
  }
  getAttributeNS(ns: string | null, local: string): string | null { return this.attributes.byNS(ns, local)?.value ?? null; }
  getAttributeNodeNS(ns: string | null, local: string): XAttr | null { return this.attributes.byNS(ns, local); }
  hasAttributeNS(ns: string | null, local: string): boolean { return this.attributes.byNS(ns, local) !== null; }
  getAttribute(qname: string): string | null { return this.attributes.byName(qname)?.value ?? null; }
  getAttributeNode(qname: string): XAttr | null { return this.attributes.byName(qname); }
  hasAttribute(qname: string): boolean { return this.attributes.byName(qname) !== null; }
}

export class LiteDocument extends LiteNode implements XDocument {
  documentElement: LiteElement | null = null;
  /** Every element in document order, kept while parsing (descendants(doc) is this list). */
  readonly elements: LiteElement[] = [];
  /** Whether any ds:Signature element occurs (the signature check needs xmldom's DOM, so it parses only then). */
  hasSignature = false;
  constructor() { super(9, '#document', 0); }
}

// saxes loads with the first document read, not when the extension activates.
const saxes = (): typeof import('saxes') => require('saxes');

type Tag = import('saxes').SaxesTagNS;
interface Handlers {
  errorHandler(e: Error): void; doctypeHandler(d: string): void; xmldeclHandler(): void;
  textHandler(t: string): void; cdataHandler(t: string): void; commentHandler(t: string): void;
  piHandler(pi: { target: string; body: string }): void;
  openTagHandler(tag: Tag): void; closeTagHandler(tag: Tag): void;
}

/** Thrown inside the saxes callbacks to stop at the first error. */
const REFUSED = Symbol('refused');

/**
 * Parses `text` into a light DOM, or returns undefined when the document is over a limit, has a DOCTYPE or is
 * not well-formed namespace XML (use parseXml then: it reports why, in xmldom's words).
 */
export function parseXmlLite(text: string): LiteDocument | undefined {
  if (preflightXml(text)) return undefined;
  if (text.charCodeAt(0) === 0xfeff) return undefined;   // xmldom refuses a byte-order mark inside a string: keep its verdict
  const doc = new LiteDocument();
  const parser = new (saxes().SaxesParser)({ xmlns: true, position: true });
  // saxes's on() stores each handler under a computed key, which turns the parser into a slow dictionary-mode
  // object in V8 (5x slower on a large document); plain property stores keep it fast. If a saxes release renames
  // these fields no handler runs, no root is built and callers fall back to parseXml (slow, still right).
  const on = parser as unknown as Handlers;
  let current: LiteNode = doc;
  // Where the next node starts: the end of the last markup, or the '<' that ended the last text.
  let cursor = 0;
  on.errorHandler = () => { throw REFUSED; };
  on.doctypeHandler = () => { throw REFUSED; };
  on.xmldeclHandler = () => { cursor = parser.position; };
  on.textHandler = t => {
    const at = cursor;
    cursor = parser.position - 1;
    if (current === doc && !t.trim()) return;        // whitespace around the root belongs to no element
    const last = current.lastChild;
    if (last && last.nodeType === 3) (last as LiteData).data += t;
    else current.append(new LiteData(3, '#text', at, t));
  };
  on.cdataHandler = t => { current.append(new LiteData(4, '#cdata-section', cursor, t)); cursor = parser.position; };
  on.commentHandler = t => { current.append(new LiteData(8, '#comment', cursor, t)); cursor = parser.position + 1; };   // saxes reports it before the closing '>'
  on.piHandler = pi => { current.append(new LiteData(7, pi.target, cursor, pi.body)); cursor = parser.position; };
  on.openTagHandler = tag => {
    const list: LiteAttr[] = [];
    for (const name in tag.attributes) {
      const a = tag.attributes[name];
      list.push(new LiteAttr(a.name, a.uri || null, a.prefix || null, a.local, a.value));
    }
    const el = new LiteElement(tag.name, tag.uri || null, tag.prefix || null, tag.local, cursor, list.length ? new LiteAttrs(list) : NO_ATTRS);
    if (el.localName === 'Signature' && el.namespaceURI === DSIG) doc.hasSignature = true;
    doc.elements.push(el);
    if (current === doc) doc.documentElement = el;
    current.append(el);
    if (!tag.isSelfClosing) current = el;
    cursor = parser.position;
  };
  on.closeTagHandler = tag => {
    if (!tag.isSelfClosing) current = current.parentNode!;
    cursor = parser.position;
  };
  try {
    parser.write(text).close();
  } catch (e) {
    if (e === REFUSED) return undefined;
    throw e;
  }
  return doc.documentElement ? doc : undefined;
}
