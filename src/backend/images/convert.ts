import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { Transform } from 'stream';
import * as zlib from 'zlib';

/** Shared pieces of import and export: checked free space, qemu-img with progress and cancel, decompression. */

export class ImageError extends Error {}

export type Progress = (fraction: number, message: string) => void;

export const fmtBytes = (n: number) => n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;

export async function checkSpace(dir: string, needed: number): Promise<void> {
  const st = await fs.promises.statfs(dir);
  const free = st.bavail * st.bsize;
  if (free < needed) {
    throw new ImageError(`Not enough free space in ${dir}: ${fmtBytes(free)} free, ${fmtBytes(needed)} needed. Free some space or set another data folder (STRATUS_DATA_DIR / stratus.dataDir).`);
  }
}

/** Runs a tool with argument arrays; kills it on abort; stderr tail in the error. */
export function runTool(argv: string[], opts: { signal?: AbortSignal; onStdout?(chunk: string): void } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new ImageError('Cancelled.'));
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => { const s = d.toString(); out += s; opts.onStdout?.(s); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', e => { opts.signal?.removeEventListener('abort', onAbort); reject(new ImageError(`${argv[0]} could not run: ${e.message}`)); });
    child.on('close', code => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) reject(new ImageError('Cancelled.'));
      else if (code !== 0) reject(new ImageError(`${argv[0]} ${argv[1]} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ')}`));
      else resolve(out);
    });
  });
}

/** Reads the percentage `qemu-img convert -p` prints. */
export function convertProgress(onProgress: Progress | undefined, label: string): (chunk: string) => void {
  return s => {
    const m = /\((\d+(?:\.\d+)?)\/100%\)[^(]*$/.exec(s);
    if (m) onProgress?.(Number(m[1]) / 100, label);
  };
}

/** `qemu-img convert -p`, reporting its percentage. */
export function qemuConvert(src: string, srcFormat: string, dest: string, destFormat: string, opts: { signal?: AbortSignal; onProgress?: Progress; label?: string } = {}): Promise<string> {
  return runTool(['qemu-img', 'convert', '-p', '-f', srcFormat, '-O', destFormat, src, dest], { signal: opts.signal, onStdout: convertProgress(opts.onProgress, opts.label ?? 'Converting') });
}

export type Compression = 'gz' | 'bz2' | 'xz' | undefined;

export async function sniffCompression(file: string): Promise<Compression> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(6);
    await fd.read(b, 0, 6, 0);
    if (b[0] === 0x1f && b[1] === 0x8b) return 'gz';
    if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'bz2';
    if (b.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    return undefined;
  } finally { await fd.close(); }
}

/** A guess of the inflated size for the space check (gzip's ISIZE when plausible, else 4× the file). */
export async function inflatedSizeGuess(file: string, c: Compression): Promise<number> {
  const size = (await fs.promises.stat(file)).size;
  if (c === 'gz' && size >= 18) {
    const fd = await fs.promises.open(file, 'r');
    try {
      const b = Buffer.alloc(4);
      await fd.read(b, 0, 4, size - 4);
      const isize = b.readUInt32LE(0);
      if (isize >= size) return isize;
    } finally { await fd.close(); }
  }
  return size * 4;
}

function counter(total: number, onProgress?: Progress, label = 'Decompressing'): Transform {
  let done = 0; let last = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      const f = total ? Math.min(1, done / total) : 0;
      if (f - last >= 0.01) { last = f; onProgress?.(f, label); }
      cb(null, chunk);
    },
  });
}

/** Inflates gz (zlib) or bz2/xz (the system tools) into `dest`. */
export async function decompress(src: string, c: Exclude<Compression, undefined>, dest: string, opts: { signal?: AbortSignal; onProgress?: Progress } = {}): Promise<void> {
  const total = (await fs.promises.stat(src)).size;
  if (c === 'gz') {
    await pipeline(fs.createReadStream(src), counter(total, opts.onProgress), zlib.createGunzip(), fs.createWriteStream(dest, { mode: 0o644 }), { signal: opts.signal });
    return;
  }
  const tool = c === 'bz2' ? 'bzip2' : 'xz';
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', d => { err += d.toString(); });
  const exited = new Promise<number>((res, rej) => { child.on('error', e => rej(new ImageError(`${tool} could not run: ${e.message}`))); child.on('close', code => res(code ?? 1)); });
  try {
    await Promise.all([
      pipeline(fs.createReadStream(src), counter(total, opts.onProgress), child.stdin, { signal: opts.signal }),
      pipeline(child.stdout, fs.createWriteStream(dest, { mode: 0o644 }), { signal: opts.signal }),
    ]);
  } catch (e) {
    child.kill('SIGTERM');
    if (opts.signal?.aborted) throw new ImageError('Cancelled.');
    throw e;
  }
  const code = await exited;
  if (code !== 0) throw new ImageError(`${tool} -d failed on ${path.basename(src)}: ${err.trim()}`);
}
