/**
 * Full validation of a metadata document: every validation layer (docs/stratuslab.md#validation) as diagnostics, plus the original's verdicts
 * (client chain: signature → schema → constraints → RDF; server chain: parse → signature → constraints → RDF).
 */
import { parseXml, ParsedXml } from '../xml';
import { parseXmlLite, XDocument } from '../xmlLite';
import type { Diagnostic, Layer, MetadataSummary, SignatureVerdict, SourceRange } from './types';
import { SourceMap } from './dom';
import { checkSchema } from './schema';
import { checkConstraints } from './constraints';
import { checkRdf } from './rdf';
import { checkAdvice, ImageDigests } from './advice';
import { summarize } from './summary';
import { explainSignatureFailure, verifySignature, verifySignedContent } from './verify';

export type CheckedLayer = 'parse' | 'signature' | 'schema' | 'constraints' | 'rdf' | 'advice';
export interface LayerVerdict { ok: boolean; message?: string }

export interface ValidateOptions {
  /** Layers to run (all by default). Verdicts of layers not run are absent. */
  layers?: CheckedLayer[];
  /** PEM certificates/CAs the user trusts (signature trust is reported, never required). */
  trusted?: string[];
  /** Digests of the image at hand (computeDigests), for the stale bytes/checksum warnings. */
  digests?: ImageDigests;
  now?: Date;
}

export interface ValidationResult {
  diagnostics: Diagnostic[];
  verdict: { client: LayerVerdict; server: LayerVerdict; layers: Partial<Record<Layer, LayerVerdict>> };
  summary?: MetadataSummary;
  signature?: SignatureVerdict;
}

const WHOLE: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 2 };
const CLIENT_ORDER: Layer[] = ['signature', 'schema', 'constraints', 'rdf'];
const SERVER_ORDER: Layer[] = ['signature', 'constraints', 'rdf'];

function chain(order: Layer[], layers: Partial<Record<Layer, LayerVerdict>>): LayerVerdict {
  for (const l of order) { const v = layers[l]; if (v && !v.ok) return { ok: false, message: v.message }; }
  return { ok: true };
}

export function signatureDiagnostics(sig: SignatureVerdict, fallback: SourceRange = WHOLE, trustConfigured = true): Diagnostic[] {
  const range = sig.range ?? fallback;
  if (sig.status === 'absent') return [{ layer: 'signature', severity: 'warning', code: 'signature/absent', message: 'no signature (sign the document before validating or uploading it)', range }];
  if (sig.status === 'invalid') {
    const why = explainSignatureFailure(sig.message);
    return [{ layer: 'signature', severity: 'error', code: 'signature/invalid', message: `${sig.message ?? 'invalid signature'}${why ? ` — ${why}` : ''}`, range }];
  }
  if (sig.trusted === false && trustConfigured) return [{ layer: 'signature', severity: 'info', code: 'signature/untrusted', message: `signed by ${sig.signer?.subject ?? 'an unknown signer'}, which is not in your trusted certificates (stratus.trustedCertificates)`, range }];
  return [];
}

export function validateMetadata(text: string, opts: ValidateOptions = {}): ValidationResult {
  const want = new Set<CheckedLayer>(opts.layers ?? ['parse', 'signature', 'schema', 'constraints', 'rdf', 'advice']);
  // The light DOM serves every layer. xmldom parses only what saxes refused (its messages are the diagnostics;
  // a document it accepts is still checked) and signed documents (the signature check reads xmldom's DOM).
  const lite = parseXmlLite(text);
  const parsed: ParsedXml | undefined = !lite || (lite.hasSignature && want.has('signature')) ? parseXml(text) : undefined;
  const layers: Partial<Record<Layer, LayerVerdict>> = {};
  if (parsed && !parsed.doc) {
    const e = parsed.errors[0];
    const message = `unable to parse metadata: ${e?.message ?? 'not well-formed'}`;
    layers.parse = { ok: false, message };
    return {
      diagnostics: parsed.errors.map(x => ({ layer: 'parse', severity: 'error', code: 'parse/xml', message: x.message, range: { line: x.line, column: x.column, endLine: x.line, endColumn: x.column + 1 } })),
      verdict: { client: { ok: false, message }, server: { ok: false, message }, layers },
    };
  }
  layers.parse = { ok: true };
  const doc: XDocument = lite ?? parsed!.doc!, src = new SourceMap(text);
  const diagnostics: Diagnostic[] = [];
  let signature: SignatureVerdict | undefined;
  if (want.has('signature')) {
    signature = parsed ? verifySignature(text, { trusted: opts.trusted, now: opts.now }, parsed)   // one xmldom parse for the signature
      : { status: 'absent', message: 'no signature' };                                            // what verifySignature says without one
    layers.signature = signature.status === 'valid' ? { ok: true } : { ok: false, message: signature.message ?? (signature.status === 'absent' ? 'no signature' : 'invalid signature') };
    for (const d of signatureDiagnostics(signature, src.name(doc.documentElement!), !!opts.trusted?.length)) diagnostics.push(d);
  }
  for (const [layer, check] of [['schema', checkSchema], ['constraints', checkConstraints], ['rdf', checkRdf]] as const) {
    if (!want.has(layer)) continue;
    const r = check(doc, src);
    layers[layer] = r.message === undefined ? { ok: true } : { ok: false, message: r.message };
    for (const d of r.diagnostics) diagnostics.push(d);   // no spread: a huge list would overflow the call stack
  }
  if (want.has('advice')) for (const d of checkAdvice(doc, src, { now: opts.now, digests: opts.digests })) diagnostics.push(d);
  let summary: MetadataSummary | undefined;
  try { summary = summarize(doc); } catch { summary = undefined; }
  return { diagnostics, verdict: { client: chain(CLIENT_ORDER, layers), server: chain(SERVER_ORDER, layers), layers }, summary, signature };
}

/**
 * The marketplace's upload check, in the server's order (no schema). The summary is read from the content the
 * signature covers, never from the unsigned DOM. Callers add the 'invalid metadata: ' prefix for HTTP.
 */
export function serverValidate(text: string, opts: { trusted?: string[]; now?: Date } = {}): { ok: boolean; message?: string; summary?: MetadataSummary; signature?: SignatureVerdict } {
  const parsed = parseXml(text);
  if (!parsed.doc) return { ok: false, message: `unable to parse metadata: ${parsed.errors[0]?.message ?? 'not well-formed'}` };
  const { verdict, signedXml } = verifySignedContent(text, opts, parsed);
  if (verdict.status !== 'valid') return { ok: false, message: verdict.message ?? 'no signature', signature: verdict };
  const src = new SourceMap(text);
  for (const check of [checkConstraints, checkRdf]) {
    const r = check(parsed.doc, src);
    if (r.message !== undefined) return { ok: false, message: r.message, signature: verdict };
  }
  let summary: MetadataSummary | undefined;
  try { summary = summarize(signedXml ?? parsed.doc); } catch (e) { return { ok: false, message: (e as Error).message, signature: verdict }; }
  return { ok: true, summary, signature: verdict };
}

/** validateMetadata with the image at hand: its digests (one pass, worker threads) feed the stale bytes/checksum warnings. */
export async function validateWithImage(text: string, imagePath: string, opts: Omit<ValidateOptions, 'digests'> = {}): Promise<ValidationResult> {
  const { computeDigests } = await import('./digests');
  return validateMetadata(text, { ...opts, digests: await computeDigests(imagePath) });
}
