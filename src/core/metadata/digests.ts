/**
 * Bytes + MD5/SHA-1/SHA-256/SHA-512 of an image's uncompressed content in one read pass. The data is read once
 * into a ring of shared slots; two worker threads hash every slot in parallel (MD5+SHA-1 | SHA-256+SHA-512,
 * roughly equal work), so the four digests cost about as much as the slowest pair instead of their sum.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { spawn } from 'child_process';
import { Readable } from 'stream';
import { Worker } from 'worker_threads';
import { DIGEST_WORKER_SOURCE } from './digest-worker';
import type { ImageDigests } from './advice';

export type { ImageDigests };
export type Progress = (processedBytes: number, totalBytes?: number) => void;

const SLOT = 4 << 20;
const SLOTS = 6;
const GROUPS: Array<Array<'md5' | 'sha1' | 'sha256' | 'sha512'>> = [['md5', 'sha1'], ['sha256', 'sha512']];

/** Compression of an image file from its name, as the original guesses it (docs/stratuslab.md#metadata-elements). */
export function compressionOf(file: string): 'gz' | 'bz2' | '' {
  const m = /\.(gz|bz2)$/i.exec(file);
  return m ? (m[1].toLowerCase() as 'gz' | 'bz2') : '';
}

class DigestPool {
  private readonly sab = new SharedArrayBuffer(SLOT * SLOTS);
  readonly buffer = Buffer.from(this.sab);
  private readonly workers: Worker[];
  private readonly pending = new Array<number>(SLOTS).fill(0);
  private readonly free: number[] = [...Array(SLOTS).keys()];
  private waiting: Array<() => void> = [];
  private failure: Error | undefined;

  constructor() {
    this.workers = GROUPS.map(algorithms => {
      const w = new Worker(DIGEST_WORKER_SOURCE, { eval: true, workerData: { algorithms, buffer: this.sab } });
      w.on('message', m => { if (m.type === 'ack' && --this.pending[m.slot] === 0) this.release(m.slot); });
      w.on('error', e => { this.failure = e; this.wake(); });
      return w;
    });
  }
  release(slot: number) { this.free.push(slot); this.wake(); }
  private wake() { const w = this.waiting; this.waiting = []; w.forEach(f => f()); }
  async slot(): Promise<number> {
    while (!this.free.length && !this.failure) await new Promise<void>(r => this.waiting.push(r));
    if (this.failure) throw this.failure;
    return this.free.shift()!;
  }
  dispatch(slot: number, length: number) {
    this.pending[slot] = this.workers.length;
    for (const w of this.workers) w.postMessage({ type: 'chunk', slot, offset: slot * SLOT, length });
  }
  async finish(): Promise<string[]> {
    const results = await Promise.all(this.workers.map(w => new Promise<string[]>((resolve, reject) => {
      w.on('message', m => { if (m.type === 'digests') resolve(m.digests); });
      w.once('error', reject);
      w.postMessage({ type: 'end' });
    })));
    return results.flat();
  }
  close() { for (const w of this.workers) void w.terminate(); }
}

/**
 * The decompressed content of an image file (.gz with zlib, .bz2 with Debian's bzip2 -dc); `done` settles
 * when the decompressor has finished, rejecting if it failed after its output ended.
 */
function openDecompressed(file: string, kind: 'gz' | 'bz2', onCompressedBytes: (n: number) => void): { stream: Readable; done: Promise<void> } {
  if (kind === 'gz') {
    const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    input.on('data', (c: Buffer | string) => onCompressedBytes(c.length));
    const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
    input.on('error', e => gunzip.destroy(e));
    return { stream: input.pipe(gunzip), done: Promise.resolve() };
  }
  const child = spawn('bzip2', ['-dc', '--', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', d => { stderr += d; });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', e => reject(new Error(`cannot run bzip2 to read ${file} (${e.message}); install the Debian package bzip2`)));
    child.on('close', code => code ? reject(new Error(`bzip2 could not decompress ${file}: ${stderr.trim() || `exit ${code}`}`)) : resolve());
  });
  done.catch(e => child.stdout.destroy(e));
  return { stream: child.stdout, done };
}

/**
 * Digests of a file (plain, .gz or .bz2 — always the uncompressed content) or of any readable stream.
 * onProgress(done, total) counts bytes of the input as read: of the file itself for files (so a bar moves for
 * compressed files too, total = file size), of the uncompressed data for streams (total unknown).
 */
export async function computeDigests(input: string | Readable, onProgress?: Progress): Promise<ImageDigests> {
  const pool = new DigestPool();
  let bytes = 0;
  try {
    if (typeof input === 'string' && !compressionOf(input)) {
      const fh = await fs.promises.open(input, 'r');
      try {
        const total = (await fh.stat()).size;
        for (;;) {
          const slot = await pool.slot();
          const { bytesRead } = await fh.read(pool.buffer, slot * SLOT, SLOT, null);
          if (!bytesRead) break;
          pool.dispatch(slot, bytesRead);
          bytes += bytesRead;
          onProgress?.(bytes, total);
        }
      } finally { await fh.close(); }
    } else {
      let total: number | undefined, compressed = 0;
      let stream: Readable, done = Promise.resolve();
      if (typeof input === 'string') {
        total = (await fs.promises.stat(input)).size;
        ({ stream, done } = openDecompressed(input, compressionOf(input) as 'gz' | 'bz2', n => { compressed += n; }));
      } else stream = input;
      let slot = -1, fill = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (let off = 0; off < chunk.length;) {
          if (slot < 0) { slot = await pool.slot(); fill = 0; }
          const n = Math.min(SLOT - fill, chunk.length - off);
          chunk.copy(pool.buffer, slot * SLOT + fill, off, off + n);
          fill += n; off += n; bytes += n;
          if (fill === SLOT) { pool.dispatch(slot, fill); slot = -1; }
        }
        onProgress?.(total === undefined ? bytes : compressed, total);
      }
      if (slot >= 0 && fill) pool.dispatch(slot, fill);
      else if (slot >= 0) pool.release(slot);
      await done;
    }
    const [md5, sha1, sha256, sha512] = await pool.finish();
    return { bytes, md5, sha1, sha256, sha512 };
  } finally {
    pool.close();
  }
}
