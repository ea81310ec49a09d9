/** DOM walking and exact source ranges for metadata diagnostics (elements, attributes, text content). */
import { LiteDocument, type XDocument as Document, type XElement as Element, type XNode as Node } from '../xmlLite';
import { NS, SourceRange } from './types';

export const ELEMENT_NODE = 1, TEXT_NODE = 3, CDATA_NODE = 4;

export function childElements(el: Node): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT_NODE) out.push(c as Element);
  return out;
}

export function kids(el: Node, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT_NODE && (c as Element).localName === local && (c as Element).namespaceURI === ns) out.push(c as Element);
  }
  return out;
}

/** Children of one element grouped by expanded name, built once: for repeated lookups on large Descriptions. */
export function childIndex(el: Node): (ns: string, local: string) => Element[] {
  const byNs = new Map<string | null, Map<string | null, Element[]>>();   // two levels: no key string per child
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== ELEMENT_NODE) continue;
    const e = c as Element;
    let byLocal = byNs.get(e.namespaceURI);
    if (!byLocal) byNs.set(e.namespaceURI, byLocal = new Map());
    const list = byLocal.get(e.localName);
    if (list) list.push(e); else byLocal.set(e.localName, [e]);
  }
  return (ns, local) => byNs.get(ns)?.get(local) ?? [];
}

/**
 * All elements in document order (iterative, no recursion: deep documents must not blow the stack). Treat the
 * result as read-only: for a light document it is the list the parser kept.
 */
export function descendants(root: Node): Element[] {
  if (root instanceof LiteDocument) return root.elements;
  const out: Element[] = [];
  if (root.nodeType === ELEMENT_NODE) out.push(root as Element);
  let n: Node | null = root.firstChild;
  while (n) {
    if (n.nodeType === ELEMENT_NODE) out.push(n as Element);
    if (n.firstChild) { n = n.firstChild; continue; }
    while (n && n !== root && !n.nextSibling) n = n.parentNode;
    if (!n || n === root) break;
    n = n.nextSibling;
  }
  return out;
}

/** XPath string-value: all descendant text. */
export function textOf(el: Node): string {
  let s = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) s += (c as any).data;
    else if (c.nodeType === ELEMENT_NODE) s += textOf(c);
  }
  return s;
}

/** The `//rdf:RDF/rdf:Description` node set of the original's XPath checks. */
export function descriptions(doc: Document, all: Element[] = descendants(doc)): Element[] {
  return all.filter(e => e.namespaceURI === NS.rdf && e.localName === 'RDF').flatMap(r => kids(r, NS.rdf, 'Description'));
}

export function is(el: Element, ns: string, local: string): boolean { return el.namespaceURI === ns && el.localName === local; }

/** Maps nodes to offsets in the text (the light DOM's `start`, or xmldom's 1-based line/column locators) and back. */
export class SourceMap {
  private readonly lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }
  offset(line: number, column: number): number {
    return (this.lineStarts[line - 1] ?? this.text.length) + column - 1;
  }
  pos(offset: number): { line: number; column: number } {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (this.lineStarts[mid] <= offset) lo = mid; else hi = mid - 1; }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }
  range(start: number, end: number): SourceRange {
    const a = this.pos(start), b = this.pos(end);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
  private startOf(n: Node): number {
    const start = (n as { start?: number }).start;
    if (start !== undefined) return start;
    const ln = (n as any).lineNumber as number | undefined, col = (n as any).columnNumber as number | undefined;
    return ln ? this.offset(ln, col ?? 1) : 0;
  }
  /** Offset just past the '>' of an element's start tag. */
  private startTagEnd(el: Element): number {
    let q = '';
    for (let i = this.startOf(el); i < this.text.length; i++) {
      const c = this.text[i];
      if (q) { if (c === q) q = ''; } else if (c === '"' || c === "'") q = c; else if (c === '>') return i + 1;
    }
    return this.text.length;
  }
  /** The element's start tag. */
  element(el: Element): SourceRange {
    return this.range(this.startOf(el), this.startTagEnd(el));
  }
  /** The element's name inside its start tag (what editors underline). */
  name(el: Element): SourceRange {
    const s = this.startOf(el) + 1;
    return this.range(s, s + el.tagName.length);
  }
  /** `name="value"` inside the start tag; falls back to the start tag. */
  attribute(el: Element, qname: string): SourceRange {
    const s = this.startOf(el), tag = this.text.slice(s, this.startTagEnd(el));
    const m = new RegExp(`\\s(${qname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})\\s*=\\s*("[^"]*"|'[^']*')`).exec(tag);
    return m ? this.range(s + m.index + 1, s + m.index + m[0].length) : this.element(el);
  }
  /** Just the attribute's value (without quotes). */
  attributeValue(el: Element, qname: string): SourceRange {
    const r = this.attribute(el, qname);
    const a = this.offset(r.line, r.column), b = this.offset(r.endLine, r.endColumn);
    const eq = this.text.indexOf('=', a);
    if (eq < 0 || eq >= b) return r;
    const q = this.text.slice(eq).search(/["']/) + eq;
    return this.range(q + 1, b - 1);
  }
  /** Trimmed text content of an element without child elements; the start tag for an empty element or a mixed one. */
  content(el: Element): SourceRange {
    const s = this.startTagEnd(el);
    if (this.text[s - 2] === '/' || childElements(el).length) return this.element(el);
    const end = this.text.indexOf('</', s);
    if (end < 0) return this.element(el);
    const raw = this.text.slice(s, end), lead = raw.length - raw.trimStart().length, trail = raw.length - raw.trimEnd().length;
    return raw.trim() ? this.range(s + lead, end - trail) : this.range(s, end);
  }
  /** Where content would be inserted: just before the element's end tag (or its start tag when self-closing). */
  endTagStart(el: Element): number {
    const s = this.startTagEnd(el);
    if (this.text[s - 2] === '/') return s;
    const closing = `</${el.tagName}`;
    let depth = 0;
    const re = new RegExp(`<(/?)${el.tagName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s>/]`, 'g');
    re.lastIndex = s;
    for (let m = re.exec(this.text); m; m = re.exec(this.text)) {
      if (m[1]) { if (depth === 0) return m.index; depth--; } else if (!this.text.slice(m.index, this.text.indexOf('>', m.index) + 1).endsWith('/>')) depth++;
    }
    return this.text.lastIndexOf(closing);
  }
  /** A text node's trimmed extent. */
  textNode(n: Node): SourceRange {
    const s = this.startOf(n), data: string = (n as any).data ?? '';
    const lead = data.length - data.trimStart().length;
    return this.range(s + lead, s + lead + data.trim().length);
  }
}
