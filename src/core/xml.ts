import type { Document } from '@xmldom/xmldom';

// xmldom loads with the first document parsed, not when the extension activates.
const xmldom = (): typeof import('@xmldom/xmldom') => require('@xmldom/xmldom');

/** Documents larger than this are refused before parsing (metadata is a few KiB). */
export const MAX_XML_BYTES = 8 * 1024 * 1024;

/** Metadata is a few dozen elements a few levels deep; these bound the DOM and every walk over it. */
export const XML_LIMITS = { maxBytes: MAX_XML_BYTES, maxElements: 50_000, maxDepth: 256 } as const;

export interface XmlLimits { maxBytes?: number; maxElements?: number; maxDepth?: number }

/** A document over a size, element-count or nesting limit; thrown by checkXmlLimits before any DOM is built. */
export class XmlLimitError extends Error {
  constructor(readonly kind: 'bytes' | 'elements' | 'depth', readonly limit: number, readonly line: number, readonly column: number, message: string) {
    super(message);
    this.name = 'XmlLimitError';
  }
}

export interface XmlError { message: string; line: number; column: number }

export interface ParsedXml {
  doc: Document | undefined;
  errors: XmlError[];
  /** Set when the document was refused for a limit (then `errors` holds its one line). */
  limit?: XmlLimitError;
}

/**
 * Counts elements and nesting with a linear scan of the markup (comments, CDATA, processing instructions and
 * quoted attribute values skipped) and throws XmlLimitError at the first limit passed. Cheap enough to run
 * before every parse; meant to run before any signature work on untrusted input.
 */
export function checkXmlLimits(text: string, limits: XmlLimits = {}): void {
  const maxBytes = limits.maxBytes ?? XML_LIMITS.maxBytes, maxElements = limits.maxElements ?? XML_LIMITS.maxElements, maxDepth = limits.maxDepth ?? XML_LIMITS.maxDepth;
  // UTF-8 is at most 3 bytes per UTF-16 unit: only count exactly when the length alone cannot decide.
  if (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new XmlLimitError('bytes', maxBytes, 1, 1, `document is larger than ${maxBytes} bytes; metadata documents are small, check that this is the right file`);
  }
  let elements = 0, depth = 0;
  const fail = (kind: 'elements' | 'depth', limit: number, at: number, what: string) => {
    const { line, column } = positionAt(text, at);
    return new XmlLimitError(kind, limit, line, column, `${what} (line ${line}); metadata documents are small, check that this is the right file`);
  };
  const skipTo = (from: number, end: string) => { const j = text.indexOf(end, from); return j < 0 ? text.length : j + end.length; };
  for (let i = text.indexOf('<'); i >= 0 && i < text.length; i = text.indexOf('<', i)) {
    const c = text.charCodeAt(i + 1);
    if (text.startsWith('<!--', i)) { i = skipTo(i + 4, '-->'); continue; }
    if (text.startsWith('<![CDATA[', i)) { i = skipTo(i + 9, ']]>'); continue; }
    if (c === 63 /* ? */) { i = skipTo(i + 2, '?>'); continue; }
    if (c === 33 /* ! */) { i = skipTo(i + 2, '>'); continue; }
    if (c === 47 /* / */) { depth--; i = skipTo(i + 2, '>'); continue; }
    // a start tag: find its end outside quoted attribute values
    let j = i + 1, q = 0;
    for (; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (q) { if (d === q) q = 0; } else if (d === 34 || d === 39) q = d; else if (d === 62 /* > */) break;
    }
    if (++elements > maxElements) throw fail('elements', maxElements, i, `document has more than ${maxElements} elements`);
    if (text.charCodeAt(j - 1) !== 47 /* / */ && ++depth > maxDepth) throw fail('depth', maxDepth, i, `elements are nested deeper than ${maxDepth} elements`);
    i = j + 1;
  }
}

/**
 * What every parse checks first (parseXml, parseXmlLite): the limits, then no DOCTYPE. Returns the refusal,
 * or undefined when the text may be parsed.
 */
export function preflightXml(text: string, limits: XmlLimits = {}): (ParsedXml & { doc: undefined }) | undefined {
  try {
    checkXmlLimits(text, limits);
  } catch (e) {
    if (!(e instanceof XmlLimitError)) throw e;
    return { doc: undefined, errors: [{ message: e.message, line: e.line, column: e.column }], limit: e };
  }
  const doctype = doctypeAt(text);
  if (doctype >= 0) {
    const pos = positionAt(text, doctype);
    return { doc: undefined, errors: [{ message: 'DOCTYPE declarations are not allowed (no DTD or external entities are processed); remove the <!DOCTYPE …> line', ...pos }] };
  }
  return undefined;
}

/** Offset of the first '<!DOCTYPE' in any letter case, or -1 (an indexOf per '<!': a case-blind regex scan costs more). */
function doctypeAt(text: string): number {
  for (let i = text.indexOf('<!'); i >= 0; i = text.indexOf('<!', i + 2)) if (text.slice(i + 2, i + 9).toUpperCase() === 'DOCTYPE') return i;
  return -1;
}

