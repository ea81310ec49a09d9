import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Duplex } from 'stream';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
// ssh2 is large: loaded on first connection, not when the extension activates.
const ssh2 = (): typeof import('ssh2') => require('ssh2');
import { KnownHosts } from './knownHosts';

/**
 * One SSH connection per host, shared by every view and job. It reconnects with exponential backoff
 * when it drops; operations in flight at that moment fail with a ConnectionLostError (never hang).
 * Host-key and authentication refusals are final: no retry loop hammers a server that said no.
 */

export interface SshHostSpec {
  host: string;
  port: number;
  user: string;
  /** The name the user typed (ssh-config alias), also checked in known_hosts. */
  alias?: string;
  identityFiles?: string[];
  /** An in-memory private key (tests, or a key the caller already holds). */
  privateKey?: Buffer | string;
  /** ssh-agent socket; defaults to $SSH_AUTH_SOCK, `false` disables the agent. */
  agent?: string | false;
  /** Jump hosts, outermost first (ProxyJump). */
  proxyJump?: SshHostSpec[];
  /** Handshake + authentication deadline, paused while the user is asked something. */
  connectTimeoutMs?: number;
}

export interface UnknownHostKey { host: string; port: number; fingerprint: string; keyType: string; otherTypesKnown: boolean }

export interface SshPrompts {
  knownHosts: KnownHosts;
  /** An unknown host key: resolve true only if the user explicitly accepted the fingerprint. */
  confirmHostKey?(key: UnknownHostKey): Promise<boolean>;
  /** Passphrase of an encrypted key file; undefined skips that key. */
  passphrase?(keyFile: string, retry: boolean): Promise<string | undefined>;
  /** Called when a passphrase turned out right, so the UI can keep it (SecretStorage). */
  passphraseAccepted?(keyFile: string, passphrase: string): void;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'error';

export class HostKeyError extends Error { readonly permanent = true; }
export class SshAuthError extends Error { readonly permanent = true; }
export class ConnectionLostError extends Error {}

/** Counters for tests and benches: every TCP+SSH session this process opened. */
export const sshStats = { opened: 0 };

/**
 * sshd refuses session channels (exec, sftp) beyond MaxSessions per connection — 10 by default — so a
 * refresh of many instances next to a running job would fail at random: execs past 8 wait instead
 * (one more is the SFTP channel, one is left for margin).
 */
const SESSION_SLOTS = 8;

export function endpointLabel(s: SshHostSpec): string { return `${s.user}@${s.host}${s.port === 22 ? '' : `:${s.port}`}`; }
function specKey(s: SshHostSpec): string { return [...(s.proxyJump ?? []).map(endpointLabel), endpointLabel(s)].join(' -> '); }

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map(n => path.join(os.homedir(), '.ssh', n));

export class SshConnection {
  state: ConnectionState = 'disconnected';
  lastError?: Error;
  private client?: Client;
  private sftpP?: Promise<SFTPWrapper>;
  private connecting?: Promise<Client>;
  private inflight = new Set<(e: Error) => void>();
  private listeners = new Set<(s: ConnectionState) => void>();
  private retryTimer?: NodeJS.Timeout;
  private attempts = 0;
  private closed = false;
  /** Bumped whenever a connection ends: an operation started under an older generation lost its connection. */
  generation = 0;
  private freeSessions = SESSION_SLOTS;
  private sessionWaiters: Array<() => void> = [];

  constructor(readonly spec: SshHostSpec, private readonly prompts: SshPrompts, readonly pool: ConnectionPool) {}

  get label(): string { return endpointLabel(this.spec); }

  onDidChangeState(l: (s: ConnectionState) => void): { dispose(): void } {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }

  private setState(s: ConnectionState, err?: Error): void {
    this.lastError = err;
    if (this.state === s && !err) return;
    this.state = s;
    for (const l of this.listeners) l(s);
  }

  /** The live client, connecting (once, shared by all callers) if needed. */
  async get(): Promise<Client> {
    if (this.client && this.state === 'connected') return this.client;
    if (this.closed) throw new Error(`The connection to ${this.label} was closed; reconnect the host first.`);
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = undefined; }
    return (this.connecting ??= this.open().finally(() => { this.connecting = undefined; }));
  }

  sftp(): Promise<SFTPWrapper> {
    return (this.sftpP ??= this.get().then(c => new Promise<SFTPWrapper>((res, rej) => c.sftp((e, s) => (e ? rej(e) : res(s)))))
      .catch(e => { this.sftpP = undefined; throw e; }));
  }

