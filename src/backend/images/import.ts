import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Volume, VolumeStore, VolumeType, imageInfo, metadataPathOf } from '../volumes/store';
import { spawn } from 'child_process';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { buildMetadata } from '../../core/metadata/build';
import { LocalHost } from '../host/local';
import { rawDigests } from '../kvm/images';
import { Compression, ImageError, Progress, checkSpace, decompress, inflatedSizeGuess, qemuConvert, runTool, sniffCompression } from './convert';

/** Formats qemu-img reads that we accept, by file extension (VHD is qemu's `vpc`). */
const EXT_FORMAT: Record<string, string> = { vdi: 'vdi', vmdk: 'vmdk', vhd: 'vpc', vhdx: 'vhdx', qcow2: 'qcow2', qcow: 'qcow2', img: 'raw', raw: 'raw', iso: 'raw' };
const ACCEPTED = new Set(['vdi', 'vmdk', 'vpc', 'vhdx', 'qcow2', 'raw']);

export interface ImportOptions {
  format?: 'raw' | 'qcow2';
  tag?: string;
  type?: VolumeType;
  signal?: AbortSignal;
  onProgress?: Progress;
  /** Write a draft metadata file `<uuid>.metadata.xml` beside the volume (build-metadata of its raw content). Default true. */
  metadata?: boolean;
  author?: string;
}

export interface ImportResult { volume: Volume; sourceFormat: string; compression: Compression; metadataPath?: string; identifier?: string }

function extFormat(file: string): string | undefined {
  const parts = path.basename(file).toLowerCase().split('.');
  while (parts.length > 1 && ['gz', 'bz2', 'xz'].includes(parts[parts.length - 1])) parts.pop();
  return parts.length > 1 ? EXT_FORMAT[parts[parts.length - 1]] : undefined;
}

/**
 * Imports a disk image (VDI, VMDK, VHD/VHDX, qcow2, raw; optionally .gz/.bz2/.xz) into the volume
 * store as a standalone raw or qcow2 MACHINE_IMAGE_ORIGIN volume. Free space is checked first; any
 * failure or cancel removes every temporary file, so the store is unchanged.
 */
export async function importImage(store: VolumeStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const src = path.resolve(file);
  const st = await fs.promises.stat(src).catch(() => undefined);
  if (!st?.isFile()) throw new ImageError(`${file} is not a file: give the path of a disk image (.vdi, .vmdk, .vhd, .vhdx, .qcow2, .img, optionally .gz/.bz2).`);
  const target = opts.format ?? 'qcow2';
  await fs.promises.mkdir(store.dir, { recursive: true });
  const temps: string[] = [];
  const tmp = (suffix: string) => { const p = path.join(store.dir, `.import-${randomUUID()}.${suffix}`); temps.push(p); return p; };
  try {
    const compression = await sniffCompression(src);
    let input = src;
    if (compression) {
      await checkSpace(store.dir, await inflatedSizeGuess(src, compression));
      input = tmp('inflated');
      await decompress(src, compression, input, { signal: opts.signal, onProgress: (f) => opts.onProgress?.(f * 0.5, 'Decompressing') });
    }
    const info = await imageInfo(input);
    const byExt = extFormat(src);
    const sourceFormat = info.format === 'raw' && byExt && byExt !== 'raw' ? byExt : info.format;
    if (!ACCEPTED.has(sourceFormat)) throw new ImageError(`${file} is a ${sourceFormat} image: import takes VDI, VMDK, VHD, VHDX, qcow2 or raw.`);
    if (info.backingFile) throw new ImageError(`${file} is an overlay on ${info.backingFile}: import a standalone image (qemu-img convert it first).`);
    await checkExtents(input);
    const measured = JSON.parse(await runTool(['qemu-img', 'measure', '--output=json', '-f', sourceFormat, '-O', 'qcow2', input]));
    await checkSpace(store.dir, measured.required as number);
    const out = tmp(target);
    const base = compression ? 0.5 : 0;
    await qemuConvert(input, sourceFormat, out, target, { signal: opts.signal, onProgress: f => opts.onProgress?.(base + f * (1 - base), 'Converting'), label: 'Converting' });
    if (opts.signal?.aborted) throw new ImageError('Cancelled.');
    const volume = await store.createFrom(out, { type: opts.type ?? 'MACHINE_IMAGE_ORIGIN', tag: opts.tag ?? path.basename(src).slice(0, 39), move: true });
    temps.splice(temps.indexOf(out), 1);
    if (opts.metadata === false) { opts.onProgress?.(1, 'Imported'); return { volume, sourceFormat, compression }; }
    try {
      opts.onProgress?.(1, 'Computing the image identifier');
      // The identifier is the SHA-1 of the raw content: what export as .img.gz publishes.
      const digests = await rawDigests(new LocalHost(), volume.path, volume.format, opts.signal);
      const built = await buildMetadata(volume.path, { digests, format: 'raw', compression: 'gz', title: volume.tag, author: opts.author,
        comment: `Imported from ${path.basename(src)} (${sourceFormat}${compression ? `, ${compression}` : ''})` });
      const metadataPath = metadataPathOf(volume.path);
      const t = `${metadataPath}.tmp-${process.pid}`;
      await fs.promises.writeFile(t, built.xml);
      await fs.promises.rename(t, metadataPath);
      const updated = await store.update(volume.uuid, { identifier: built.identifier });
      opts.onProgress?.(1, 'Imported');
      return { volume: updated, sourceFormat, compression, metadataPath, identifier: built.identifier };
    } catch (e) {
      await store.delete(volume.uuid).catch(() => undefined);
      await fs.promises.rm(metadataPathOf(volume.path), { force: true });
      throw e;
    }
  } finally {
    for (const t of temps) await fs.promises.rm(t, { force: true });
  }
}

