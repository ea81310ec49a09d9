import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Duplex } from 'stream';
import type { Client, SFTPWrapper } from 'ssh2';
import { ConnectionPool, ConnectionState, connections, SshConnection, SshHostSpec, SshPrompts } from './connections';
import { ExecOptions, ExecResult, FileStat, Host, HostCommandError, shellQuote, TransferOptions } from './host';

/**
 * A remote KVM host over one shared ssh2 connection. Commands are argv arrays quoted with shellQuote
 * (the remote login shell must be POSIX sh compatible); files move over SFTP, pipelined; large uploads
 * resume from a `.part` file whose content is checked by SHA-256 before anything is appended.
 */

const CHUNK = 32 * 1024;
const INFLIGHT = 64;
const SFTP_NO_SUCH_FILE = 2;

export class SshHost implements Host {
  readonly kind = 'ssh' as const;
  readonly conn: SshConnection;
  /** Requests sent (exec channels and SFTP operations), for benches: each is one round trip or more. */
  readonly stats = { execs: 0, sftpOps: 0 };

  constructor(readonly id: string, spec: SshHostSpec, prompts: SshPrompts, private readonly pool: ConnectionPool = connections, readonly label = id) {
    this.conn = pool.get(spec, prompts);
  }

  get state(): ConnectionState { return this.conn.state; }
  get lastError(): Error | undefined { return this.conn.lastError; }
  onDidChangeState(l: (s: ConnectionState) => void): { dispose(): void } { return this.conn.onDidChangeState(l); }
  /** Connects now (or reuses the connection); throws the reason it cannot. */
  async connect(): Promise<void> { await this.conn.get(); }
  reconnect(): Promise<void> { return this.conn.reconnect(); }

  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (!argv.length) return Promise.reject(new Error('exec: empty command'));
    if (opts.signal?.aborted) return Promise.reject(abortError(opts.signal));
    const env = Object.entries(opts.env ?? {});
    for (const [k] of env) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) return Promise.reject(new Error(`exec: '${k}' is not a valid environment variable name`));
    const cmd = env.length ? ['env', ...env.map(([k, v]) => `${k}=${v}`), ...argv] : argv;
    // `echo $$` then `exec`: the first stdout line is the command's own pid, so it can be killed on abort
    // (closing an SSH channel without a tty does not stop the remote process).
    const script = `echo $$; ${opts.cwd ? `cd ${shellQuote([opts.cwd])} && ` : ''}exec ${shellQuote(cmd)}`;
    this.stats.execs++;
    return this.conn.session(() => opts.signal?.aborted ? Promise.reject(abortError(opts.signal)) : this.conn.track(`running ${argv[0]}`, c => new Promise<ExecResult>((resolve, reject) => {
      c.exec(script, (err, ch) => {
        if (err) return reject(new Error(`${this.label}: could not start ${argv[0]}: ${err.message}`));
        let pid: number | undefined, head = '', stdout = '', stderr = '', done = false;
        const finish = (f: () => void) => {
          if (done) return;
          done = true;
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          f();
        };
        const kill = () => {
          if (pid) this.exec(['kill', '-KILL', String(pid)]).catch(() => undefined);
          try { ch.signal('KILL'); } catch { /* older servers ignore signals */ }
          ch.close();
        };
        const onAbort = () => { kill(); finish(() => reject(abortError(opts.signal!))); };
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        const timer = opts.timeoutMs ? setTimeout(() => { kill(); finish(() => reject(new Error(`${argv[0]} timed out after ${opts.timeoutMs} ms on ${this.label}`))); }, opts.timeoutMs) : undefined;
        ch.setEncoding('utf8');
        ch.stderr.setEncoding('utf8');
        ch.on('data', (d: string) => {
          if (pid === undefined) {
            head += d;
            const nl = head.indexOf('\n');
            if (nl < 0) return;
            pid = Number(head.slice(0, nl));
            d = head.slice(nl + 1);
            if (!d) return;
          }
          stdout += d; opts.onStdout?.(d);
        });
        ch.stderr.on('data', (d: string) => { stderr += d; opts.onStderr?.(d); });
        ch.on('close', (code: number | null, signal?: string) => finish(() => {
          if (code == null && !signal) return reject(new Error(`${this.label}: ${argv[0]} ended without an exit status (connection closed)`));
          resolve({ code: code ?? 128 + (SIGNALS[signal!] ?? 0), stdout, stderr });
        }));
        if (opts.input !== undefined) ch.end(opts.input); else ch.end();
      });
    })));
  }

  async run(argv: string[], opts?: ExecOptions): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) throw new HostCommandError(argv, r, this.label);
    return r.stdout;
  }

  private sftpOp<T>(what: string, f: (s: SFTPWrapper, c: Client) => Promise<T>): Promise<T> {
    this.stats.sftpOps++;
    return this.conn.track(what, async c => f(await this.conn.sftp(), c));
  }

  readFile(p: string): Promise<Buffer> {
    return this.sftpOp(`reading ${p}`, s => cb<Buffer>(k => s.readFile(p, k)).catch(e => { throw sftpError(e, p, this.label); }));
  }

  writeFile(p: string, data: string | Buffer, mode = 0o644): Promise<void> {
    const tmp = path.posix.join(path.posix.dirname(p), `.${path.posix.basename(p)}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    return this.sftpOp(`writing ${p}`, async s => {
      try {
        await cb<void>(k => s.writeFile(tmp, data, { mode }, k));
        await cb<void>(k => s.ext_openssh_rename(tmp, p, k));
      } catch (e) {
        await cb<void>(k => s.unlink(tmp, k)).catch(() => undefined);
        throw sftpError(e as Error, p, this.label);
      }
    });
  }

  stat(p: string): Promise<FileStat | undefined> {
    return this.sftpOp(`examining ${p}`, async s => {
      try {
        const st = await cb<import('ssh2').Stats>(k => s.stat(p, k));
        return { size: st.size, isDirectory: st.isDirectory(), mtimeMs: st.mtime * 1000 };
      } catch (e) {
        if ((e as { code?: number }).code === SFTP_NO_SUCH_FILE) return undefined;
        throw sftpError(e as Error, p, this.label);
      }
    });
  }

  async mkdirp(p: string): Promise<void> { await this.run(['mkdir', '-p', '--', p]); }
  async remove(p: string): Promise<void> { await this.run(['rm', '-rf', '--', p]); }
  rename(from: string, to: string): Promise<void> {
    return this.sftpOp(`renaming ${from}`, s => cb<void>(k => s.ext_openssh_rename(from, to, k)).catch(e => { throw sftpError(e, from, this.label); }));
  }
  readdir(p: string): Promise<string[]> {
    return this.sftpOp(`listing ${p}`, s => cb<import('ssh2').FileEntry[]>(k => s.readdir(p, k)).then(l => l.map(e => e.filename).sort(), e => { throw sftpError(e, p, this.label); }));
  }

  async freeSpace(p: string): Promise<number> {
    for (let dir = p; ; dir = path.posix.dirname(dir)) {
      const r = await this.exec(['df', '-PB1', '--', dir]);
      if (r.code === 0) return parseDf(r.stdout);
      if (dir === '/' || dir === '.') throw new HostCommandError(['df', '-PB1', dir], r, this.label);
    }
  }

  /**
   * Pipelined SFTP write to `remote.part`, resumed when an earlier `.part` is a true prefix of the file
   * (same SHA-256), verified (size + SHA-256 by `sha256sum` on the host) and renamed into place.
   */
  async upload(localPath: string, remotePath: string, opts: TransferOptions = {}): Promise<void> {
    const total = (await fs.promises.stat(localPath)).size;
    const part = `${remotePath}.part`;
    const have = (await this.stat(part))?.size ?? 0;
    let offset = 0;
    if (have > 0 && have <= total && (await sha256Local(localPath, have)) === (await this.sha256(part))) offset = have;
    const hash = crypto.createHash('sha256');
    if (offset) await hashRange(localPath, 0, offset, hash);
    await this.sftpOp(`uploading ${path.basename(localPath)}`, async s => {
      const h = await cb<Buffer>(k => s.open(part, offset ? 'r+' : 'w', k)).catch(e => { throw sftpError(e, part, this.label); });
      const fd = await fs.promises.open(localPath, 'r');
      try {
        let pos = offset, done = offset, failure: Error | undefined;
        const pending = new Set<Promise<void>>();
        opts.onProgress?.(done, total);
        while (pos < total && !failure) {
          if (opts.signal?.aborted) throw abortError(opts.signal);
          const len = Math.min(CHUNK, total - pos);
          const buf = Buffer.allocUnsafe(len);
          const { bytesRead } = await fd.read(buf, 0, len, pos);
          hash.update(buf.subarray(0, bytesRead));
          const at = pos;
          pos += bytesRead;
          const w: Promise<void> = cb<void>(k => s.write(h, buf, 0, bytesRead, at, k))
            .then(() => { done += bytesRead; opts.onProgress?.(done, total); }, e => { failure ??= e; })
            .finally(() => pending.delete(w));
          pending.add(w);
          if (pending.size >= INFLIGHT) await Promise.race(pending);
        }
        await Promise.all(pending);
        if (failure) throw failure;
      } finally {
        await fd.close();
        await cb<void>(k => s.close(h, k)).catch(() => undefined);
      }
    });
    const st = await this.stat(part);
    const want = hash.digest('hex');
    const got = st?.size === total ? await this.sha256(part) : undefined;
    if (got !== want) {
      await this.remove(part);
      throw new Error(`Upload of ${localPath} to ${this.label}:${remotePath} is corrupt (size ${st?.size ?? 'missing'} of ${total}, sha256 ${got ?? '-'} ≠ ${want}); the partial file was removed, run it again.`);
    }
    await this.rename(part, remotePath);
  }

  /** Streams to `local.part` (resumed by offset when present), checks size + SHA-256, then renames. */
  async download(remotePath: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    const st = await this.stat(remotePath);
    if (!st) throw new Error(`${this.label}:${remotePath} does not exist`);
    const total = st.size;
    const part = `${localPath}.part`;
    let offset = 0;
    try { offset = fs.statSync(part).size; } catch { /* fresh */ }
    if (offset > total) { fs.rmSync(part); offset = 0; }
    await this.sftpOp(`downloading ${remotePath}`, async s => {
      const h = await cb<Buffer>(k => s.open(remotePath, 'r', k)).catch(e => { throw sftpError(e, remotePath, this.label); });
      const fd = await fs.promises.open(part, offset ? 'r+' : 'w');
      try {
        let next = offset, done = offset;
        opts.onProgress?.(done, total);
        const worker = async () => {
          while (next < total) {
            if (opts.signal?.aborted) throw abortError(opts.signal);
            const at = next, len = Math.min(CHUNK, total - at);
            next += len;
            const buf = Buffer.allocUnsafe(len);
            const n = await cb<number>(k => s.read(h, buf, 0, len, at, (e, bytes) => k(e, bytes)));
            if (n !== len) throw new Error(`short read at ${at} of ${remotePath}`);
            await fd.write(buf, 0, n, at);
            done += n; opts.onProgress?.(done, total);
          }
        };
        await Promise.all(Array.from({ length: 16 }, worker));
      } finally {
        await fd.close();
        await cb<void>(k => s.close(h, k)).catch(() => undefined);
      }
    });
    const [want, got] = await Promise.all([this.sha256(remotePath), sha256Local(part)]);
    if (want !== got) { fs.rmSync(part, { force: true }); throw new Error(`Download of ${this.label}:${remotePath} is corrupt (sha256 ${got} ≠ ${want}); the partial file was removed, run it again.`); }
    await fs.promises.rename(part, localPath);
  }

  async sha256(p: string): Promise<string> {
    return (await this.run(['sha256sum', '--', p])).split(/\s/)[0];
  }

  connectTcp(host: string, port: number): Promise<Duplex> { return this.conn.forwardOut(host, port); }

  /** Closes the host's connection (shared with every other user of this pool for the same user@host:port). */
  async close(): Promise<void> { this.pool.forget(this.conn.spec); }
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15 };

export function parseDf(out: string): number {
  const line = out.trim().split('\n')[1];
  const avail = line ? Number(line.trim().split(/\s+/)[3]) : NaN;
  if (!Number.isFinite(avail)) throw new Error(`could not read df output: ${out.trim().slice(0, 200)}`);
  return avail;
}

function cb<T>(f: (k: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((res, rej) => f((e, v) => (e ? rej(e) : res(v as T))));
}

function sftpError(e: Error, p: string, label: string): Error {
  const code = (e as { code?: number }).code;
  const why = code === SFTP_NO_SUCH_FILE ? 'no such file or directory' : code === 3 ? 'permission denied' : e.message;
  // ENOENT like node's fs, so callers tell "not there" from "could not ask" (isMissing)
  return Object.assign(new Error(`${label}:${p}: ${why}`), code === SFTP_NO_SUCH_FILE ? { code: 'ENOENT' } : {});
}

function abortError(signal: AbortSignal): Error {
  const r = signal.reason;
  return r instanceof Error ? r : Object.assign(new Error('The operation was cancelled'), { name: 'AbortError' });
}

async function hashRange(file: string, start: number, end: number, h: crypto.Hash): Promise<void> {
  if (end <= start) return;
  for await (const chunk of fs.createReadStream(file, { start, end: end - 1 })) h.update(chunk as Buffer);
}

async function sha256Local(file: string, length?: number): Promise<string> {
  const h = crypto.createHash('sha256');
  await hashRange(file, 0, length ?? fs.statSync(file).size, h);
  return h.digest('hex');
}
