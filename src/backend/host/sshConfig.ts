import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SshHostSpec } from './connections';

/**
 * The part of ssh_config(5) a KVM host needs: Host blocks (patterns, negations), HostName, User, Port,
 * IdentityFile, ProxyJump, Include. First value wins as in OpenSSH (IdentityFile accumulates);
 * Match blocks are skipped because their conditions would need a shell.
 */

export interface SshEndpoint { host: string; port: number; user?: string }

export interface ResolvedSshHost {
  /** The name the user gave (alias in ~/.ssh/config or a plain host name). */
  alias: string;
  hostName: string;
  port: number;
  user?: string;
  identityFiles: string[];
  /** Jump hosts, outermost first; each entry may itself be an alias. */
  proxyJump: SshEndpoint[];
  /** File:line of the Host block that matched first, for messages. */
  source?: string;
}

export interface SshConfigBlock { patterns: string[]; opts: Array<[string, string]>; source: string }

function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]);
  return out;
}

function expandTilde(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

function globFiles(pattern: string): string[] {
  if (!/[*?]/.test(path.basename(pattern))) return fs.existsSync(pattern) ? [pattern] : [];
  const dir = path.dirname(pattern);
  const re = new RegExp('^' + path.basename(pattern).replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  try { return fs.readdirSync(dir).filter(n => re.test(n)).sort().map(n => path.join(dir, n)); } catch { return []; }
}

function hostMatches(patterns: string[], name: string): boolean {
  let hit = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const re = new RegExp('^' + (neg ? p.slice(1) : p).replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
    if (re.test(name)) { if (neg) return false; hit = true; }
  }
  return hit;
}

/** `[user@]host[:port]`, `ssh://[user@]host[:port]` or `[user@][v6addr]:port`. */
export function parseDestination(text: string): SshEndpoint {
  const s = text.trim().replace(/^ssh:\/\//, '').replace(/\/$/, '');
  const m = /^(?:([^@\s/]+)@)?(\[[^\]]+\]|[^:@\s/[\]]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) throw new Error(`'${text}' is not a host: write [user@]host[:port], e.g. root@kvm1.example.org:22`);
  const port = m[3] ? Number(m[3]) : 22;
  if (port < 1 || port > 65535) throw new Error(`'${text}': port ${port} is out of range (1-65535)`);
  return { user: m[1], host: m[2].replace(/^\[|\]$/g, ''), port };
}

export class SshConfig {
  constructor(readonly blocks: SshConfigBlock[], private readonly home: string) {}

  /** Concrete aliases (no wildcards) named in Host lines, for a picker. */
  aliases(): string[] {
    const names = this.blocks.flatMap(b => b.patterns).filter(p => !/[*?!]/.test(p));
    return [...new Set(names)];
  }

  resolve(alias: string, localUser = os.userInfo().username): ResolvedSshHost {
    const got = new Map<string, string>();
    const identityFiles: string[] = [];
    let source: string | undefined;
    for (const b of this.blocks) {
      if (!hostMatches(b.patterns, alias)) continue;
      source ??= b.source;
      for (const [k, v] of b.opts) {
        if (k === 'identityfile') identityFiles.push(v);
        else if (!got.has(k)) got.set(k, v);
      }
    }
    const hostName = (got.get('hostname') ?? alias).replace(/%h/g, alias);
    const port = Number(got.get('port') ?? 22);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`ssh config${source ? ` (${source})` : ''}: Port '${got.get('port')}' for ${alias} is not a port number`);
    const user = got.get('user');
    const expand = (p: string) => expandTilde(p.replace(/%%|%[dhpru]/g, t => ({ '%%': '%', '%d': this.home, '%h': hostName, '%p': String(port), '%r': user ?? localUser, '%u': localUser } as Record<string, string>)[t]), this.home);
    const pj = got.get('proxyjump');
    const proxyJump = !pj || pj.toLowerCase() === 'none' ? [] : pj.split(',').map(parseDestination);
    return { alias, hostName, port, user, identityFiles: identityFiles.map(expand), proxyJump, source };
  }
}

export function parseSshConfig(text: string, file: string, home = os.homedir(), depth = 0): SshConfig {
  const blocks: SshConfigBlock[] = [{ patterns: ['*'], opts: [], source: `${file}:0` }];
  let skipping = false;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) return;
    const key = m[1].toLowerCase();
    const args = splitArgs(m[2]);
    if (key === 'host') { skipping = false; blocks.push({ patterns: args, opts: [], source: `${file}:${i + 1}` }); return; }
    if (key === 'match') { skipping = true; return; }
    if (skipping) return;
    if (key === 'include') {
      if (depth > 8) return;
      for (const pat of args) {
        const abs = path.isAbsolute(expandTilde(pat, home)) ? expandTilde(pat, home) : path.join(home, '.ssh', pat);
        for (const f of globFiles(abs)) {
          // Included blocks apply inside the current Host block, as in OpenSSH.
          const inner = parseSshConfig(fs.readFileSync(f, 'utf8'), f, home, depth + 1);
          const cur = blocks[blocks.length - 1];
          for (const b of inner.blocks) blocks.push({ ...b, patterns: b.patterns.length === 1 && b.patterns[0] === '*' ? cur.patterns : b.patterns });
        }
      }
      return;
    }
    if (args.length) blocks[blocks.length - 1].opts.push([key, args[0]]);
  });
  return new SshConfig(blocks, home);
}

export function userSshConfigFile(home = os.homedir()): string { return path.join(home, '.ssh', 'config'); }

/** ~/.ssh/config, or an empty config when there is none. */
export function loadSshConfig(file = userSshConfigFile(), home = os.homedir()): SshConfig {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { /* none */ }
  return parseSshConfig(text, file, home);
}

export interface SpecOverrides { user?: string; port?: number; identityFile?: string }

/**
 * How to reach `target` (an ssh-config alias, or `[user@]host[:port]`, to which config also applies
 * as in OpenSSH). Jump hosts are resolved through the same config.
 */
export function specFor(target: string, cfg: SshConfig, o: SpecOverrides = {}): SshHostSpec {
  const dest = parseDestination(target);
  const explicitPort = /:\d+$/.test(target.trim().replace(/\/$/, ''));
  const r = cfg.resolve(dest.host);
  const user = o.user ?? dest.user ?? r.user ?? os.userInfo().username;
  const jumps = r.proxyJump.map(j => {
    const jr = cfg.resolve(j.host);
    return { host: jr.hostName, port: j.port !== 22 ? j.port : jr.port, user: j.user ?? jr.user ?? user, alias: j.host, identityFiles: jr.identityFiles.length ? jr.identityFiles : undefined };
  });
  return {
    host: r.hostName, port: o.port ?? (explicitPort ? dest.port : r.port), user, alias: dest.host !== r.hostName ? dest.host : undefined,
    identityFiles: o.identityFile ? [o.identityFile] : r.identityFiles.length ? r.identityFiles : undefined,
    proxyJump: jumps.length ? jumps : undefined,
  };
}
