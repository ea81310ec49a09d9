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
import { checkSelfContained, rawDigests } from '../kvm/images';
import { Compression, ImageError, Progress, checkSpace, convertProgress, decompress, fmtBytes, inflatedSizeGuess, qemuConvert, runTool, sniffCompression } from './convert';
import { dataLayout } from '../paths';

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
  /** A folder on THIS machine where the conversion happens when the store is on a remote host (default: the local volumes folder). */
  staging?: string;
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
 * failure or cancel removes every temporary file, so the store is unchanged. The file is on this
 * machine; a store on a remote host gets the converted disk over SFTP (as compact qcow2, made raw there).
 */
export async function importImage(store: VolumeStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const src = path.resolve(file);
  const st = await fs.promises.stat(src).catch(() => undefined);
  if (!st?.isFile()) throw new ImageError(`${file} is not a file: give the path of a disk image (.vdi, .vmdk, .vhd, .vhdx, .qcow2, .img, optionally .gz/.bz2).`);
  const target = opts.format ?? 'qcow2';
  const remote = store.host.kind !== 'local';
  const stage = remote ? opts.staging ?? dataLayout().volumes : store.dir;
  const tag = opts.tag ?? path.basename(src).slice(0, 39);
  await fs.promises.mkdir(stage, { recursive: true });
  const temps: string[] = [];
  const tmp = (suffix: string) => { const p = path.join(stage, `.import-${randomUUID()}.${suffix}`); temps.push(p); return p; };
  try {
    const compression = await sniffCompression(src);
    let input = src;
    if (compression) {
      await checkSpace(stage, await inflatedSizeGuess(src, compression));
      input = tmp('inflated');
      await decompress(src, compression, input, { signal: opts.signal, onProgress: (f) => opts.onProgress?.(f * 0.5, 'Decompressing') });
    }
    const info = await imageInfo(input);
    const byExt = extFormat(src);
    const sourceFormat = info.format === 'raw' && byExt && byExt !== 'raw' ? byExt : info.format;
    if (!ACCEPTED.has(sourceFormat)) throw new ImageError(`${file} is a ${sourceFormat} image: import takes VDI, VMDK, VHD, VHDX, qcow2 or raw.`);
    if (info.backingFile) throw new ImageError(`${file} is an overlay on ${info.backingFile}: import a standalone image (qemu-img convert it first).`);
    // no external data file, VMDK extent or backing file: the import must not copy other host files into the volume
    await checkSelfContained(new LocalHost(), input, [], path.basename(file)).catch(e => { throw new ImageError((e as Error).message); });
    const measured = JSON.parse(await runTool(['qemu-img', 'measure', '--output=json', '-f', sourceFormat, '-O', 'qcow2', input]));
    await checkSpace(stage, measured.required as number);
    const staged = remote ? 'qcow2' : target;
    const out = tmp(staged);
    const base = compression ? 0.5 : 0;
    await qemuConvert(input, sourceFormat, out, staged, { signal: opts.signal, onProgress: f => opts.onProgress?.(base + f * (1 - base), 'Converting'), label: 'Converting' });
    if (opts.signal?.aborted) throw new ImageError('Cancelled.');
    let built: Awaited<ReturnType<typeof buildMetadata>> | undefined;
    if (opts.metadata !== false) {
      opts.onProgress?.(1, 'Computing the image identifier');
      // The identifier is the SHA-1 of the raw content: what export as .img.gz publishes.
      const digests = await rawDigests(new LocalHost(), out, staged, opts.signal);
      built = await buildMetadata(out, { digests, format: 'raw', compression: 'gz', title: tag, author: opts.author,
        comment: `Imported from ${path.basename(src)} (${sourceFormat}${compression ? `, ${compression}` : ''})` });
    }
    const fields = { type: opts.type ?? 'MACHINE_IMAGE_ORIGIN' as const, tag, identifier: built?.identifier };
    const volume = remote ? await uploadInto(store, out, target, fields, opts) : await store.createFrom(out, { ...fields, move: true });
    if (!remote) temps.splice(temps.indexOf(out), 1);
    if (!built) { opts.onProgress?.(1, 'Imported'); return { volume, sourceFormat, compression }; }
    const metadataPath = metadataPathOf(volume.path);
    try {
      await store.host.writeFile(metadataPath, built.xml);
    } catch (e) {
      await store.delete(volume.uuid).catch(() => undefined);
      await store.host.remove(metadataPath).catch(() => undefined);
      throw e;
    }
    opts.onProgress?.(1, 'Imported');
    return { volume, sourceFormat, compression, metadataPath, identifier: built.identifier };
  } finally {
    for (const t of temps) await fs.promises.rm(t, { force: true });
  }
}

