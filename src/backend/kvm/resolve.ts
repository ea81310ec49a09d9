import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Host } from '../host/host';
import { stageImage } from '../host/stage';
import type { DataLayout } from '../paths';
import { isIdentifier } from '../../core/metadata/identifier';
import { summarize } from '../../core/metadata/summary';
import { downloadImage } from '../marketplace/download';
import { cacheSlot, markVerified, sweepStalePartsOn, verifiedHit } from '../marketplace/cache';
import { LocalMarketplace } from '../marketplace/local';
import { trustVerdict, verdictProblem } from '../marketplace/trust';
import type { VolumeStore } from '../volumes/store';
import { checkSelfContained, downloadUrl, imageInfo, inflateFile } from './images';

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
  /** Folders on `host`. */
  data: DataLayout;
  /** The store of `data.volumes` (saved images and volumes are bases too). */
  volumes: VolumeStore;
  /** This machine's folders (its marketplace, and the cache where images for a remote host are downloaded first); default `data`. */
  local?: DataLayout;
  /** Remote host: 'upload' (default) downloads and checks images here, then uploads them; 'download' has the host fetch http(s) images itself. */
  transfer?: 'upload' | 'download';
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
 * that identifier first (docs/stratuslab.md#volumes), else the marketplace entry, trust-checked, downloaded and verified),
 * a volume uuid, an http(s) URL, or a file (.img, .img.gz, .qcow2).
 */
export async function resolveImage(ref: string, ctx: ResolveContext): Promise<ResolvedImage> {
  const r = await resolveUnchecked(ref, ctx);
  // whatever the source, the base must not pull other host files into the guest; a volume's recorded
  // external base (a saved image made from a file base) was placed by Stratus when it made the volume
  const recorded = r.volumeId ? (await ctx.volumes.get(r.volumeId))?.backingFile : undefined;
  await checkSelfContained(ctx.host, r.path, [ctx.data.images, ctx.data.volumes], r.path === ref ? path.basename(ref) : `${ref} (${path.basename(r.path)})`, recorded ? [recorded] : []);
  return r;
}

async function resolveUnchecked(ref: string, ctx: ResolveContext): Promise<ResolvedImage> {
  const remote = ctx.host.kind !== 'local';
  const local = ctx.local ?? ctx.data;
  const store = ctx.volumes;
  // a local download on its way to a remote host: uploaded once into the host's image cache (reused if identical)
  const toHost = async (file: string) => (remote ? stageImage(ctx.host, file, ctx.data.images, { signal: ctx.signal, onProgress: ctx.onProgress }) : file);
  const metaOf = async (disk: string) => { const m = disk.replace(/\.(qcow2|img)$/, '.metadata.xml'); return (await ctx.host.stat(m)) ? m : undefined; };
  if (isIdentifier(ref) && !fs.existsSync(ref)) {
    const vol = (await store.list()).find(v => v.identifier === ref && v.type === 'MACHINE_IMAGE_ORIGIN');
    if (vol) return { path: vol.path, format: vol.format, imageId: ref, volumeId: vol.uuid, metadataFile: await metaOf(vol.path) };
    const found = await findMetadata(ref, ctx);
    const xml = found?.xml;
    if (!xml) throw new Error(`No marketplace entry for image ${ref} (looked in the embedded marketplace${ctx.fetchMetadata ? ' and the configured remote ones' : ''}) — upload its metadata, or name a marketplace that has it (--marketplace-endpoint URL, stratus.marketplaces)`);
    const verdict = trustVerdict(xml, { trusted: ctx.trustedSigners });
    const problem = verdictProblem(verdict);
    if (problem && !ctx.allowUntrusted) throw new Error(`Refusing to launch ${ref}: ${problem} (launch anyway with --allow-untrusted).`);
    if (problem) ctx.log?.(`Launching ${ref} despite: ${problem}`);
    // read from the bytes the signature covers (the raw text only when it does not verify and the user allowed that)
    const summary = verdict.summary;
    // 'upload': downloaded and checked (size, checksums) here, then uploaded; 'download': fetched and checked by the host itself
    const byHost = remote && ctx.transfer === 'download' && summary.locations.some(l => /^https?:/i.test(l));
    const dl = byHost ? await downloadImageOnHost(ctx.host, summary, ctx.data.images, ctx.signal)
      : await downloadImage(summary, local.images, { signal: ctx.signal, onProgress: ctx.onProgress, allowFileLocations: found.local });
    const onHost = byHost ? dl.path : await toHost(dl.path);
    const metadataFile = (remote ? path.posix : path).join(ctx.data.images, `${ref}.metadata.xml`);
    // the image cache is keyed by content, so another entry (another marketplace, another location) may have
    // brought these bytes first: the document kept beside them is the one this launch used, written atomically
    await ctx.host.mkdirp(ctx.data.images);
    await ctx.host.writeFile(metadataFile, xml);
    return { path: onHost, format: dl.format, imageId: ref, metadataFile };
  }
  if (UUID.test(ref)) {
    const v = await store.get(ref);
    if (!v) throw new Error(`No volume ${ref} on ${ctx.host.label} (see describe-volumes).`);
    if (v.attachedTo.length) throw new Error(`Volume ${ref} is attached to ${v.attachedTo.join(', ')}: detach it before booting from it.`);
    return { path: v.path, format: v.format, volumeId: v.uuid, imageId: /^[A-Za-z0-9_-]{27}$/.test(v.identifier) ? v.identifier : undefined, metadataFile: await metaOf(v.path) };
  }
  if (/^https?:\/\//i.test(ref)) {
    const p = remote && ctx.transfer === 'download' ? await downloadUrlOnHost(ctx.host, ref, ctx.data.images, ctx.signal)
      : await toHost(await downloadUrl(ref, local.images, { signal: ctx.signal, onProgress: ctx.onProgress }));
    return { path: p, format: (await imageInfo(ctx.host, p)).format };
  }
  let file = ref.startsWith('file://') ? new URL(ref).pathname : ref;
  if (remote && !file.startsWith('/')) throw new Error(`Image ${ref}: give an absolute path on ${ctx.host.label} (files are looked up on the host the instance runs on).`);
  if (!path.isAbsolute(file)) file = path.resolve(file);
  // a file that is not on the remote host but on this machine (e.g. a recipe's base image) is uploaded
  if (remote && !(await ctx.host.stat(file)) && fs.existsSync(file)) {
    const here = /\.gz$/i.test(file) ? await inflateFile(file, local.images, ctx.signal) : file;
    const p = await toHost(here);
    return { path: p, format: (await imageInfo(ctx.host, p)).format };
  }
  if (!(await ctx.host.stat(file))) throw new Error(`Image ${ref} not found: give a file (.img, .img.gz, .qcow2), an http(s) URL, a marketplace identifier or a volume uuid.`);
  if (/\.gz$/i.test(file)) {
    file = remote ? await inflateOnHost(ctx.host, file, ctx.data.images, ctx.signal) : await inflateFile(file, ctx.data.images, ctx.signal);
  }
  return { path: file, format: (await imageInfo(ctx.host, file)).format };
}

const INFLATE: Record<string, string> = { gz: 'gzip -dc', bz2: 'bzip2 -dc', '': 'cat' };

/**
 * The host fetches the URL with curl (http/https only), inflates it and hashes it in one pass, into a temporary
 * file renamed into place only once complete. The URL and paths are positional arguments, never shell text.
 */
async function fetchOnHost(host: Host, url: string, dest: string, compression: string, signal?: AbortSignal, limit?: number): Promise<{ sha1: string; bytes: number }> {
  await host.mkdirp(path.posix.dirname(dest));
  const tmp = `${dest}.part-${process.pid}`;
  // with a size, at most one byte more than it is inflated (head ends the pipe: a decompression bomb stops there)
  const cap = limit === undefined ? '' : ' | head -c "$3"';
  const script = `set -o pipefail; curl -fsSL --proto =http,https -- "$1" | ${INFLATE[compression]}${cap} | tee -- "$2" | sha1sum`;
  try {
    const out = await host.run(['bash', '-c', script, 'fetch', url, tmp, String((limit ?? 0) + 1)], { signal });
    const bytes = (await host.stat(tmp))?.size ?? 0;
    return { sha1: out.split(/\s/)[0], bytes };
  } catch (e) {
    const bytes = (await host.stat(tmp).catch(() => undefined))?.size ?? 0;
    await host.remove(tmp).catch(() => undefined);
    if (limit !== undefined && bytes > limit) throw new Error(`Downloaded image is larger than the size in image manifest (${limit}): stopped after ${bytes} bytes`);
    throw new Error(`${host.label} could not download ${url}: ${(e as Error).message}`);
  }
}

/** A marketplace image downloaded by the remote host, checked against the metadata (size, SHA-1) as here. */
async function downloadImageOnHost(host: Host, summary: ReturnType<typeof summarize>, cacheDir: string, signal?: AbortSignal): Promise<{ path: string; format: 'raw' | 'qcow2' }> {
  const slot = cacheSlot(summary);
  const { format } = slot;
  const dest = path.posix.join(cacheDir, slot.name);
  await sweepStalePartsOn(host, cacheDir);
  if (await verifiedHit(host, dest, slot.sha1, signal)) return { path: dest, format };
  const want = slot.sha1;
  if (summary.bytes === undefined) throw new Error(`the metadata of ${summary.identifier} gives no size (bytes), so the download cannot be bounded`);
  const url = summary.locations.find(l => /^https?:/i.test(l))!;
  const c = (summary.compression ?? '').toLowerCase().replace(/^gzip$/, 'gz').replace(/^bzip2$/, 'bz2') || (/\.gz$/i.test(url) ? 'gz' : /\.bz2$/i.test(url) ? 'bz2' : '');
  const got = await fetchOnHost(host, url, dest, c in INFLATE ? c : '', signal, summary.bytes);
  const tmp = `${dest}.part-${process.pid}`;
  const problem = summary.bytes !== undefined && got.bytes !== summary.bytes ? `Downloaded image size (${got.bytes}) doesn't match size in image manifest (${summary.bytes})`
    : got.sha1 !== want ? `Manifest hash code different from downloaded image: image=${got.sha1}, matadata=${summary.checksums['SHA-1']}` : undefined;
  if (problem) { await host.remove(tmp).catch(() => undefined); throw new Error(problem); }
  await host.rename(tmp, dest);
  await markVerified(host, dest, want);
  return { path: dest, format };
}

/** A URL's image downloaded by the remote host into its cache (url-<hash>), .gz inflated on the way. */
async function downloadUrlOnHost(host: Host, url: string, cacheDir: string, signal?: AbortSignal): Promise<string> {
  const u = new URL(url);
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const dest = path.posix.join(cacheDir, `url-${key}.${/\.qcow2(\.gz)?$/i.test(u.pathname) ? 'qcow2' : 'img'}`);
  if (await host.stat(dest)) return dest;
  await fetchOnHost(host, url, dest, /\.gz$/i.test(u.pathname) ? 'gz' : '', signal);
  await host.rename(`${dest}.part-${process.pid}`, dest);
  return dest;
}

/** A .gz on a remote host inflated there, once, into its image cache (keyed by path, size and mtime). */
async function inflateOnHost(host: Host, file: string, cacheDir: string, signal?: AbortSignal): Promise<string> {
  const st = (await host.stat(file))!;
  const key = createHash('sha256').update(`${file}|${st.size}|${st.mtimeMs}`).digest('hex').slice(0, 16);
  const dest = path.posix.join(cacheDir, `file-${key}.${/\.qcow2\.gz$/i.test(file) ? 'qcow2' : 'img'}`);
  if (await host.stat(dest)) return dest;
  await host.mkdirp(cacheDir);
  const tmp = `${dest}.part-${process.pid}`;
  try {
    await host.run(['sh', '-c', 'gzip -dc -- "$1" > "$2" && mv -f -- "$2" "$3"', 'inflate', file, tmp, dest], { signal });
  } catch (e) {
    await host.remove(tmp).catch(() => undefined);
    throw e;
  }
  return dest;
}

/** The entry's XML and whether it came from the embedded local marketplace (only those may use file:// locations). */
async function findMetadata(id: string, ctx: ResolveContext): Promise<{ xml: string; local: boolean } | undefined> {
  const local = new LocalMarketplace((ctx.local ?? ctx.data).marketplace);
  const entries = (await local.entries(true)).filter(e => e.key.identifier === id).sort((a, b) => b.key.created.localeCompare(a.key.created));
  if (entries.length) return { xml: await local.get(entries[0].key), local: true };
  const xml = await ctx.fetchMetadata?.(id);
  return xml === undefined ? undefined : { xml, local: false };
}
