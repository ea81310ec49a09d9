// Signed marketplace entries made at test time (real keys, real signatures) for the unit and workbench tests.
import * as crypto from 'crypto';
import * as path from 'path';
import * as fs from 'fs';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import { generateCertificate, signMetadata, KeyMaterial } from '../../../src/core/metadata/sign';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const corpusDir = path.resolve(repoRoot, '..', 'shared', 'conformance', 'stratuslab-metadata', 'files');
export const corpusSkip = fs.existsSync(corpusDir) ? false : `the conformance corpus (${corpusDir}) is not present in this checkout`;
export const corpus = (name: string) => fs.readFileSync(path.join(corpusDir, name), 'utf8');

export interface ImageSpec {
  content: Buffer | string;
  title?: string; os?: string; osVersion?: string; osArch?: string; version?: string;
  valid: string; deprecated?: string; locations?: string[]; alternative?: string;
  format?: 'raw' | 'qcow2'; compression?: string; description?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function unsignedMetadata(o: ImageSpec): string {
  const buf = Buffer.isBuffer(o.content) ? o.content : Buffer.from(o.content);
  const sha1 = crypto.createHash('sha1').update(buf).digest('hex');
  const id = sha1ToIdentifier(sha1);
  const opt = (tag: string, v?: string) => (v === undefined ? '' : `    <${tag}>${esc(v)}</${tag}>\n`);
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:slreq="http://mp.stratuslab.eu/slreq#" xmlns:slterms="http://mp.stratuslab.eu/slterms#" xml:base="http://mp.stratuslab.eu/">
  <rdf:Description rdf:about="#${id}">
    <dcterms:identifier>${id}</dcterms:identifier>
    <slreq:bytes>${buf.length}</slreq:bytes>
    <slreq:checksum rdf:parseType="Resource"><slreq:algorithm>SHA-1</slreq:algorithm><slreq:value>${sha1}</slreq:value></slreq:checksum>
    <slreq:endorsement rdf:parseType="Resource"/>
    <dcterms:type>base</dcterms:type>
    <slterms:kind>machine</slterms:kind>
${opt('slterms:os', o.os ?? 'ttylinux')}${opt('slterms:os-version', o.osVersion ?? '9.3')}${opt('slterms:os-arch', o.osArch ?? 'x86_64')}${opt('slterms:version', o.version ?? '1.0')}    <dcterms:compression>${o.compression ?? ''}</dcterms:compression>
${(o.locations ?? []).map(l => opt('slterms:location', l)).join('')}${opt('dcterms:format', o.format ?? 'raw')}${opt('dcterms:valid', o.valid)}${opt('dcterms:title', o.title)}${opt('dcterms:alternative', o.alternative)}    <dcterms:description>${esc(o.description ?? o.title ?? '')}</dcterms:description>
${opt('slterms:deprecated', o.deprecated)}  </rdf:Description>
</rdf:RDF>
`;
}

let cached: KeyMaterial | undefined;
/** One throw-away signer per process (RSA key generation is the slow part). */
export function testKey(): KeyMaterial {
  return (cached ??= generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', password: 'x', days: 3650 }));
}

export function signedEntry(o: ImageSpec, at: Date = new Date(), key: KeyMaterial = testKey()): string {
  return signMetadata(unsignedMetadata(o), key, { now: at });
}

/** A signed entry whose signed bytes were changed afterwards: the signature no longer verifies. */
export function tamperedEntry(o: ImageSpec, at?: Date): string {
  return signedEntry(o, at).replace(/<dcterms:title>([^<]*)<\/dcterms:title>/, '<dcterms:title>$1 (tampered)</dcterms:title>');
}

export const isoIn = (days: number, from = new Date()) => new Date(from.getTime() + days * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * What the original StratusLab Deprecator uploads: the entry with its Signature removed, its endorsement
 * removed and re-appended LAST as `<slreq:endorsement parseType="Resource"/>` (no rdf: prefix), then
 * `<slterms:deprecated>`; the signer fills that endorsement in place and signs.
 */
export function originalDeprecationUnsigned(signedXml: string, reason: string): string {
  const stripped = signedXml.replace(/<Signature[\s\S]*<\/Signature>/, '').replace(/\s*<slreq:endorsement rdf:parseType="Resource">[\s\S]*?<\/slreq:endorsement>/, '');
  const shaped = stripped.replace(/(\s*)<\/rdf:Description>/, `<slreq:endorsement parseType="Resource"/><slterms:deprecated>${esc(reason)}</slterms:deprecated>$1</rdf:Description>`);
  if (!shaped.includes('<slreq:endorsement parseType="Resource"/><slterms:deprecated>')) throw new Error('originalDeprecation: unexpected entry shape');
  return shaped;
}

export function originalDeprecation(signedXml: string, reason: string, at: Date = new Date(), key: KeyMaterial = testKey()): string {
  return signMetadata(originalDeprecationUnsigned(signedXml, reason), key, { now: at });
}