  /**
   * Runs `op` as an operation of this connection: if the connection drops before it settles, it is
   * rejected with a ConnectionLostError naming `what` instead of whatever half-state ssh2 reports.
   */
  track<T>(what: string, op: (c: Client) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let gen = -1;
      const lost = (e: Error) => reject(new ConnectionLostError(`The SSH connection to ${this.label} was lost while ${what}: ${e.message}. ` +
        `Nothing was retried; Stratus reconnects in the background — run the action again once the host shows as connected.`));
      this.inflight.add(lost);
      this.get().then(c => { gen = this.generation; return op(c); })
        .then(resolve, e => setImmediate(() => (gen !== -1 && gen !== this.generation ? lost(new Error(String(e.message ?? e))) : reject(e))))
        .finally(() => this.inflight.delete(lost));
    });
  }

  /** Runs `f` holding one of the connection's session-channel slots (an exec); beyond them, callers wait their turn. */
  async session<T>(f: () => Promise<T>): Promise<T> {
    if (this.freeSessions > 0) this.freeSessions--;
    else await new Promise<void>(r => this.sessionWaiters.push(r));
    try { return await f(); } finally {
      const next = this.sessionWaiters.shift();
      if (next) next(); else this.freeSessions++;
    }
  }

  /** A TCP stream to host:port as seen from the remote host (direct-tcpip). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    return this.track(`opening a tunnel to ${host}:${port}`, c => new Promise<ClientChannel>((res, rej) =>
      c.forwardOut('127.0.0.1', 0, host, port, (e, s) => (e ? rej(new Error(`${this.label} could not open a tunnel to ${host}:${port}: ${e.message}`)) : res(s)))));
  }

  /** Drops the current session (if any) and connects again now. */
  async reconnect(): Promise<void> {
    this.closed = false;
    this.attempts = 0;
    this.client?.end();
    await this.get();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.client?.end();
    this.client = undefined;
    this.setState('disconnected');
  }

  private async open(): Promise<Client> {
    // while retrying, the reason the host is away stays readable (trees show it under the host)
    if (this.state === 'reconnecting' || this.state === 'error') this.setState('reconnecting', this.lastError);
    else this.setState('connecting');
    try {
      const c = await this.handshake();
      this.client = c;
      this.attempts = 0;
      this.setState('connected');
      c.on('close', () => this.dropped(c));
      return c;
    } catch (e) {
      const err = e as Error;
      if ((err as HostKeyError).permanent) { this.setState('error', err); throw err; }
      this.setState('error', err);
      this.scheduleRetry();
      throw err;
    }
  }

  private dropped(c: Client): void {
    if (this.client !== c) return;
    this.client = undefined;
    this.sftpP = undefined;
    this.generation++;
    const cause = new Error('the server closed the connection');
    for (const f of [...this.inflight]) f(cause);
    if (this.closed) return;
    this.setState('reconnecting');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer || this.attempts >= 8) return;
    const delay = Math.min(500 * 2 ** this.attempts++, 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'connected' || this.connecting) return;
      this.setState('reconnecting', this.lastError);
      this.get().catch(() => { /* state and lastError carry it */ });
    }, delay);
    this.retryTimer.unref();
  }

  private async handshake(): Promise<Client> {
    const s = this.spec;
    const jumps = s.proxyJump ?? [];
    const sock = jumps.length
      ? await this.pool.get({ ...jumps[jumps.length - 1], proxyJump: jumps.slice(0, -1) }, this.prompts).forwardOut(s.host, s.port)
      : undefined;
    const c = new (ssh2().Client)();
    sshStats.opened++;
    this.pool.opened++;
    return new Promise<Client>((resolve, reject) => {
      let refusal: Error | undefined, lastErr: Error | undefined, paused = false, settled = false;
      const limit = s.connectTimeoutMs ?? 20_000;
      let timer = setTimeout(onTimeout, limit);
      function onTimeout() { if (!paused) { refusal ??= new Error(`Timed out after ${limit / 1000}s connecting to ${endpointLabel(s)}: is the host up and its SSH port reachable?`); c.destroy(); (sock as Duplex | undefined)?.destroy(); } }  // end() would wait for a TCP connect that never completes
      const ask = async <T>(f: () => Promise<T>): Promise<T> => {
        paused = true; clearTimeout(timer);
        try { return await f(); } finally { paused = false; timer = setTimeout(onTimeout, limit); }
      };
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true; clearTimeout(timer);
        if (err) { c.end(); reject(err); } else resolve(c);
      };
      c.on('ready', () => finish());
      c.on('error', e => { lastErr = e; });
      c.on('close', () => finish(refusal ?? explain(lastErr, s)));
      c.connect({
        host: sock ? undefined : s.host, port: s.port, sock, username: s.user,
        readyTimeout: 0, keepaliveInterval: 10_000, keepaliveCountMax: 3,
        hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
          ask(() => this.checkHostKey(blob)).then(() => verify(true), e => { refusal = e; verify(false); });
        },
        authHandler: this.authMethods(ask),
      } as Parameters<Client['connect']>[0]);
    });
  }

  private async checkHostKey(blob: Buffer): Promise<void> {
    const { host, port, alias } = this.spec;
    const v = this.prompts.knownHosts.check(host, port, blob, alias);
    if (v.status === 'known') return;
    if (v.status !== 'unknown') throw new HostKeyError(v.message);
    const key: UnknownHostKey = { host, port, fingerprint: v.fingerprint, keyType: v.keyType, otherTypesKnown: v.otherTypesKnown };
    if (!this.prompts.confirmHostKey || !(await this.prompts.confirmHostKey(key)))
      throw new HostKeyError(`The ${v.keyType} host key of ${endpointLabel(this.spec)} is not known (fingerprint ${v.fingerprint}) and was not accepted. ` +
        `Compare it with the server's (ssh-keygen -lf /etc/ssh/ssh_host_${v.keyType.replace(/^ssh-/, '')}_key.pub on the server), then accept it.`);
    this.prompts.knownHosts.accept(host, port, blob);
  }

  /** agent first, then each identity file (encrypted ones ask for their passphrase, once per attempt). */
  private authMethods(ask: <T>(f: () => Promise<T>) => Promise<T>) {
    const s = this.spec;
    const agent = s.agent === false ? undefined : s.agent ?? process.env.SSH_AUTH_SOCK;
    const queue: Array<() => Promise<object | undefined>> = [];
    if (s.privateKey) queue.push(async () => ({ type: 'publickey', username: s.user, key: s.privateKey }));
    if (agent) queue.push(async () => ({ type: 'agent', username: s.user, agent }));
    const files = s.identityFiles?.length ? s.identityFiles : s.privateKey ? [] : DEFAULT_KEYS;
    for (const f of files) queue.push(() => this.keyFromFile(f, ask));
    return (_left: unknown, _partial: unknown, next: (m: object | false) => void) => {
      const step = (): void => {
        const f = queue.shift();
        if (!f) return next(false);
        f().then(m => (m ? next(m) : step()), () => step());
      };
      step();
    };
  }

  private async keyFromFile(file: string, ask: <T>(f: () => Promise<T>) => Promise<T>): Promise<object | undefined> {
    let data: Buffer;
    try { data = await fs.promises.readFile(file); } catch { return undefined; }
    let parsed = ssh2().utils.parseKey(data);
    if (!(parsed instanceof Error)) return { type: 'publickey', username: this.spec.user, key: data };
    if (!/encrypted|passphrase/i.test(parsed.message) || !this.prompts.passphrase) return undefined;
    for (let retry = false; ; retry = true) {
      const pass = await ask(() => this.prompts.passphrase!(file, retry));
      if (pass === undefined) return undefined;
      parsed = ssh2().utils.parseKey(data, pass);
      if (!(parsed instanceof Error)) {
        this.prompts.passphraseAccepted?.(file, pass);
        return { type: 'publickey', username: this.spec.user, key: data, passphrase: pass };
      }
    }
  }
}

