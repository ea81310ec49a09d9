/** The endorsement handling of the original signer (MetadataUtils: strip, clear, fill) and the algorithm URIs. */
import type { Document, Element, Node } from '@xmldom/xmldom';
import { NS } from './types';
import { isValidEmail } from './certs';
export { ALG } from './dsig';


/** A signing error with the original's message. */
export class SignError extends Error {}

function all(doc: Document | Element, ns: string, local: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS(ns, local)) as Element[];
}

/** The document's FIRST slreq:subject / slreq:issuer / slreq:email anywhere, as the original reads them. */
export function endorserOf(doc: Document): { subject?: string; issuer?: string; email?: string } {
  const first = (local: string) => all(doc, NS.slreq, local)[0]?.textContent ?? undefined;
  return { subject: first('subject'), issuer: first('issuer'), email: first('email') };
}

/** Removes every XML-DSig Signature element (stripSignatureElements). */
export function stripSignatures(doc: Document): number {
  const sigs = all(doc, NS.dsig, 'Signature');
  for (const s of sigs) s.parentNode?.removeChild(s);
  return sigs.length;
}

/** Keeps only the last slreq:endorsement and empties it (clearEndorsementElement). */
export function clearEndorsement(doc: Document): void {
  const ends = all(doc, NS.slreq, 'endorsement');
  for (const e of ends.slice(0, -1)) e.parentNode?.removeChild(e);
  const last = ends[ends.length - 1];
  while (last?.firstChild) last.removeChild(last.firstChild);
}

export function utcSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Fills the single, empty endorsement from the signer's certificate (fillEndorsementElement): a new
 * dcterms:created, then slreq:endorser with email (the certificate's SAN wins over the given address),
 * subject and issuer. A non-empty endorsement is left as it is.
 */
export function fillEndorsement(doc: Document, signer: { subject: string; issuer: string; email?: string }, defaultEmail: string | undefined, now: Date): void {
  const ends = all(doc, NS.slreq, 'endorsement');
  if (ends.length !== 1) throw new SignError('document must contain exactly 1 slreq:endorsement element');
  const end = ends[0];
  for (let c = end.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) return;
  const email = signer.email ?? defaultEmail;
  if (!email) throw new SignError('cannot generate slreq:endorsement; email address not in cert or not provided');
  if (!isValidEmail(email)) throw new SignError(`invalid email address: ${email}`);
  while (end.firstChild) end.removeChild(end.firstChild);

  const indent = indentOf(end);
  const unit = indent.includes('\t') ? '\t' : '  ';
  const el = (ns: string, local: string, fallback: string, text?: string) => {
    const prefix = end.lookupPrefix(ns) ?? fallback;
    const e = doc.createElementNS(ns, prefix ? `${prefix}:${local}` : local);
    if (text !== undefined) e.appendChild(doc.createTextNode(text));
    return e;
  };
  const nl = (depth: number) => doc.createTextNode('\n' + indent + unit.repeat(depth));
  const endorser = el(NS.slreq, 'endorser', 'slreq');
  const rdfPrefix = end.lookupPrefix(NS.rdf) ?? 'rdf';
  endorser.setAttributeNS(NS.rdf, `${rdfPrefix}:parseType`, 'Resource');
  for (const [local, value] of [['email', email], ['subject', signer.subject], ['issuer', signer.issuer]]) {
    endorser.appendChild(nl(2));
    endorser.appendChild(el(NS.slreq, local, 'slreq', value));
  }
  endorser.appendChild(nl(1));
  end.appendChild(nl(1));
  end.appendChild(el(NS.dcterms, 'created', 'dcterms', utcSeconds(now)));
  end.appendChild(nl(1));
  end.appendChild(endorser);
  end.appendChild(nl(0));
}

/** The whitespace that indents an element on its own line, or null when it shares a line. */
function indentOf(el: Element): string {
  const prev: Node | null = el.previousSibling;
  const m = prev && prev.nodeType === 3 ? /\n([ \t]*)$/.exec((prev as any).data as string) : null;
  return m ? m[1] : '';
}
