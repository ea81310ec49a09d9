import { parseXml } from '../xml';
import type { Element } from '@xmldom/xmldom';
import { NS } from '../metadata/types';
import { rdfAttribute } from '../metadata/rdf';

type RdfValue = { type: 'literal' | 'bnode' | 'uri'; value: string };
export type RdfJson = Record<string, Record<string, RdfValue[]>>;

/**
 * The signature-stripped RDF of one entry as RDF/JSON (the server's JSON form of GET /metadata/{id}/{email}/{created}).
 * Covers the shapes metadata uses: literals, rdf:parseType="Resource" blank nodes, rdf:resource references.
 */
export function toRdfJson(xml: string): RdfJson {
  const { doc } = parseXml(xml);
  if (!doc) throw new Error('unable to parse metadata');
  const root = doc.documentElement!;
  const base = root.getAttributeNS(NS.xml, 'base') || 'http://mp.stratuslab.eu/';
  const out: RdfJson = {};
  let bnodes = 0;
  const resolve = (ref: string) => (/^[a-z][a-z0-9+.-]*:/i.test(ref) ? ref : ref.startsWith('#') ? base.replace(/#.*$/, '') + ref : new URL(ref, base).toString());
  const describe = (subject: string, el: Element) => {
    const props = (out[subject] ??= {});
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType !== 1) continue;
      const c = n as Element;
      const pred = (c.namespaceURI ?? '') + (c.localName ?? c.nodeName);
      let value: RdfValue;
      if (rdfAttribute(c, 'parseType') === 'Resource') {
        const b = `_:b${bnodes++}`;
        describe(b, c);
        value = { type: 'bnode', value: b };
      } else if (rdfAttribute(c, 'resource') !== undefined) {
        value = { type: 'uri', value: resolve(rdfAttribute(c, 'resource')!) };
      } else value = { type: 'literal', value: c.textContent ?? '' };
      (props[pred] ??= []).push(value);
    }
  };
  for (let n = root.firstChild; n; n = n.nextSibling) {
    const el = n as Element;
    if (n.nodeType !== 1 || el.namespaceURI !== NS.rdf || el.localName !== 'Description') continue;
    const about = rdfAttribute(el, 'about');
    describe(about ? resolve(about) : `_:b${bnodes++}`, el);
  }
  return out;
}
