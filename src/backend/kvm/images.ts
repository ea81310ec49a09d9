import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { computeDigests } from '../../core/metadata/digests';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import type { Host } from '../host/host';
import { shellQuote } from '../host/host';
import { sweepStaleParts } from '../marketplace/cache';

export interface ImageInfo { format: 'qcow2' | 'raw'; virtualSize: number; backingFile?: string }

export async function imageInfo(host: Host, file: string): Promise<ImageInfo> {
  const out = await host.run(['qemu-img', 'info', '--output=json', '-U', file]);
  const j = JSON.parse(out);
  if (j.format !== 'qcow2' && j.format !== 'raw') throw new Error(`${file} is a ${j.format} image: Stratus launches raw (.img, .img.gz) or qcow2 images.`);
  return { format: j.format, virtualSize: j['virtual-size'], backingFile: j['full-backing-filename'] ?? j['backing-filename'] };
}

/**
 * Refuses an image that would pull other host files into a guest or an import: every layer of its backing chain
 * (`qemu-img info --backing-chain`) may have no external data file and no extra VMDK extent, and every backing file
 * must be one Stratus placed itself (a real path inside one of `placedDirs`, e.g. the image cache and the volume
 * store, or one of `placedFiles`, e.g. the base a saved volume was recorded with; that base's own chain is checked too). A base from a file, URL or marketplace must not turn a guest's disk into a window onto /etc or ~/.ssh.
 */
export async function checkSelfContained(host: Host, file: string, placedDirs: string[] = [], label = path.basename(file), placedFiles: string[] = []): Promise<void> {
  const out = await host.run(['qemu-img', 'info', '--output=json', '--backing-chain', '-U', '--', file]).catch(e => {
    throw new Error(`${label} cannot be read as a disk image: ${(e as Error).message.split('\n')[0]}`);
  });
  const chain = JSON.parse(out) as Array<Record<string, any>>;
  const realDirs = await Promise.all(placedDirs.map(d => realPath(host, d)));
  const realFiles = await Promise.all(placedFiles.map(f => realPath(host, f)));
  for (const layer of chain) {
    const name = String(layer.filename ?? file);
    const data = layer['format-specific']?.data ?? {};
    if (data['data-file']) throw new Error(`${label} uses ${data['data-file']} as its data file: Stratus refuses images that read other host files (qemu-img convert it to a standalone image first).`);
    for (const e of (data.extents ?? []) as Array<{ filename: string }>) {
      if (e.filename && path.resolve(path.dirname(name), e.filename) !== path.resolve(name)) throw new Error(`${label} refers to another file (${e.filename}): use a single-file (monolithic) image.`);
    }
    const backing = layer['full-backing-filename'] ?? layer['backing-filename'];
    if (!backing) continue;
    const real = /^\//.test(backing) ? await realPath(host, backing) : undefined;
    const inside = real !== undefined && (realFiles.includes(real) || realDirs.some(d => d !== undefined && (real === d || real.startsWith(d + '/'))));
    if (!inside) throw new Error(`${label} is backed by ${backing}, which Stratus did not place: use a standalone image (qemu-img convert it first).`);
  }
}

async function realPath(host: Host, p: string): Promise<string | undefined> {
  if (host.kind === 'local') return fs.promises.realpath(p).catch(() => undefined);
  return host.run(['realpath', '-e', '--', p]).then(o => o.trim() || undefined, () => undefined);
}

export interface RawDigests { bytes: number; md5: string; sha1: string; sha256: string; sha512: string }

const rawReader = (image: string, format: 'qcow2' | 'raw') => ['nbdcopy', '--', '[', 'qemu-nbd', '-r', '-f', format, image, ']', '-'];

/** On a remote host: the raw stream hashed there by python3 with these hashlib names; bytes + hex digests back. */
async function remoteRawHash(host: Host, image: string, format: 'qcow2' | 'raw', names: string[], signal?: AbortSignal): Promise<Record<string, string | number>> {
  const py = `import hashlib,sys,json\nnames=${JSON.stringify(names)}\nh=[hashlib.new(n) for n in names]\nn=0\nr=sys.stdin.buffer\nwhile True:\n b=r.read(1<<20)\n if not b: break\n n+=len(b)\n [x.update(b) for x in h]\nd={k:x.hexdigest() for k,x in zip(names,h)}\nd["bytes"]=n\nprint(json.dumps(d))`;
  const out = await host.run(['bash', '-o', 'pipefail', '-c', `${shellQuote(rawReader(image, format))} | ${shellQuote(['python3', '-c', py])}`], { signal });
  return JSON.parse(out);
}