/** Sends a staged qcow2 to a remote store (free space checked there first); raw is made there, sparse. */
async function uploadInto(store: VolumeStore, staged: string, target: 'raw' | 'qcow2', fields: { type: VolumeType; tag: string; identifier?: string }, opts: ImportOptions): Promise<Volume> {
  const host = store.host;
  await host.mkdirp(store.dir);
  const size = (await fs.promises.stat(staged)).size;
  // the raw copy made there is sparse: it takes about what the compact qcow2 takes
  const needed = target === 'raw' ? 2 * size : size;
  const free = await host.freeSpace(store.dir);
  if (free < needed) throw new ImageError(`Not enough free space in ${store.dir} on ${host.label}: ${fmtBytes(free)} free, ${fmtBytes(needed)} needed. Free some space on that host.`);
  const sent = path.posix.join(store.dir, `.import-${randomUUID()}.qcow2`);
  const temps = [sent, `${sent}.part`];
  try {
    await host.upload(staged, sent, { signal: opts.signal, onProgress: (d, t) => opts.onProgress?.(t ? d / t : 1, `Uploading to ${host.label}`) });
    let disk = sent;
    if (target === 'raw') {
      disk = path.posix.join(store.dir, `.import-${randomUUID()}.img`);
      temps.push(disk);
      await host.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw', sent, disk], { signal: opts.signal });
    }
    const v = await store.createFrom(disk, { ...fields, move: true });
    temps.splice(temps.indexOf(disk), 1);
    return v;
  } catch (e) {
    throw opts.signal?.aborted ? new ImageError('Cancelled.') : e;
  } finally {
    for (const t of temps) await host.remove(t).catch(() => undefined);
  }
}

export type ExportFormat = 'img.gz' | 'img' | 'qcow2';

/**
 * Writes a volume as a standalone file on this machine: raw `.img.gz` (what the Marketplace publishes),
 * raw, or a flattened qcow2. The output appears only complete (temp file + rename). A volume on a remote
 * host is first flattened there (its backing chain stays there) into one compressed qcow2 that comes here.
 */
export async function exportVolume(store: VolumeStore, uuid: string, out: string, format: ExportFormat, opts: { signal?: AbortSignal; onProgress?: Progress } = {}): Promise<string> {
  const v = await store.get(uuid);
  if (!v) throw new ImageError(`No volume ${uuid} (see describe-volumes).`);
  const dest = path.resolve(out);
  const dir = path.dirname(dest);
  const temps: string[] = [];
  const tmp = (s: string) => { const p = path.join(dir, `.${path.basename(dest)}.${randomUUID().slice(0, 8)}.${s}`); temps.push(p); return p; };
  try {
    let disk = { path: v.path, format: v.format as string };
    if (store.host.kind !== 'local') {
      disk = { path: tmp('qcow2'), format: 'qcow2' };
      temps.push(`${disk.path}.part`);
      await fetchFlattened(store, v, disk.path, opts);
      if (format === 'qcow2') { await fs.promises.rename(disk.path, dest); opts.onProgress?.(1, 'Exported'); return dest; }
    }
    const measured = JSON.parse(await runTool(['qemu-img', 'measure', '--output=json', '-f', disk.format, '-O', 'qcow2', disk.path]));
    await checkSpace(dir, measured.required as number);
    if (format === 'qcow2') {
      const t = tmp('qcow2');
      await qemuConvert(disk.path, disk.format, t, 'qcow2', { ...opts, label: 'Flattening' });
      await fs.promises.rename(t, dest);
    } else if (format === 'img') {
      const t = tmp('img');
      await qemuConvert(disk.path, disk.format, t, 'raw', { ...opts, label: 'Converting' });
      await fs.promises.rename(t, dest);
    } else {
      const t = tmp('gz');
      await gzipRaw(disk.path, disk.format, v.bytes, t, opts);
      await fs.promises.rename(t, dest);
    }
    opts.onProgress?.(1, 'Exported');
    return dest;
  } finally {
    for (const t of temps) await fs.promises.rm(t, { force: true });
  }
}

/** The remote volume flattened into a compressed qcow2 beside it (space checked there), downloaded to `local`, removed there. */
async function fetchFlattened(store: VolumeStore, v: Volume, local: string, opts: { signal?: AbortSignal; onProgress?: Progress }): Promise<void> {
  const host = store.host;
  const measured = JSON.parse(await host.run(['qemu-img', 'measure', '--output=json', '-f', v.format, '-O', 'qcow2', v.path], { signal: opts.signal }));
  const free = await host.freeSpace(store.dir);
  if (free < measured.required) throw new ImageError(`Not enough free space in ${store.dir} on ${host.label} to flatten the volume: ${fmtBytes(free)} free, ${fmtBytes(measured.required)} needed. Free some space on that host.`);
  const flat = path.posix.join(store.dir, `.export-${randomUUID()}.qcow2`);
  try {
    await host.run(['qemu-img', 'convert', '-p', '-c', '-f', v.format, '-O', 'qcow2', v.path, flat],
      { signal: opts.signal, onStdout: convertProgress(opts.onProgress, `Flattening on ${host.label}`) });
    const size = (await host.stat(flat))?.size ?? 0;
    await checkSpace(path.dirname(local), size);
    await host.download(flat, local, { signal: opts.signal, onProgress: (d, t) => opts.onProgress?.(t ? d / t : 1, `Downloading from ${host.label}`) });
  } catch (e) {
    throw opts.signal?.aborted ? new ImageError('Cancelled.') : e;
  } finally {
    await host.remove(flat).catch(() => undefined);
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
