import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import type { Duplex } from 'stream';
import { pipeline } from 'stream/promises';
import { ExecOptions, ExecResult, FileStat, Host, HostCommandError, TransferOptions } from './host';

/** This machine: child processes with argument arrays (no shell), node fs, net.connect. */
export class LocalHost implements Host {
  readonly id = 'local';
  readonly label = 'Local';
  readonly kind = 'local' as const;

  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(abortError(opts.signal));
      const child = spawn(argv[0], argv.slice(1), {
        cwd: opts.cwd,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '', stderr = '', settled = false;
      child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; opts.onStdout?.(c); });
      child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; opts.onStderr?.(c); });
      const kill = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
      const onAbort = () => { kill(); finish(() => reject(abortError(opts.signal!))); };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = opts.timeoutMs ? setTimeout(() => { kill(); finish(() => reject(new Error(`${argv[0]} timed out after ${opts.timeoutMs} ms`))); }, opts.timeoutMs) : undefined;
      function finish(f: () => void) {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        f();
      }
      child.on('error', err => finish(() => reject((err as NodeJS.ErrnoException).code === 'ENOENT'
        ? new Error(`${argv[0]} is not installed on this machine (run scripts/setup.sh)`) : err)));
      child.on('close', code => finish(() => resolve({ code: code ?? 128, stdout, stderr })));
      child.stdin.on('error', () => { /* the child may exit without reading its input */ });
      child.stdin.end(opts.input ?? undefined);
    });
  }

  async run(argv: string[], opts?: ExecOptions): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) throw new HostCommandError(argv, r, this.label);
    return r.stdout;
  }

  readFile(p: string): Promise<Buffer> { return fs.promises.readFile(p); }

  async writeFile(p: string, data: string | Buffer, mode?: number): Promise<void> {
    const tmp = path.join(path.dirname(p), `.${path.basename(p)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    try {
      await fs.promises.writeFile(tmp, data, { mode: mode ?? 0o644 });
      await fs.promises.rename(tmp, p);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }

  async stat(p: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.promises.stat(p);
      return { size: s.size, isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async mkdirp(p: string): Promise<void> { await fs.promises.mkdir(p, { recursive: true }); }
  remove(p: string): Promise<void> { return fs.promises.rm(p, { recursive: true, force: true }); }
  rename(from: string, to: string): Promise<void> { return fs.promises.rename(from, to); }
  readdir(p: string): Promise<string[]> { return fs.promises.readdir(p); }

  async freeSpace(p: string): Promise<number> {
    // statfs needs an existing path: walk up to the nearest existing ancestor
    let dir = path.resolve(p);
    for (;;) {
      try { const s = await fs.promises.statfs(dir); return s.bavail * s.bsize; } catch (e) {
        const parent = path.dirname(dir);
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) throw e;
        dir = parent;
      }
    }
  }

  upload(localPath: string, remotePath: string, opts?: TransferOptions): Promise<void> { return copyAtomic(localPath, remotePath, opts); }
  download(remotePath: string, localPath: string, opts?: TransferOptions): Promise<void> { return copyAtomic(remotePath, localPath, opts); }

  connectTcp(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      s.once('connect', () => { s.removeListener('error', reject); resolve(s); });
      s.once('error', reject);
    });
  }

  async close(): Promise<void> { /* nothing held open */ }
}

async function copyAtomic(from: string, to: string, opts: TransferOptions = {}): Promise<void> {
  const total = (await fs.promises.stat(from)).size;
  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.${process.pid}.tmp`);
  let done = 0;
  const src = fs.createReadStream(from);
  src.on('data', c => { done += c.length; opts.onProgress?.(done, total); });
  try {
    await pipeline(src, fs.createWriteStream(tmp), { signal: opts.signal });
    await fs.promises.rename(tmp, to);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

function abortError(signal: AbortSignal): Error {
  const e = new Error(typeof signal.reason === 'string' ? signal.reason : 'Cancelled');
  e.name = 'AbortError';
  return e;
}
