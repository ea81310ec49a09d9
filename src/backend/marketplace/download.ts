import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import * as zlib from 'zlib';
import { spawn } from 'child_process';
import { Readable, Transform, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { fileURLToPath } from 'url';
import type { MetadataSummary } from '../../core/metadata/types';
import { LocalHost } from '../host/local';
import { cacheSlot, markVerified, partFileName, summarySha1, sweepStaleParts, verifiedHit } from './cache';

export interface DownloadOptions {
  /** Compressed bytes read so far and the total when known. */
  onProgress?(done: number, total?: number): void;
  signal?: AbortSignal;
  /** file:// locations are followed only for entries of the embedded local marketplace (the caller says so). */
  allowFileLocations?: boolean;
}

export interface DownloadResult { path: string; format: 'raw' | 'qcow2'; cached: boolean }

/** The image file a marketplace entry is cached as: named by the SHA-1 its metadata gives (see cache.ts). */
export function cachedImagePath(summary: MetadataSummary, cacheDir: string): { path: string; format: 'raw' | 'qcow2' } {
  const format = summary.format === 'qcow2' ? 'qcow2' : 'raw';
  return { path: path.join(cacheDir, `${summarySha1(summary) ?? summary.identifier}.${format}`), format };
}

/**
 * Fetches an entry's image from its first http(s) location (file:// only when the caller allows it: entries of the
 * embedded local marketplace) into `<cacheDir>/<sha1>.<raw|qcow2>`: streamed into a temporary file, inflated
 * (.gz/.bz2) with the inflated bytes counted as they flow (a decompression bomb stops at the size the metadata
 * gives), size and SHA-1 checked with the original's messages, then renamed into place. Any failure removes the
 * temporary file, so the cache only ever holds verified images; a cache hit is re-checked (verifiedHit).
 */
export async function downloadImage(summary: MetadataSummary, cacheDir: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  if (!/^[A-Za-z0-9_-]{27}$/.test(summary.identifier)) throw new Error(`invalid image identifier '${summary.identifier}'`);
  const slot = cacheSlot(summary);
  const target = { path: path.join(cacheDir, slot.name), format: slot.format };
  await sweepStaleParts(cacheDir);
  if (await verifiedHit(LOCAL, target.path, slot.sha1, opts.signal)) return { ...target, cached: true };
  const limit = summary.bytes;
  if (limit === undefined) throw new Error(`the metadata of ${summary.identifier} gives no size (bytes), so the download cannot be bounded`);
  if (!summary.locations.length) throw new Error(`Image location(s) are not set in manifest for the image with ID ${summary.identifier}`);
  const usable = opts.allowFileLocations ? /^(https?|file):/i : /^https?:/i;
  const location = summary.locations.find(l => usable.test(l));
  if (!location) {
    if (summary.locations.some(l => /^file:/i.test(l))) throw new Error(`file:// locations are only followed for entries of the local marketplace; ${summary.identifier} has no http(s) location: ${summary.locations.join(', ')}`);
    throw new Error(`none of the locations of ${summary.identifier} can be downloaded here (only http://, https:// and file:// URLs): ${summary.locations.join(', ')}`);
  }

  await fs.promises.mkdir(cacheDir, { recursive: true });
  const tmp = partFileName(cacheDir, slot.name);
  try {
    const { stream, total } = await open(location, opts.signal);
    let done = 0;
    const counter = new Transform({ transform(chunk: Buffer, _e, cb) { done += chunk.length; opts.onProgress?.(done, total); cb(null, chunk); } });
    const hash = crypto.createHash('sha1');
    let bytes = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        if (bytes > limit) return cb(new Error(`Downloaded image is larger than the size in image manifest (${limit}): stopped after ${bytes} bytes`));
        hash.update(chunk); cb(null, chunk);
      },
    });
    const compression = compressionOf(summary, location);
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream> = [stream, counter];
    let bz: ReturnType<typeof spawn> | undefined;
    if (compression === 'gz') stages.push(zlib.createGunzip());
    if (compression === 'bz2') {
      bz = spawn('bzip2', ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
      stages.push(duplexOf(bz));
    }
    stages.push(hasher, fs.createWriteStream(tmp, { mode: 0o644 }));
    try {
      await pipeline(stages as any, { signal: opts.signal });
    } finally { bz?.kill('SIGKILL'); }
    if (bytes !== limit) throw new Error(`Downloaded image size (${bytes}) doesn't match size in image manifest (${limit})`);
    const got = hash.digest('hex');
    if (got !== slot.sha1) throw new Error(`Manifest hash code different from downloaded image: image=${got}, matadata=${summary.checksums['SHA-1']}`);
    await fs.promises.rename(tmp, target.path);
    await markVerified(LOCAL, target.path, slot.sha1);
    return { ...target, cached: false };
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    if (opts.signal?.aborted) throw new Error(`download of ${summary.identifier} cancelled`);
    throw e;
  }
}

const LOCAL = new LocalHost();

function compressionOf(s: MetadataSummary, location: string): 'gz' | 'bz2' | undefined {
  const c = (s.compression ?? '').toLowerCase();
  if (c === 'gz' || c === 'gzip') return 'gz';
  if (c === 'bz2' || c === 'bzip2') return 'bz2';
  const p = location.split(/[?#]/)[0].toLowerCase();
  return p.endsWith('.gz') ? 'gz' : p.endsWith('.bz2') ? 'bz2' : undefined;
}

async function open(location: string, signal?: AbortSignal): Promise<{ stream: Readable; total?: number }> {
  if (/^file:/i.test(location)) {
    const file = fileURLToPath(location);
    const st = await fs.promises.stat(file).catch(() => { throw new Error(`image file ${file} (from ${location}) does not exist`); });
    return { stream: fs.createReadStream(file), total: st.size };
  }
  const res = await fetch(location, { signal, redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`download of ${location} failed: HTTP ${res.status} ${res.statusText}`);
  const len = Number(res.headers.get('content-length'));
  return { stream: Readable.fromWeb(res.body as any), total: Number.isFinite(len) && len > 0 ? len : undefined };
}

/** bzip2 -dc as one stream stage; a non-zero exit (corrupt input) fails the pipeline with its message. */
function duplexOf(child: ReturnType<typeof spawn>): NodeJS.ReadWriteStream {
  let stderr = '';
  child.stderr!.on('data', d => { stderr += d; });
  const exited = new Promise<number>(r => child.on('close', code => r(code ?? 1)));
  const out = new Transform({
    transform(chunk, _e, cb) { if (!child.stdin!.write(chunk)) child.stdin!.once('drain', () => cb()); else cb(); },
    flush(cb) {
      child.stdin!.end();
      exited.then(code => cb(code ? new Error(`bzip2 could not inflate the image: ${stderr.trim() || `exit ${code}`}`) : null));
    },
  });
  child.stdout!.pipe(new Writable({ write(chunk, _e, cb) { out.push(chunk); cb(); } }));
  return out;
}