/** A VMDK descriptor can name other host files as extents: only self-contained images are read. */
async function checkExtents(file: string): Promise<void> {
  const j = JSON.parse(await runTool(['qemu-img', 'info', '--output=json', file]));
  const extents: Array<{ filename: string }> = j['format-specific']?.data?.extents ?? [];
  for (const e of extents) {
    if (path.resolve(path.dirname(file), e.filename) !== path.resolve(file)) {
      throw new ImageError(`${path.basename(file)} refers to another file (${e.filename}): import a single-file (monolithic) image.`);
    }
  }
}

export type ExportFormat = 'img.gz' | 'img' | 'qcow2';

/**
 * Writes a volume as a standalone file: raw `.img.gz` (what the Marketplace publishes), raw, or a
 * flattened qcow2. The output appears only complete (temp file + rename).
 */
export async function exportVolume(store: VolumeStore, uuid: string, out: string, format: ExportFormat, opts: { signal?: AbortSignal; onProgress?: Progress } = {}): Promise<string> {
  const v = await store.get(uuid);
  if (!v) throw new ImageError(`No volume ${uuid} (see describe-volumes).`);
  const dest = path.resolve(out);
  const dir = path.dirname(dest);
  const temps: string[] = [];
  const tmp = (s: string) => { const p = path.join(dir, `.${path.basename(dest)}.${randomUUID().slice(0, 8)}.${s}`); temps.push(p); return p; };
  try {
    const measured = JSON.parse(await runTool(['qemu-img', 'measure', '--output=json', '-f', v.format, '-O', 'qcow2', v.path]));
    await checkSpace(dir, measured.required as number);
    if (format === 'qcow2') {
      const t = tmp('qcow2');
      await qemuConvert(v.path, v.format, t, 'qcow2', { ...opts, label: 'Flattening' });
      await fs.promises.rename(t, dest);
    } else if (format === 'img') {
      const t = tmp('img');
      await qemuConvert(v.path, v.format, t, 'raw', { ...opts, label: 'Converting' });
      await fs.promises.rename(t, dest);
    } else {
      const t = tmp('gz');
      await gzipRaw(v.path, v.format, v.bytes, t, opts);
      await fs.promises.rename(t, dest);
    }
    opts.onProgress?.(1, 'Exported');
    return dest;
  } finally {
    for (const t of temps) await fs.promises.rm(t, { force: true });
  }
}

/** The raw content (nbdcopy through qemu-nbd, no raw copy on disk) gzipped -9 into `dest`. */
async function gzipRaw(image: string, format: string, total: number, dest: string, opts: { signal?: AbortSignal; onProgress?: Progress }): Promise<void> {
  const child = spawn('nbdcopy', ['--', '[', 'qemu-nbd', '-r', '-f', format, image, ']', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', d => { err += d.toString(); });
  const exited = new Promise<number>((res, rej) => { child.on('error', e => rej(new ImageError(`nbdcopy could not run (install libnbd-bin): ${e.message}`))); child.on('close', c => res(c ?? 1)); });
  let done = 0; let last = 0;
  const count = new Transform({ transform(chunk: Buffer, _e, cb) {
    done += chunk.length; const f = total ? done / total : 0;
    if (f - last >= 0.01) { last = f; opts.onProgress?.(Math.min(1, f), 'Compressing'); }
    cb(null, chunk);
  } });
  try {
    await pipeline(child.stdout, count, zlib.createGzip({ level: 9 }), fs.createWriteStream(dest, { mode: 0o644 }), { signal: opts.signal });
  } catch (e) {
    child.kill('SIGKILL');
    throw opts.signal?.aborted ? new ImageError('Cancelled.') : e;
  }
  const code = await exited;
  if (code !== 0) throw new ImageError(`reading ${image} failed: ${err.trim() || `nbdcopy exit ${code}`}`);
}
