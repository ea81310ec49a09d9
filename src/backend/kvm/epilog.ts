import * as path from 'path';
import type { Host } from '../host/host';
import type { DataLayout } from '../paths';
import { sha1ToIdentifier } from '../../core/metadata/identifier';
import { summarize } from '../../core/metadata/summary';
import type { MetadataSummary } from '../../core/metadata/types';
import { generateKeyMaterial, signMetadata } from '../../core/metadata/sign';
import { DRAFT_VALIDITY_DAYS, LocalMarketplace } from '../marketplace/local';
import type { VolumeStore } from '../volumes/store';
import { rawSha1 } from './images';
import type { InstanceRecord, SaveFields, SaveResult } from './types';

/** Room kept free beyond the overlay itself (metadata, volume record, filesystem slack). */
const SAVE_MARGIN = 64 * 2 ** 20;

/**
 * The Epilog of a saved instance (docs/stratuslab.md#saving-an-instance), after a clean power-off: the overlay becomes the new image
 * (moved, still a qcow2 overlay on its base: O(delta)), its identifier is the SHA-1 of its raw content
 * (one streamed pass, no raw copy, no other digest), it is registered as a MACHINE_IMAGE_ORIGIN volume, and a
 * signed draft metadata entry (valid 2 days, bytes and SHA-1; the MD5/SHA-256/SHA-512 are added from the
 * volume when the entry is signed: completeChecksums) goes to the local marketplace.
 */
/** Where the Epilog moves the overlay: the saved image's volume file, named by the uuid chosen before the move. */
export function movedOverlay(host: Host, data: DataLayout, volumeUuid: string): string {
  return (host.kind === 'local' ? path : path.posix).join(data.volumes, `${volumeUuid}.qcow2`);
}

export interface EpilogOptions {
  signal?: AbortSignal;
  onStep?(s: string): void;
  log?(m: string): void;
  /** The marketplace (on this machine) that receives the draft; default `data.marketplace`. */
  draftMarketplace?: string;
}

/**
 * On a remote host everything stays there (overlay, digests, volume, metadata file beside it); only the
 * signed draft comes to this machine's marketplace. The volume's uuid is `rec.saveVolume` (chosen and
 * recorded by the caller before this runs): if a previous attempt moved the overlay but was cut before
 * registering it, this attempt finds the disk under that name and finishes the job.
 */
export async function runEpilog(store: VolumeStore, rec: InstanceRecord, data: DataLayout, o: EpilogOptions = {}): Promise<SaveResult> {
  if (!rec.save) throw new Error('this instance was not launched with save');
  const host = store.host;
  let source = rec.overlay;
  let overlay = await host.stat(source);
  if (!overlay && rec.saveVolume) {
    const moved = movedOverlay(host, data, rec.saveVolume);
    const done = await store.get(rec.saveVolume);
    if (done) throw new Error(`the image was already saved as volume ${done.uuid}`);
    if ((overlay = await host.stat(moved))) { source = moved; o.log?.(`${rec.id}: resuming an interrupted save from ${moved}`); }
  }
  if (!overlay) throw new Error(`the instance disk ${rec.overlay} is gone: nothing to save`);
  const needed = overlay.size + SAVE_MARGIN;
  const free = await host.freeSpace(data.volumes);
  if (free < needed) {
    throw new Error(`Not enough disk space to save the image in ${data.volumes}: ${mib(free)} free, ${mib(needed)} needed. Free some space and shut the instance down again (the changes are kept).`);
  }
  o.onStep?.('Computing the new image identifier');
  const digests = await rawSha1(host, source, 'qcow2', o.signal);
  const imageId = sha1ToIdentifier(digests.sha1);
  o.signal?.throwIfAborted();

  o.onStep?.('Registering the new image as a volume');
  const vol = await store.createFrom(source, { type: 'MACHINE_IMAGE_ORIGIN', identifier: imageId, tag: rec.save.title.slice(0, 39), move: true, uuid: rec.saveVolume });
  const result: SaveResult = { imageId, sha1: digests.sha1, bytes: digests.bytes, imagePath: vol.path, base: rec.base, volumeId: vol.uuid };

  o.onStep?.('Creating the draft metadata');
  try {
    let origin: MetadataSummary | undefined;
    if (rec.originMetadata && await host.stat(rec.originMetadata)) origin = summarize((await host.readFile(rec.originMetadata)).toString('utf8'));
    const unsigned = draftMetadata({ digests, imageId, save: rec.save, origin, location: `pdisk:${host.kind === 'local' ? 'localhost' : host.id}:8445:${vol.uuid}` });
    const cert = generateKeyMaterial({ commonName: rec.save.author, email: rec.save.email, days: DRAFT_VALIDITY_DAYS });
    const signed = signMetadata(unsigned, cert);
    const metadataPath = vol.path.replace(/\.(qcow2|img)$/, '.metadata.xml');
    await host.writeFile(metadataPath, signed);
    result.metadataPath = metadataPath;
    await new LocalMarketplace(o.draftMarketplace ?? data.marketplace).addDraft(signed);
  } catch (e) {
    result.metadataProblem = (e as Error).message;
    o.log?.(`${rec.id}: image ${imageId} saved, but no draft metadata entry: ${result.metadataProblem}`);
  }
  return result;
}