/** Here: the image's raw content streamed from nbdcopy into `consume` (no raw copy on disk); cancellable. */
async function localRawStream<T>(image: string, format: 'qcow2' | 'raw', consume: (raw: NodeJS.ReadableStream) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const reader = rawReader(image, format);
  const child = spawn(reader[0], reader.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', d => { stderr += d; });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  const exit = new Promise<number>((resolve, reject) => { child.on('error', reject); child.on('close', c => resolve(c ?? 1)); });
  try {
    const result = await consume(child.stdout);
    const code = await exit;
    if (signal?.aborted) throw new Error('Cancelled');
    if (code !== 0) throw new Error(`reading ${image} failed: ${stderr.trim() || `nbdcopy exit ${code}`}`);
    return result;
  } catch (e) {
    child.kill('SIGKILL');
    throw signal?.aborted ? new Error('Cancelled') : e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The digests of an image's RAW content (what exporting it as .img gives), streamed: nbdcopy reads the
 * qcow2 chain through qemu-nbd and writes raw bytes to a pipe — no raw copy on disk.
 */
export async function rawDigests(host: Host, image: string, format: 'qcow2' | 'raw', signal?: AbortSignal): Promise<RawDigests> {
  if (host.kind !== 'local') {
    const d = await remoteRawHash(host, image, format, ['md5', 'sha1', 'sha256', 'sha512'], signal);
    return { bytes: Number(d.bytes), md5: String(d.md5), sha1: String(d.sha1), sha256: String(d.sha256), sha512: String(d.sha512) };
  }
  // the four digests in two worker threads (computeDigests), fed by one streamed read
  const d = await localRawStream(image, format, raw => computeDigests(raw as Readable), signal);
  return { bytes: d.bytes, md5: d.md5, sha1: d.sha1, sha256: d.sha256, sha512: d.sha512 };
}

export interface RawSha1 { bytes: number; sha1: string }

/**
 * Bytes and SHA-1 of an image's raw content in one streamed pass (nbdcopy ← qemu-nbd, no raw copy): all
 * an identifier needs. One hash costs about a third of the four digests (MD5/SHA-256/SHA-512 are computed
 * later, where a signed entry needs them: completeChecksums).
 */
export async function rawSha1(host: Host, image: string, format: 'qcow2' | 'raw', signal?: AbortSignal): Promise<RawSha1> {
  if (host.kind !== 'local') {
    const d = await remoteRawHash(host, image, format, ['sha1'], signal);
    return { bytes: Number(d.bytes), sha1: String(d.sha1) };
  }
  // hashed here as it arrives: OpenSSL's SHA-1 (SHA-NI where the CPU has it) outruns the pipe
  return localRawStream(image, format, async raw => {
    const h = createHash('sha1');
    let bytes = 0;
    for await (const chunk of raw as AsyncIterable<Buffer>) { h.update(chunk); bytes += chunk.length; }
    return { bytes, sha1: h.digest('hex') };
  }, signal);
}

/**
 * Export for publishing. 'img.gz': the raw content gzipped (identifier unchanged); 'qcow2': a
 * standalone (flattened) qcow2 — this is where the base gets copied into the image, O(base + delta).
 */
export async function exportImage(host: Host, image: string, dest: string, format: 'img.gz' | 'qcow2', opts: { signal?: AbortSignal; log?(m: string): void } = {}): Promise<string> {
  const info = await imageInfo(host, image);
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    if (format === 'qcow2') {
      if (info.backingFile) opts.log?.(`Flattening ${path.basename(image)} onto a copy of its base ${info.backingFile} (the export holds the whole image).`);
      await host.run(['qemu-img', 'convert', '-O', 'qcow2', '-c', image, tmp], { signal: opts.signal });
    } else {
      opts.log?.(`Writing the raw content of ${path.basename(image)}${info.backingFile ? ' (with its base)' : ''}, gzipped.`);
      const reader = ['nbdcopy', '--', '[', 'qemu-nbd', '-r', '-f', info.format, image, ']', '-'];
      await host.run(['bash', '-o', 'pipefail', '-c', `${shellQuote(reader)} | gzip -c > ${shellQuote([tmp])}`], { signal: opts.signal });
    }
    await host.rename(tmp, dest);
    return dest;
  } catch (e) {
    await host.remove(tmp).catch(() => undefined);
    throw e;
  }
}

/** A URL's image in the local cache (images/url-<hash>.<img|qcow2>); .gz is inflated while downloading. */
export async function downloadUrl(url: string, cacheDir: string, opts: { signal?: AbortSignal; onProgress?(done: number, total?: number): void } = {}): Promise<string> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`Unsupported image URL ${url}: use http(s), a file path, a marketplace identifier or a volume uuid.`);
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const gz = /\.gz$/i.test(u.pathname);
  const ext = /\.qcow2(\.gz)?$/i.test(u.pathname) ? 'qcow2' : 'img';
  const dest = path.join(cacheDir, `url-${key}.${ext}`);
  await sweepStaleParts(cacheDir);
  if (fs.existsSync(dest)) return dest;
  await fs.promises.mkdir(cacheDir, { recursive: true });
  const res = await fetch(url, { signal: opts.signal, redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`Downloading ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || undefined;
  const tmp = `${dest}.part-${process.pid}`;
  let done = 0;
  const body = Readable.fromWeb(res.body as import('stream/web').ReadableStream);
  body.on('data', c => { done += c.length; opts.onProgress?.(done, total); });
  try {
    if (gz) await pipeline(body, createGunzip(), fs.createWriteStream(tmp), { signal: opts.signal });
    else await pipeline(body, fs.createWriteStream(tmp), { signal: opts.signal });
    await fs.promises.rename(tmp, dest);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  return dest;
}

/** A local .gz image inflated once into the cache (keyed by path, size and mtime). */
export async function inflateFile(file: string, cacheDir: string, signal?: AbortSignal): Promise<string> {
  const st = await fs.promises.stat(file);
  const key = createHash('sha256').update(`${path.resolve(file)}|${st.size}|${st.mtimeMs}`).digest('hex').slice(0, 16);
  const dest = path.join(cacheDir, `file-${key}.${/\.qcow2\.gz$/i.test(file) ? 'qcow2' : 'img'}`);
  if (fs.existsSync(dest)) return dest;
  await fs.promises.mkdir(cacheDir, { recursive: true });
  const tmp = `${dest}.part-${process.pid}`;
  try {
    await pipeline(fs.createReadStream(file), createGunzip(), fs.createWriteStream(tmp), { signal });
    await fs.promises.rename(tmp, dest);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  return dest;
}
