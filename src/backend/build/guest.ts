import type { Client, SFTPWrapper } from 'ssh2';
import { shellQuote, type ExecResult } from '../host/host';
import { sshExec } from '../kvm/ssh';

/**
 * The build's one SSH session to its guest. Commands are argument arrays turned into a single
 * command line by shellQuote, so every recipe value arrives as one literal word.
 */
export class GuestSession {
  private sftpP?: Promise<SFTPWrapper>;
  constructor(readonly client: Client) {}

  exec(argv: string[], opts: { signal?: AbortSignal; input?: string | Buffer; onOutput?(text: string): void } = {}): Promise<ExecResult> {
    if (opts.signal?.aborted) return Promise.reject(new Error('Cancelled'));
    return sshExec(this.client, shellQuote(argv), { signal: opts.signal, input: opts.input, onStdout: opts.onOutput, onStderr: opts.onOutput });
  }

  /** Like exec, but a non-zero exit is an error carrying the last lines of output. */
  async run(argv: string[], what: string, opts: { signal?: AbortSignal; input?: string | Buffer; onOutput?(text: string): void } = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) {
      const tail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
      throw new Error(`${what} (exit ${r.code})${tail ? `:\n${tail}` : ''}`);
    }
    return r.stdout;
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpP ??= new Promise((resolve, reject) => this.client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    return this.sftpP;
  }

  async upload(localPath: string, remotePath: string, mode = 0o755): Promise<void> {
    const s = await this.sftp();
    await new Promise<void>((resolve, reject) => s.fastPut(localPath, remotePath, { mode }, e => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) => s.chmod(remotePath, mode, e => (e ? reject(e) : resolve())));
  }

  async writeFile(remotePath: string, content: string | Buffer, opts: { mode?: number; append?: boolean } = {}): Promise<void> {
    const s = await this.sftp();
    await new Promise<void>((resolve, reject) => {
      const w = s.createWriteStream(remotePath, { flags: opts.append ? 'a' : 'w', mode: opts.mode ?? 0o644 });
      w.on('error', reject).on('close', () => resolve());
      w.end(content);
    });
  }

  end(): void { this.client.end(); }
}
