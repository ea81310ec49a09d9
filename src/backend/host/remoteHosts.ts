import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConnectionPool, connections, SshPrompts } from './connections';
import { KnownHosts, userKnownHostsFile, writeAtomic } from './knownHosts';
import type { DataLayout } from '../paths';
import { hopsOf, SshHop } from './guestSsh';
import { preflight, PreflightItem } from './preflight';
import { SshHost } from './ssh';
import { loadSshConfig, parseDestination, SshConfig, specFor } from './sshConfig';

/**
 * The remote KVM hosts the user configured: `stratus.hosts` in VS Code, `hosts.json` in the data folder
 * for the CLI (the UI shows both). An entry names an ~/.ssh/config alias or a `user@host:port`.
 */

export interface HostEntry {
  name: string;
  /** ssh-config alias or [user@]host[:port]. */
  target: string;
  identityFile?: string;
  /** Stratus's data folder on that host (relative paths are under the SSH user's home). */
  dataDir?: string;
  /** How marketplace/URL images reach the host: uploaded from here (default) or downloaded by the host. */
  images?: 'upload' | 'download';
}

/** What `stratus.hosts` may hold: an ssh-config name, or {name, host, port, user, identityFile, dataDir}. */
export type HostSetting = string | { name?: string; host: string; port?: number; user?: string; identityFile?: string; dataDir?: string; images?: 'upload' | 'download' };

export const DEFAULT_REMOTE_DATA_DIR = '.local/share/stratus';

export function entryFromSetting(s: HostSetting): HostEntry {
  if (typeof s === 'string') { checkTarget(s); return { name: s, target: s }; }
  if (!s || typeof s.host !== 'string' || !s.host) throw new Error(`stratus.hosts: each entry needs "host" (got ${JSON.stringify(s)})`);
  const target = `${s.user ? `${s.user}@` : ''}${s.host.includes(':') ? `[${s.host}]` : s.host}${s.port ? `:${s.port}` : ''}`;
  checkTarget(target);
  if (s.images !== undefined && s.images !== 'upload' && s.images !== 'download') throw new Error(`stratus.hosts: "images" is "upload" or "download" (got ${JSON.stringify(s.images)})`);
  return { name: s.name || s.host, target, identityFile: s.identityFile, dataDir: s.dataDir, images: s.images };
}

export function entryToSetting(e: HostEntry): HostSetting {
  const d = parseDestination(e.target);
  if (!e.identityFile && !e.dataDir && !e.images && e.name === e.target && !d.user && d.port === 22) return e.name;
  return { name: e.name, host: d.host, port: d.port === 22 ? undefined : d.port, user: d.user, identityFile: e.identityFile, dataDir: e.dataDir, images: e.images };
}

function checkTarget(t: string): void { parseDestination(t); }

export function checkHostName(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/.test(name)) return `'${name}' is not a usable host name: letters, digits and . _ @ : - (up to 64)`;
  if (name === 'local') return `'local' is this machine; give the remote host another name`;
  return undefined;
}

export function hostsFile(dataRoot: string): string { return path.join(dataRoot, 'hosts.json'); }

export function loadHostEntries(dataRoot: string): HostEntry[] {
  let raw: unknown;
  try { raw = JSON.parse(fs.readFileSync(hostsFile(dataRoot), 'utf8')); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${hostsFile(dataRoot)} is not valid JSON (${(e as Error).message}); fix or delete it`);
  }
  return (Array.isArray(raw) ? raw : []).map(x => entryFromSetting(x as HostSetting));
}

export function saveHostEntries(dataRoot: string, entries: HostEntry[]): void {
  writeAtomic(hostsFile(dataRoot), JSON.stringify(entries.map(entryToSetting), null, 2) + '\n');
}

/** The extension's own known_hosts (accepted keys go there); ~/.ssh/known_hosts is read, never written. */
export function knownHostsFor(dataRoot: string, readFiles = [userKnownHostsFile(), '/etc/ssh/ssh_known_hosts']): KnownHosts {
  return new KnownHosts(path.join(dataRoot, 'known_hosts'), readFiles);
}

/**
 * How OpenSSH reaches `host` the way its connection does: the same hops, keys and known_hosts files
 * (the extension's own file, where keys accepted in the UI went, then the user's), for guestSshArgv.
 */
export function sshRouteTo(host: SshHost, dataRoot: string, known = knownHostsFor(dataRoot)): { hops: SshHop[]; knownHostsFiles: string[] } {
  return { hops: hopsOf(host.conn.spec), knownHostsFiles: [known.ownFile, ...known.readFiles] };
}

export interface RemoteHostOptions {
  dataRoot: string;
  prompts?: Omit<SshPrompts, 'knownHosts'>;
  sshConfig?: SshConfig;
  pool?: ConnectionPool;
  knownHosts?: KnownHosts;
}

/** An SshHost for a configured entry; it shares the pool's connection with every other user of that host. */
export function createSshHost(entry: HostEntry, o: RemoteHostOptions): RemoteKvmHost {
  const key = entry.identityFile?.replace(/^~(?=$|\/)/, os.homedir());
  const spec = specFor(entry.target, o.sshConfig ?? loadSshConfig(), { identityFile: key });
  return new RemoteKvmHost(entry, spec, { ...o.prompts, knownHosts: o.knownHosts ?? knownHostsFor(o.dataRoot) }, o.pool ?? connections);
}

export class RemoteKvmHost extends SshHost {
  constructor(readonly entry: HostEntry, spec: ConstructorParameters<typeof SshHost>[1], prompts: SshPrompts, pool: ConnectionPool) {
    super(entry.name, spec, prompts, pool, entry.name);
  }
  get dataDir(): string { return this.entry.dataDir ?? DEFAULT_REMOTE_DATA_DIR; }
  get target(): string { return this.entry.target; }
  get imageTransfer(): 'upload' | 'download' { return this.entry.images ?? 'upload'; }

  /**
   * Stratus's folders ON this host, absolute (qemu resolves relative backing files against the overlay, so
   * the home-relative default is resolved once). `keys` stays on this machine: the client logs into guests.
   */
  async dataLayout(localKeysDir: string): Promise<DataLayout> {
    const root = this.dataDir.startsWith('/') ? this.dataDir : path.posix.join((await this.run(['pwd'])).trim(), this.dataDir);
    const j = (n: string) => path.posix.join(root, n);
    return { root, marketplace: j('marketplace'), images: j('images'), instances: j('instances'), volumes: j('volumes'), builds: j('builds'), keys: localKeysDir };
  }

  /** Pre-flight where this host keeps images and overlays. */
  async check(o: { minFreeBytes?: number; libvirt?: boolean } = {}): Promise<PreflightItem[]> {
    return preflight(this, { imagesDir: path.posix.join(this.dataDir, 'images'), instancesDir: path.posix.join(this.dataDir, 'instances'), ...o });
  }
}
