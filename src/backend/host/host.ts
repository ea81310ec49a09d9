import type { Duplex } from 'stream';

/**
 * A machine the extension drives: this one (child processes) or a remote KVM host (ssh2).
 * Commands are argument arrays, never shell strings, so values from recipes or metadata
 * cannot inject shell syntax; an SSH host quotes them with `shellQuote`.
 */
export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string | Buffer;
  signal?: AbortSignal;
  timeoutMs?: number;
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
}

export interface ExecResult { code: number; stdout: string; stderr: string }

export interface FileStat { size: number; isDirectory: boolean; mtimeMs: number }

export interface TransferOptions { signal?: AbortSignal; onProgress?(done: number, total: number): void }

export interface Host {
  readonly id: string;
  readonly label: string;
  readonly kind: 'local' | 'ssh';
  /** Runs argv[0] with the remaining arguments; resolves with the exit code (does not throw on non-zero). */
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but throws a HostCommandError carrying stderr on a non-zero exit; resolves with stdout. */
  run(argv: string[], opts?: ExecOptions): Promise<string>;
  readFile(path: string): Promise<Buffer>;
  /** Atomic: written to a temporary sibling, then renamed. */
  writeFile(path: string, data: string | Buffer, mode?: number): Promise<void>;
  stat(path: string): Promise<FileStat | undefined>;
  mkdirp(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** Bytes free for new files on the filesystem holding `path`. */
  freeSpace(path: string): Promise<number>;
  upload(localPath: string, remotePath: string, opts?: TransferOptions): Promise<void>;
  download(remotePath: string, localPath: string, opts?: TransferOptions): Promise<void>;
  /** A TCP stream to host:port as seen from this host (guests' forwarded SSH ports live there). */
  connectTcp(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
}

export class HostCommandError extends Error {
  constructor(readonly argv: string[], readonly result: ExecResult, hostLabel: string) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    super(`${argv[0]} failed on ${hostLabel} (exit ${result.code})${detail ? `: ${detail}` : ''}`);
  }
}

/** The file (or process under /proc) is not there — as opposed to a host that could not be asked. */
export function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'ESRCH';
}

/** POSIX sh quoting: every argument becomes one literal word. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(a => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
