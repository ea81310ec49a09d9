import type { Element } from '@xmldom/xmldom';
import { parseXml } from '../xml';
import { NS } from '../metadata/types';

export const DEFAULT_DEPRECATION_REASON = 'This image has been deprecated';

/**
 * The unsigned document a deprecation signs (docs/stratuslab.md#deprecation): the entry with its Signature removed, its endorsement
 * emptied (the signer fills it in with a new `created`, which makes it the latest entry) and
 * `<slterms:deprecated>reason</slterms:deprecated>` as the last property (replacing an earlier one).
 */
export function prepareDeprecation(entryXml: string, reason = DEFAULT_DEPRECATION_REASON): string {
  const { doc, errors } = parseXml(entryXml);
  if (!doc) throw new Error(`cannot deprecate: the entry is not well-formed XML (${errors[0]?.message ?? 'parse error'})`);
  const root = doc.documentElement!;
  for (const sig of Array.from(doc.getElementsByTagNameNS(NS.dsig, 'Signature')) as Element[]) sig.parentNode?.removeChild(sig);
  const desc = (Array.from(root.childNodes) as Element[]).find(n => n.nodeType === 1 && n.namespaceURI === NS.rdf && n.localName === 'Description');
  if (!desc) throw new Error('cannot deprecate: the entry has no rdf:Description');
  for (const old of Array.from(desc.getElementsByTagNameNS(NS.slterms, 'deprecated')) as Element[]) old.parentNode?.removeChild(old);
  for (const en of Array.from(desc.getElementsByTagNameNS(NS.slreq, 'endorsement')) as Element[]) {
    while (en.firstChild) en.removeChild(en.firstChild);
  }
  const prefix = root.lookupPrefix(NS.slterms) ?? 'slterms';
  if (!root.lookupPrefix(NS.slterms)) root.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:slterms', NS.slterms);
  const dep = doc.createElementNS(NS.slterms, `${prefix}:deprecated`);
  dep.appendChild(doc.createTextNode(reason));
  desc.appendChild(doc.createTextNode('  '));
  desc.appendChild(dep);
  desc.appendChild(doc.createTextNode('\n  '));
  const body = new (require('@xmldom/xmldom') as typeof import('@xmldom/xmldom')).XMLSerializer().serializeToString(root);
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${body}`;
}