function explain(err: Error | undefined, s: SshHostSpec): Error {
  const where = endpointLabel(s);
  if (!err) return new Error(`The connection to ${where} closed during the handshake.`);
  const code = (err as NodeJS.ErrnoException).code;
  if ((err as { level?: string }).level === 'client-authentication')
    return new SshAuthError(`${where} refused every key offered (ssh-agent and ${s.identityFiles?.join(', ') || 'default key files'}). ` +
      `Add an IdentityFile for this host in ~/.ssh/config or the host's settings, or load the key into ssh-agent.`);
  if (code === 'ECONNREFUSED') return new Error(`${where}: connection refused — is sshd running and listening on port ${s.port}?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new Error(`${where}: host name '${s.host}' does not resolve — check HostName in ~/.ssh/config or the host's settings.`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') return new Error(`${where}: host unreachable (${code}) — check the network or VPN.`);
  return new Error(`${where}: ${err.message}`);
}

export class ConnectionPool {
  /** SSH sessions opened through this pool (reconnects and jump hosts included). */
  opened = 0;
  private readonly byKey = new Map<string, SshConnection>();
  get(spec: SshHostSpec, prompts: SshPrompts): SshConnection {
    const k = specKey(spec);
    let c = this.byKey.get(k);
    if (!c) this.byKey.set(k, (c = new SshConnection(spec, prompts, this)));
    return c;
  }
  all(): SshConnection[] { return [...this.byKey.values()]; }
  closeAll(): void { for (const c of this.byKey.values()) c.close(); this.byKey.clear(); }
  forget(spec: SshHostSpec): void { const k = specKey(spec); this.byKey.get(k)?.close(); this.byKey.delete(k); }
}

/** The process-wide pool: one connection per user@host:port (and jump chain). */
export const connections = new ConnectionPool();
