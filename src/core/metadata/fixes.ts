/**
 * Text edits behind the editor's quick fixes, as offsets into the original text (pure, so they are tested
 * without VS Code). Each returns [] when there is nothing to change.
 */
import type { Element } from '@xmldom/xmldom';
import type { XElement } from '../xmlLite';
import { parseXml } from '../xml';
import { NS } from './types';
import { childElements, descendants, descriptions, kids, textOf, SourceMap } from './dom';
import { UNQUALIFIED_RDF } from './rdf';
import { sha1ToIdentifier } from './identifier';
import { CLIENT_REQUIRED, ImageDigests } from './advice';
import { isoSeconds, validUntil } from './build';

export interface TextEdit { start: number; end: number; newText: string }

function load(text: string) {
  const parsed = parseXml(text);
  const desc = parsed.doc && descriptions(parsed.doc)[0] as Element | undefined;   // xmldom's: prefixesOf needs lookupPrefix
  if (!desc) return undefined;
  return { desc, src: new SourceMap(text), prefixes: prefixesOf(desc) };
}

function prefixesOf(el: Element): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [ns, fallback] of [[NS.dcterms, 'dcterms'], [NS.slreq, 'slreq'], [NS.slterms, 'slterms'], [NS.rdf, 'rdf']]) out[ns] = el.lookupPrefix(ns) ?? fallback;
  return out;
}

const span = (src: SourceMap, r: { line: number; column: number; endLine: number; endColumn: number }) => ({ start: src.offset(r.line, r.column), end: src.offset(r.endLine, r.endColumn) });
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Replace an element's text, or give it one when empty/self-closing. */
function setContent(src: SourceMap, el: XElement, value: string): TextEdit {
  const r = src.content(el);
  const tag = src.element(el);
  const s = span(src, r);
  if (r.line === tag.line && r.column === tag.column) {
    // self-closing or mixed: rewrite the whole element
    const t = span(src, tag);
    if (src.text.slice(t.start, t.end).endsWith('/>')) return { start: t.start, end: t.end, newText: `${src.text.slice(t.start, t.end - 2).trimEnd()}>${esc(value)}</${el.tagName}>` };
  }
  return { ...s, newText: esc(value) };
}

/** Indentation of the Description's children, for inserted elements. */
function childIndent(src: SourceMap, desc: XElement): string {
  const first = kids(desc, NS.dcterms, 'identifier')[0] ?? childElements(desc)[0];
  if (!first) return '    ';
  const r = src.element(first);
  return src.text.slice(src.offset(r.line, 1), src.offset(r.line, r.column)).replace(/\S.*$/, '') || '    ';
}

function insertInDescription(src: SourceMap, desc: XElement, lines: string[]): TextEdit {
  const at = src.endTagStart(desc);
  const indent = childIndent(src, desc);
  const before = src.text.slice(0, at);
  const lineStart = before.lastIndexOf('\n') + 1;
  const onOwnLine = !before.slice(lineStart).trim();
  const start = onOwnLine ? lineStart : at;
  return { start, end: start, newText: (onOwnLine ? '' : '\n') + lines.map(l => indent + l + '\n').join('') };
}

