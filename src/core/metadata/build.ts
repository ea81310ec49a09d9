/**
 * stratus build-metadata (docs/stratuslab.md#metadata-elements): the minimal unsigned document for an image file, from one streaming pass over
 * its uncompressed content. Valid for 6 calendar months (the original's 178 days came from a typo).
 */
import * as fs from 'fs';
import { NS, MARKETPLACE_BASE } from './types';
import { sha1ToIdentifier } from './identifier';
import { computeDigests, compressionOf, Progress } from './digests';
import type { ImageDigests } from './advice';

export { computeDigests, compressionOf };
export const DISKS_BUSES = ['ide', 'scsi', 'virtio'] as const;
export const VALIDITY_MONTHS = 6;

export interface BuildOptions {
  author?: string; type?: string; kind?: string;
  os?: string; osVersion?: string; osArch?: string; imageVersion?: string;
  format?: string; hypervisor?: string; location?: string | string[]; compression?: string;
  title?: string; tag?: string; comment?: string; disksBus?: string;
  /** Precomputed checksums (hex) skip nothing: the pass still gives the bytes; given values win. */
  md5?: string; sha1?: string; sha256?: string; sha512?: string;
  noMd5?: boolean; noSha256?: boolean; noSha512?: boolean;
  now?: Date;
  onProgress?: Progress;
  /** Digests already computed (e.g. by the KVM epilog): no pass over the file at all. */
  digests?: ImageDigests;
}

export interface BuildResult { xml: string; identifier: string; digests: ImageDigests; warnings: string[] }

export class BuildError extends Error {}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** UTC yyyy-MM-ddTHH:mm:ssZ, the only date form the original accepts. */
export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function validUntil(now: Date): Date {
  const d = new Date(now.getTime());
  const day = d.getUTCDate();
  d.setUTCMonth(d.getUTCMonth() + VALIDITY_MONTHS);
  if (d.getUTCDate() !== day) d.setUTCDate(0);   // 31 Aug + 6 months → 28/29 Feb, not 3 Mar
  return d;
}

/** The original's output name: <os>-<os-version>-<os-arch>-<type>-<image-version>.xml. */
export function defaultOutputName(o: BuildOptions): string {
  return `${o.os ?? ''}-${o.osVersion ?? ''}-${o.osArch ?? ''}-${o.type ?? 'base'}-${o.imageVersion ?? ''}.xml`;
}

function hexOption(name: string, v: string | undefined, len: number): string | undefined {
  if (v === undefined) return undefined;
  if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v)) throw new BuildError(`--${name} must be ${len} hexadecimal digits, got '${v}'`);
  return v.toLowerCase();
}

export async function buildMetadata(imagePath: string, opts: BuildOptions = {}): Promise<BuildResult> {
  let st: fs.Stats;
  try { st = await fs.promises.stat(imagePath); } catch { throw new BuildError(`image file ${imagePath} does not exist; give the path of the image file`); }
  if (!st.isFile()) throw new BuildError(`${imagePath} is not a file; give the path of the image file`);
  const disksBus = opts.disksBus ?? 'ide';
  if (!(DISKS_BUSES as readonly string[]).includes(disksBus)) throw new BuildError(`Unknown disks bus type ${disksBus}. Use one of: ${DISKS_BUSES.join(', ')}`);
  const given = { md5: hexOption('md5', opts.md5, 32), sha1: hexOption('sha1', opts.sha1, 40), sha256: hexOption('sha256', opts.sha256, 64), sha512: hexOption('sha512', opts.sha512, 128) };
  const computed = opts.digests ?? await computeDigests(imagePath, opts.onProgress);
  const digests: ImageDigests = { bytes: computed.bytes, md5: given.md5 ?? computed.md5, sha1: given.sha1 ?? computed.sha1, sha256: given.sha256 ?? computed.sha256, sha512: given.sha512 ?? computed.sha512 };
  const identifier = sha1ToIdentifier(digests.sha1);
  const now = opts.now ?? new Date();
  const locations = ([] as string[]).concat(opts.location ?? []).filter(Boolean);
  const warnings = locations.length ? [] : ["Image physical location (URL) was not provided. You'll have to set it manually in the resulting manifest."];

  const checksums: Array<[string, string]> = [];
  if (!opts.noMd5) checksums.push(['MD5', digests.md5]);
  checksums.push(['SHA-1', digests.sha1]);
  if (!opts.noSha256) checksums.push(['SHA-256', digests.sha256]);
  if (!opts.noSha512) checksums.push(['SHA-512', digests.sha512]);

  const t = (name: string, v: string | undefined) => v ? `    <${name}>${esc(v)}</${name}>` : `    <${name}/>`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<rdf:RDF xmlns:rdf="${NS.rdf}"`,
    `         xmlns:dcterms="${NS.dcterms}"`,
    `         xmlns:slreq="${NS.slreq}"`,
    `         xmlns:slterms="${NS.slterms}"`,
    `         xml:base="${MARKETPLACE_BASE}">`,
    `  <rdf:Description rdf:about="#${identifier}">`,
    t('dcterms:identifier', identifier),
    t('slreq:bytes', String(digests.bytes)),
    ...checksums.flatMap(([alg, value]) => [
      '    <slreq:checksum rdf:parseType="Resource">',
      `      <slreq:algorithm>${alg}</slreq:algorithm>`,
      `      <slreq:value>${value}</slreq:value>`,
      '    </slreq:checksum>',
    ]),
    '    <slreq:endorsement rdf:parseType="Resource"/>',
    t('dcterms:type', opts.type ?? 'base'),
    t('slterms:kind', opts.kind ?? 'machine'),
    t('slterms:os', opts.os),
    t('slterms:os-version', opts.osVersion),
    t('slterms:os-arch', opts.osArch),
    t('slterms:version', opts.imageVersion),
    t('dcterms:compression', opts.compression ?? compressionOf(imagePath)),
    ...locations.map(l => t('slterms:location', l)),
    t('dcterms:format', opts.format ?? 'raw'),
    t('dcterms:creator', opts.author),
    t('dcterms:created', isoSeconds(now)),
    t('dcterms:valid', isoSeconds(validUntil(now))),
    t('dcterms:title', opts.title),
    t('dcterms:alternative', opts.tag),
    t('dcterms:description', opts.comment),
    t('slterms:hypervisor', opts.hypervisor ?? 'kvm'),
    t('slterms:disks-bus', disksBus),
    t('dcterms:publisher', 'StratusLab'),
    '    <!-- <slterms:deprecated>reason</slterms:deprecated> -->',
    '  </rdf:Description>',
    '</rdf:RDF>',
    '',
  ];
  return { xml: lines.join('\n'), identifier, digests, warnings };
}
