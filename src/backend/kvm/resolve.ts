import * as fs from 'fs';
import * as path from 'path';
import type { Host } from '../host/host';
import type { DataLayout } from '../paths';
import { isIdentifier } from '../../core/metadata/identifier';
import { summarize } from '../../core/metadata/summary';
import { downloadImage } from '../marketplace/download';
import { LocalMarketplace } from '../marketplace/local';
import { trustVerdict, verdictProblem } from '../marketplace/trust';
import { VolumeStore } from '../volumes/store';
import { downloadUrl, imageInfo, inflateFile } from './images';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ResolvedImage {
  /** The base the overlay is backed by (never written). */
  path: string;
  format: 'qcow2' | 'raw';
  imageId?: string;
  volumeId?: string;
  /** Where the origin's metadata XML was saved (the Epilog builds its draft from it). */
  metadataFile?: string;
}

export interface ResolveContext {
  host: Host;
  data: DataLayout;
  signal?: AbortSignal;
  allowUntrusted?: boolean;
  trustedSigners?: string[];
  /** Metadata XML for an identifier from another marketplace (the UI passes the configured remote one). */
  fetchMetadata?(id: string): Promise<string | undefined>;
  onProgress?(done: number, total?: number): void;
  log?(m: string): void;
}

/**
 * An image reference → a cached base on the host: a marketplace identifier (a saved-image volume with
 * that identifier first, §8.4, else the marketplace entry, trust-checked, downloaded and verified),
 * a volume uuid, an http(s) URL, or a file (.img, .img.gz, .qcow2).
 */
export async function resolveImage(ref: string, ctx: ResolveContext): Promise<ResolvedImage> {
  const remote = ctx.host.kind !== 'local';
  if (isIdentifier(ref) && !fs.existsSync(ref)) {
    const vol = (await new VolumeStore(ctx.data.volumes).list()).find(v => v.identifier === ref && v.type === 'MACHINE_IMAGE_ORIGIN');
    if (vol) return { path: vol.path, format: vol.format, imageId: ref, volumeId: vol.uuid, metadataFile: vol.path.replace(/\.(qcow2|img)$/, '.metadata.xml') };
    const xml = await findMetadata(ref, ctx);
    if (!xml) throw new Error(`No marketplace entry for image ${ref}: add its metadata to the marketplace first.`);
    const verdict = trustVerdict(xml, { trusted: ctx.trustedSigners });
    const problem = verdictProblem(verdict);
    if (problem && !ctx.allowUntrusted) throw new Error(`Refusing to launch ${ref}: ${problem} (launch anyway with --allow-untrusted).`);
    if (problem) ctx.log?.(`Launching ${ref} despite: ${problem}`);
    if (remote) throw new Error('Marketplace images are downloaded on this machine; upload to a remote host lands with the remote-host support.');
    const dl = await downloadImage(summarize(xml), ctx.data.images, { signal: ctx.signal, onProgress: ctx.onProgress });
    const metadataFile = path.join(ctx.data.images, `${ref}.metadata.xml`);
    if (!fs.existsSync(metadataFile)) await ctx.host.writeFile(metadataFile, xml);
    return { path: dl.path, format: dl.format, imageId: ref, metadataFile };
  }
  if (UUID.test(ref)) {
    const v = await new VolumeStore(ctx.data.volumes).get(ref);
    if (!v) throw new Error(`No volume ${ref} (see describe-volumes).`);
    if (v.attachedTo.length) throw new Error(`Volume ${ref} is attached to ${v.attachedTo.join(', ')}: detach it before booting from it.`);
    const meta = v.path.replace(/\.(qcow2|img)$/, '.metadata.xml');
    return { path: v.path, format: v.format, volumeId: v.uuid, imageId: /^[A-Za-z0-9_-]{27}$/.test(v.identifier) ? v.identifier : undefined, metadataFile: fs.existsSync(meta) ? meta : undefined };
  }
  if (/^https?:\/\//i.test(ref)) {
    if (remote) throw new Error('URL images are downloaded on this machine; launch from a file on the remote host instead.');
    const p = await downloadUrl(ref, ctx.data.images, { signal: ctx.signal, onProgress: ctx.onProgress });
    return { path: p, format: (await imageInfo(ctx.host, p)).format };
  }
  let file = ref.startsWith('file://') ? new URL(ref).pathname : ref;
  if (!path.isAbsolute(file)) file = path.resolve(file);
  if (!(await ctx.host.stat(file))) throw new Error(`Image ${ref} not found: give a file (.img, .img.gz, .qcow2), an http(s) URL, a marketplace identifier or a volume uuid.`);
  if (/\.gz$/i.test(file)) {
    if (remote) throw new Error('Compressed images are inflated on this machine; give the remote host a .img or .qcow2.');
    file = await inflateFile(file, ctx.data.images, ctx.signal);
  }
  return { path: file, format: (await imageInfo(ctx.host, file)).format };
}

async function findMetadata(id: string, ctx: ResolveContext): Promise<string | undefined> {
  const local = new LocalMarketplace(ctx.data.marketplace);
  const entries = (await local.entries(true)).filter(e => e.key.identifier === id).sort((a, b) => b.key.created.localeCompare(a.key.created));
  if (entries.length) return local.get(entries[0].key);
  return ctx.fetchMetadata?.(id);
}