/** rdf:about := '#' + dcterms:identifier. */
export function fixAbout(text: string): TextEdit[] {
  const m = load(text);
  const id = m && kids(m.desc, NS.dcterms, 'identifier')[0];
  if (!m || !id || !m.desc.hasAttributeNS(NS.rdf, 'about')) return [];
  const value = '#' + textOf(id).trim();
  if (m.desc.getAttributeNS(NS.rdf, 'about') === value) return [];
  return [{ ...span(m.src, m.src.attributeValue(m.desc, m.desc.getAttributeNodeNS(NS.rdf, 'about')!.name)), newText: esc(value).replace(/"/g, '&quot;') }];
}

/** dcterms:valid := now + 6 months (inserted when absent). */
export function setValidity(text: string, now = new Date()): TextEdit[] {
  const m = load(text);
  if (!m) return [];
  const value = isoSeconds(validUntil(now));
  const valid = kids(m.desc, NS.dcterms, 'valid')[0];
  return [valid ? setContent(m.src, valid, value) : insertInDescription(m.src, m.desc, [`<${m.prefixes[NS.dcterms]}:valid>${value}</${m.prefixes[NS.dcterms]}:valid>`])];
}

/** Adds every element the client requires (marked "P", docs/stratuslab.md#metadata-elements) that is missing, empty unless a sensible value exists. */
export function addMissingElements(text: string, now = new Date()): TextEdit[] {
  const m = load(text);
  if (!m) return [];
  const present = new Set<string>();
  const walk = (e: XElement) => { present.add(`${e.namespaceURI} ${e.localName}`); for (const c of childElements(e)) walk(c); };
  walk(m.desc);
  const defaults: Record<string, string> = { type: 'base', created: isoSeconds(now), valid: isoSeconds(validUntil(now)) };
  const lines = CLIENT_REQUIRED.filter(([ns, local]) => !present.has(`${ns} ${local}`) && local !== 'identifier' && local !== 'bytes')
    .map(([ns, local]) => { const q = `${m.prefixes[ns]}:${local}`; return defaults[local] ? `<${q}>${defaults[local]}</${q}>` : `<${q}/>`; });
  return lines.length ? [insertInDescription(m.src, m.desc, lines)] : [];
}

const ALG: Record<string, keyof ImageDigests> = { 'MD5': 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

/** identifier, rdf:about, bytes and every checksum value from an image's digests. Edits are ordered and disjoint. */
export function applyDigests(text: string, d: ImageDigests): TextEdit[] {
  const m = load(text);
  if (!m) return [];
  const { desc, src } = m;
  const edits: TextEdit[] = [];
  const id = sha1ToIdentifier(d.sha1);
  const aboutAttr = desc.getAttributeNodeNS(NS.rdf, 'about');
  if (aboutAttr && aboutAttr.value !== '#' + id) edits.push({ ...span(src, src.attributeValue(desc, aboutAttr.name)), newText: '#' + id });
  const idEl = kids(desc, NS.dcterms, 'identifier')[0];
  if (idEl && textOf(idEl).trim() !== id) edits.push(setContent(src, idEl, id));
  const bytes = kids(desc, NS.slreq, 'bytes')[0];
  if (bytes && textOf(bytes).trim() !== String(d.bytes)) edits.push(setContent(src, bytes, String(d.bytes)));
  for (const c of kids(desc, NS.slreq, 'checksum')) {
    const alg = kids(c, NS.slreq, 'algorithm')[0], val = kids(c, NS.slreq, 'value')[0];
    const key = alg && ALG[textOf(alg).trim()];
    if (key && val && textOf(val).trim() !== String(d[key])) edits.push(setContent(src, val, String(d[key])));
  }
  return edits.sort((a, b) => a.start - b.start);
}

/** Applies offset edits to a string (for tests and for writing files). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/**
 * Qualifies the unqualified RDF attribute (ID, about, resource, parseType, type) that starts at `range`
 * (the rdf/unqualified-attribute diagnostic's range) with the rdf prefix in scope there, declaring
 * xmlns:rdf on the element when the RDF namespace has no prefix.
 */
export function qualifyRdfAttribute(text: string, range: { line: number; column: number }): TextEdit[] {
  const parsed = parseXml(text);
  if (!parsed.doc) return [];
  const src = new SourceMap(text);
  const at = src.offset(range.line, range.column);
  const m = /^([A-Za-z]+)\s*=/.exec(text.slice(at, at + 20));
  if (!m || !UNQUALIFIED_RDF.has(m[1])) return [];
  for (const el of descendants(parsed.doc) as Element[]) {   // xmldom's: lookupPrefix below
    const tag = span(src, src.element(el));
    if (at <= tag.start || at >= tag.end) continue;
    const attr = el.getAttributeNode(m[1]);
    if (!attr || attr.namespaceURI) return [];
    const prefix = el.lookupPrefix(NS.rdf);
    return [{ start: at, end: at, newText: prefix ? `${prefix}:` : `xmlns:rdf="${NS.rdf}" rdf:` }];
  }
  return [];
}

/** The checksum algorithms a complete entry carries (what build-metadata writes by default). */
export const FULL_CHECKSUMS = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'] as const;

/** Which of MD5/SHA-1/SHA-256/SHA-512 the entry has no checksum for (a saved image's draft has only SHA-1). */
export function missingChecksums(text: string): string[] {
  const m = load(text);
  if (!m) return [];
  const have = new Set(kids(m.desc, NS.slreq, 'checksum').map(c => kids(c, NS.slreq, 'algorithm')[0]).filter(Boolean).map(a => textOf(a).trim()));
  return FULL_CHECKSUMS.filter(a => !have.has(a));
}

/** Adds the missing checksum elements with the image's values, right after the last checksum (the schema's order). */
export function addMissingChecksums(text: string, d: ImageDigests): TextEdit[] {
  const m = load(text);
  if (!m) return [];
  const missing = missingChecksums(text);
  const sums = kids(m.desc, NS.slreq, 'checksum');
  if (!missing.length || !sums.length) return [];
  const last = sums[sums.length - 1];
  const at = m.src.text.indexOf('>', m.src.endTagStart(last)) + 1;
  const q = m.prefixes[NS.slreq], rdf = m.prefixes[NS.rdf];
  const indent = childIndent(m.src, m.desc);
  const newText = missing.map(a => `\n${indent}<${q}:checksum ${rdf}:parseType="Resource"><${q}:algorithm>${a}</${q}:algorithm><${q}:value>${d[ALG[a]]}</${q}:value></${q}:checksum>`).join('');
  return [{ start: at, end: at, newText }];
}