export interface DraftInput {
  /** bytes and SHA-1 always; a checksum absent here is absent from the draft (never a stale value). */
  digests: { bytes: number; sha1: string; md5?: string; sha256?: string; sha512?: string };
  imageId: string;
  save: SaveFields;
  origin?: MetadataSummary;
  location: string;
  /** Of the artifact at `location`: '' for the volume (raw content, uncompressed); 'gz' for an exported .img.gz. */
  compression?: '' | 'gz';
  now?: Date;
}

/** origin version with minor + 1 ("1.4" → "1.5", "2" → "2.1"), 1.0 without one. */
export function nextVersion(v: string | undefined): string {
  if (!v) return '1.0';
  const m = /^(\d+)(?:\.(\d+))?(.*)$/.exec(v.trim());
  if (!m) return `${v}.1`;
  return `${m[1]}.${m[2] === undefined ? 1 : Number(m[2]) + 1}`;
}

/** The unsigned draft: origin fields kept, identity/bytes/checksums recomputed (those given), dated now, valid 2 days. */
export function draftMetadata(d: DraftInput): string {
  const now = d.now ?? new Date();
  const iso = (t: Date) => t.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const o = d.origin;
  const el = (name: string, v: string | undefined) => (v === undefined ? '' : `    <${name}>${esc(v)}</${name}>\n`);
  const sum = (alg: string, v: string | undefined) => v === undefined ? '' : `    <slreq:checksum rdf:parseType="Resource">\n      <slreq:algorithm>${alg}</slreq:algorithm>\n      <slreq:value>${v}</slreq:value>\n    </slreq:checksum>\n`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:slreq="http://mp.stratuslab.eu/slreq#" xmlns:slterms="http://mp.stratuslab.eu/slterms#" xml:base="http://mp.stratuslab.eu/">
  <rdf:Description rdf:about="#${d.imageId}">
    <dcterms:identifier>${d.imageId}</dcterms:identifier>
    <slreq:bytes>${d.digests.bytes}</slreq:bytes>
${sum('MD5', d.digests.md5)}${sum('SHA-1', d.digests.sha1)}${sum('SHA-256', d.digests.sha256)}${sum('SHA-512', d.digests.sha512)}    <slreq:endorsement rdf:parseType="Resource"/>
${el('dcterms:type', o?.type ?? 'base')}${el('slterms:kind', o?.kind ?? 'machine')}${el('slterms:os', o?.os ?? 'debian')}${el('slterms:os-version', o?.osVersion ?? '')}${el('slterms:os-arch', o?.osArch ?? 'x86_64')}${el('slterms:version', d.save.version?.trim() || nextVersion(o?.version))}    <dcterms:compression>${d.compression ?? ''}</dcterms:compression>
${el('slterms:location', d.location)}    <dcterms:format>raw</dcterms:format>
${el('dcterms:creator', d.save.author)}${el('dcterms:created', iso(now))}${el('dcterms:valid', iso(new Date(now.getTime() + 2 * 86400_000)))}${el('dcterms:title', d.save.title)}${el('dcterms:description', d.save.comment)}    <slterms:hypervisor>kvm</slterms:hypervisor>
    <dcterms:publisher>StratusLab</dcterms:publisher>
  </rdf:Description>
</rdf:RDF>
`;
}

function esc(s: string): string { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }
function mib(n: number): string { return `${(n / 2 ** 20).toFixed(0)} MiB`; }
