import type { Client } from 'ssh2';
import type { ExecResult, Host } from '../host/host';

/** The guest's host keys from the serial log's cloud-init style block (the last block wins: reboots reprint it). */
export function parseHostKeys(serial: string): string[] {
  const re = /-----BEGIN SSH HOST KEY KEYS-----\r?\n([\s\S]*?)-----END SSH HOST KEY KEYS-----/g;
  let m: RegExpExecArray | null, last: string | undefined;
  while ((m = re.exec(serial))) last = m[1];
  if (!last) return [];
  return last.split(/\r?\n/).map(l => l.trim()).filter(l => /^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+/.test(l));
}

/** The raw key blobs ssh2 hands to hostVerifier, from OpenSSH public key lines. */
export function keyBlobs(lines: string[]): Buffer[] {
  return lines.map(l => Buffer.from(l.split(/\s+/)[1], 'base64'));
}

export interface GuestSshOptions {
  host: Host;
  ip: string;
  port: number;
  user: string;
  privateKey: Buffer;
  /** Pinned host keys (OpenSSH lines), from the guest's console. Required: no key is ever trusted on first sight. */
  hostKeys: string[];
  timeoutMs?: number;
}

/** One SSH login to a guest through the host (so remote hosts' loopback ports work too). */
export async function sshConnect(o: GuestSshOptions): Promise<Client> {
  if (!o.hostKeys.length) throw new Error(`no host key is pinned for the guest at ${o.ip}:${o.port}: refusing to log in to an unverified machine`);
  const sock = await o.host.connectTcp(o.ip, o.port);
  const pinned = keyBlobs(o.hostKeys);
  return new Promise((resolve, reject) => {
    const c = new (require('ssh2') as typeof import('ssh2')).Client();   // ssh2 loads on first connection, not at activation
    let done = false;
    const fail = (e: Error) => { if (!done) { done = true; c.end(); sock.destroy(); reject(e); } };
    c.on('ready', () => { done = true; resolve(c); });
    c.on('error', fail);
    c.on('close', () => fail(new Error('SSH connection closed during login')));
    c.connect({
      sock, username: o.user, privateKey: o.privateKey, readyTimeout: o.timeoutMs ?? 20_000,
      hostVerifier: (key: Buffer) => pinned.some(b => b.equals(key)),
    });
  });
}

/** Runs one command line on an open connection; collects output, does not throw on non-zero. */
export function sshExec(c: Client, command: string, opts: { signal?: AbortSignal; input?: string | Buffer; onStdout?(s: string): void; onStderr?(s: string): void } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, ch) => {
      if (err) return reject(err);
      let stdout = '', stderr = '';
      const onAbort = () => { ch.signal('KILL'); ch.close(); reject(new Error('Cancelled')); };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      ch.on('data', (d: Buffer) => { const s = d.toString('utf8'); stdout += s; opts.onStdout?.(s); });
      ch.stderr.on('data', (d: Buffer) => { const s = d.toString('utf8'); stderr += s; opts.onStderr?.(s); });
      let exit: { code: number | null } | undefined;
      ch.on('exit', (code: number | null) => { exit = { code }; });
      ch.on('close', () => {
        opts.signal?.removeEventListener('abort', onAbort);
        // no exit-status (nor exit-signal) before the close: the session was cut, the outcome is unknown
        if (!exit) reject(new Error('the SSH session closed without an exit status (connection lost)'));
        else resolve({ code: exit.code ?? 255, stdout, stderr });
      });
      ch.end(opts.input);
    });
  });
}
