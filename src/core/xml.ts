import { DOMParser, Document } from '@xmldom/xmldom';

/** Documents larger than this are refused before parsing (metadata is a few KiB). */
export const MAX_XML_BYTES = 8 * 1024 * 1024;

export interface XmlError { message: string; line: number; column: number }

export interface ParsedXml {
  doc: Document | undefined;
  errors: XmlError[];
}

/**
 * Parse XML without any DTD or external-entity processing: a DOCTYPE is refused outright,
 * so no entity can expand or fetch anything. Every node keeps `lineNumber`/`columnNumber`
 * (1-based) from xmldom's locator for diagnostics.
 */
export function parseXml(text: string): ParsedXml {
  const errors: XmlError[] = [];
  if (Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) {
    return { doc: undefined, errors: [{ message: `document is larger than ${MAX_XML_BYTES} bytes; metadata documents are small, check that this is the right file`, line: 1, column: 1 }] };
  }
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) {
    const pos = positionAt(text, doctype.index);
    return { doc: undefined, errors: [{ message: 'DOCTYPE declarations are not allowed (no DTD or external entities are processed); remove the <!DOCTYPE …> line', ...pos }] };
  }
  let fatal = false;
  const parser = new DOMParser({
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