/**
 * Parse XML without any DTD or external-entity processing: a DOCTYPE is refused outright,
 * so no entity can expand or fetch anything. Every node keeps `lineNumber`/`columnNumber`
 * (1-based) from xmldom's locator for diagnostics. Over-limit documents (XML_LIMITS, or `limits`) are refused
 * before parsing with one error, so no walk over the DOM can exhaust the stack or memory.
 */
export function parseXml(text: string, limits: XmlLimits = {}): ParsedXml {
  const refused = preflightXml(text, limits);
  if (refused) return refused;
  const errors: XmlError[] = [];
  let fatal = false;
  const parser = new (xmldom().DOMParser)({
    locator: true,
    onError: (level: string, msg: string, ctx?: unknown) => {
      const m = /line:\s*(\d+)[^\d]+col(?:umn)?:\s*(\d+)/i.exec(String(msg));
      const loc = (ctx as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined)?.locator;
      errors.push({ message: String(msg).replace(/\s*@#\[line:.*$/s, '').trim(), line: loc?.lineNumber ?? (m ? +m[1] : 1), column: loc?.columnNumber ?? (m ? +m[2] : 1) });
      if (level === 'fatalError' || level === 'error') fatal = true;
    },
  } as any);
  let doc: Document | undefined;
  try {
    doc = parser.parseFromString(text, 'text/xml');
  } catch (e) {
    const loc = (e as { locator?: { lineNumber?: number; columnNumber?: number } }).locator;
    if (!errors.length) errors.push({ message: (e as Error).message, line: loc?.lineNumber ?? 1, column: loc?.columnNumber ?? 1 });
    fatal = true;
  }
  if (fatal || !doc || !doc.documentElement) return { doc: undefined, errors: errors.length ? errors : [{ message: 'not a well-formed XML document', line: 1, column: 1 }] };
  return { doc, errors };
}

export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1, last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) { line++; last = i; }
  return { line, column: offset - last };
}

/** A document whose bytes cannot be read as text in its declared (or default UTF-8) encoding. */
export class XmlEncodingError extends Error {
  constructor(message: string) { super(message); this.name = 'XmlEncodingError'; }
}

/**
 * Bytes of an XML file → text, as an XML processor reads them: a byte-order mark (UTF-8, UTF-16 LE/BE) wins,
 * else the encoding the XML declaration names (UTF-8, UTF-16 with its BOM, ISO-8859-1/Latin-1, US-ASCII),
 * else UTF-8. Bytes that are not valid in that encoding, and other encodings, are refused with what to do —
 * never read as replacement characters that would then be signed.
 */
export function decodeXml(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strict = (label: string, data: Buffer) => {
    try { return new TextDecoder(label, { fatal: true }).decode(data); } catch {
      throw new XmlEncodingError(`the document is not valid ${label.toUpperCase()}; declare its real encoding in <?xml … encoding="…"?> or save it as UTF-8`);
    }
  };
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return strict('utf-8', b.subarray(3));
  if (b[0] === 0xff && b[1] === 0xfe) return strict('utf-16le', b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return strict('utf-16be', b.subarray(2));
  if ((b[0] === 0x3c && b[1] === 0) || (b[0] === 0 && b[1] === 0x3c)) {
    throw new XmlEncodingError('the document looks like UTF-16 without a byte-order mark; save it as UTF-8 (or UTF-16 with a BOM)');
  }
  // The declaration is ASCII in every encoding we read without a BOM.
  const decl = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(b.subarray(0, 200).toString('latin1'));
  const enc = (decl?.[1] ?? 'UTF-8').toUpperCase().replace(/_/g, '-');
  if (enc === 'UTF-8' || enc === 'UTF8') return strict('utf-8', b);
  if (['ISO-8859-1', 'ISO8859-1', 'LATIN1', 'LATIN-1', 'L1', 'ISO-IR-100', 'CP819', 'IBM819'].includes(enc)) return b.toString('latin1');
  if (enc === 'US-ASCII' || enc === 'ASCII') {
    const bad = b.findIndex(x => x > 0x7f);
    if (bad >= 0) throw new XmlEncodingError(`the document declares US-ASCII but has a non-ASCII byte at offset ${bad}; declare its real encoding or save it as UTF-8`);
    return b.toString('latin1');
  }
  if (enc.startsWith('UTF-16')) throw new XmlEncodingError(`the document declares ${decl![1]} but has no byte-order mark; save it as UTF-8 (or UTF-16 with a BOM)`);
  throw new XmlEncodingError(`the document declares encoding ${decl![1]}, which Stratus does not read; save it as UTF-8`);
}

/** The XML declaration of a text that is about to be written as UTF-8 names UTF-8 (signatures do not cover it). */
export function declareUtf8(text: string): string {
  return text.replace(/^(\uFEFF?<\?xml\s[^>]*?encoding\s*=\s*)(["'])([^"']*)\2/, (m, head: string, q: string, enc: string) => (/^utf-?8$/i.test(enc) ? m : `${head}${q}UTF-8${q}`));
}
