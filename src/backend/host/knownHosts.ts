import * as crypto from 'crypto';
import * as fs from 'fs';
import { writeAtomic as atomicWrite } from '../atomic';
import * as os from 'os';
import * as path from 'path';
import { defaultDataRoot } from '../paths';

/**
 * Host-key checking with OpenSSH's rules and files: ~/.ssh/known_hosts (plain, hashed `|1|salt|hash`,
 * `[host]:port`, wildcards, negations, @revoked) plus the extension's own file, which is the only one written.
 * A changed key is refused with the file and line that hold the old one, so the user knows what to edit.
 */

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the key blob. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type is the first string inside the blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

/** The host name as known_hosts spells it: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export type HostKeyVerdict =
  | { status: 'known'; file: string; line: number }
  | { status: 'unknown'; fingerprint: string; keyType: string; otherTypesKnown: boolean }
  | { status: 'changed' | 'revoked'; fingerprint: string; keyType: string; file: string; line: number; message: string };

interface Entry { file: string; line: number; marker?: string; patterns: string; type: string; blob: Buffer }

function globToRegExp(p: string): RegExp {
  return new RegExp('^' + p.replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
}

function hashedMatches(field: string, names: string[]): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const key = Buffer.from(salt, 'base64');
  return names.some(n => crypto.createHmac('sha1', key).update(n).digest('base64') === hash);
}

/** True when the comma-separated pattern list matches one of `names` and no negated pattern does. */
export function patternsMatch(patterns: string, names: string[]): boolean {
  if (patterns.startsWith('|1|')) return hashedMatches(patterns, names);
  let hit = false;
  for (const raw of patterns.split(',')) {
    const neg = raw.startsWith('!');
    const re = globToRegExp(neg ? raw.slice(1) : raw);
    if (names.some(n => re.test(n))) { if (neg) return false; hit = true; }
  }
  return hit;
}

export function parseKnownHosts(text: string, file: string): Entry[] {
  const out: Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    const marker = f[0].startsWith('@') ? f.shift() : undefined;
    if (f.length < 3) return;
    out.push({ file, line: i + 1, marker, patterns: f[0], type: f[1], blob: Buffer.from(f[2], 'base64') });
  });
  return out;
}

export function userKnownHostsFile(): string { return path.join(os.homedir(), '.ssh', 'known_hosts'); }

export class KnownHosts {
  /**
   * @param ownFile the extension-kept file (in data.root); accepted keys are appended there.
   * @param readFiles further files consulted (default ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts).
   */
  constructor(readonly ownFile: string, readonly readFiles: string[] = [userKnownHostsFile(), '/etc/ssh/ssh_known_hosts']) {}

  private entries(): Entry[] {
    const all: Entry[] = [];
    for (const f of [...this.readFiles, this.ownFile]) {
      let text: string;
      try { text = fs.readFileSync(f, 'utf8'); } catch { continue; }
      all.push(...parseKnownHosts(text, f));
    }
    return all;
  }

  /** `host` may be a name or an address; `alias` (the name the user typed) is checked too, as OpenSSH does. */
  check(host: string, port: number, blob: Buffer, alias?: string): HostKeyVerdict {
    const names = [...new Set([host, alias].filter((x): x is string => !!x).map(h => knownHostName(h, port)))];
    const type = keyType(blob);
    const fp = fingerprint(blob);
    const mine = this.entries().filter(e => e.marker !== '@cert-authority' && patternsMatch(e.patterns, names));
    const revoked = mine.find(e => e.marker === '@revoked' && e.blob.equals(blob));
    if (revoked) return { status: 'revoked', fingerprint: fp, keyType: type, file: revoked.file, line: revoked.line,
      message: `The host key of ${names[0]} (${fp}) is marked @revoked in ${revoked.file}:${revoked.line}. Refusing to connect.` };
    const same = mine.find(e => !e.marker && e.blob.equals(blob));
    if (same) return { status: 'known', file: same.file, line: same.line };
    const old = mine.find(e => !e.marker && e.type === type);
    if (old) return { status: 'changed', fingerprint: fp, keyType: type, file: old.file, line: old.line,
      message: `REFUSED: the ${type} host key of ${names[0]} has CHANGED. It now presents ${fp}, but ${old.file} line ${old.line} ` +
        `records ${fingerprint(old.blob)}. Either the server was reinstalled or re-keyed, or someone is intercepting the connection. ` +
        `If you know the server was re-keyed, remove line ${old.line} from ${old.file} ` +
        `(e.g. ssh-keygen -R '${names[0]}' -f '${old.file}') and connect again to review the new key.` };
    return { status: 'unknown', fingerprint: fp, keyType: type, otherTypesKnown: mine.some(e => !e.marker) };
  }

  /** Records an accepted key in the extension's own file (atomic rewrite; the user's files are never touched). */
  accept(host: string, port: number, blob: Buffer): void {
    let prev = '';
    try { prev = fs.readFileSync(this.ownFile, 'utf8'); } catch { /* first key */ }
    if (prev && !prev.endsWith('\n')) prev += '\n';
    const line = `${knownHostName(host, port)} ${keyType(blob)} ${blob.toString('base64')}\n`;
    writeAtomic(this.ownFile, prev + line);
  }
}

/** Known-hosts and host lists are written 0600 (the one writeAtomic of src/backend/atomic.ts). */
export function writeAtomic(file: string, data: string): void { atomicWrite(file, data, 0o600); }

/* ---- guests: keys pinned per instance, so a reused address/port is told apart from an attack ---- */

export interface GuestKeyRecord { hostId: string; addr: string; port: number; instanceId: string; keys: string[]; pinnedAt: string }

export type GuestKeyVerdict =
  | { status: 'known'; instanceId: string }
  /** No record for this address yet, or one left by another instance: the caller pins and goes on. */
  | { status: 'unknown' | 'reassigned'; previousInstance?: string; message?: string }
  | { status: 'changed'; message: string };

function keyBlobOf(line: string): Buffer | undefined {
  const f = line.trim().split(/\s+/);
  const b64 = f.length >= 2 ? f[1] : f[0];
  return b64 ? Buffer.from(b64, 'base64') : undefined;
}

export function guestKeysFile(dataRoot: string): string { return path.join(dataRoot, 'guest_known_hosts.json'); }

export class GuestKeys {
  constructor(readonly file: string) {}

  list(): GuestKeyRecord[] {
    try { return JSON.parse(fs.readFileSync(this.file, 'utf8')) as GuestKeyRecord[]; } catch { return []; }
  }

  /** `keys` are OpenSSH public-key lines (`ssh-ed25519 AAAA… [comment]`), e.g. from the serial log's host-key block. */
  pin(hostId: string, addr: string, port: number, instanceId: string, keys: string[]): void {
    const rest = this.list().filter(r => !(r.hostId === hostId && r.addr === addr && r.port === port));
    rest.push({ hostId, addr, port, instanceId, keys: keys.map(k => k.trim()).filter(Boolean), pinnedAt: new Date().toISOString() });
    writeAtomic(this.file, JSON.stringify(rest, null, 1));
  }

  forget(instanceId: string): void {
    writeAtomic(this.file, JSON.stringify(this.list().filter(r => r.instanceId !== instanceId), null, 1));
  }

  /** `instanceId` is the instance the caller means to reach at addr:port. */
  check(hostId: string, addr: string, port: number, instanceId: string, blob: Buffer): GuestKeyVerdict {
    const rec = this.list().find(r => r.hostId === hostId && r.addr === addr && r.port === port);
    if (!rec) return { status: 'unknown' };
    if (rec.instanceId !== instanceId) return { status: 'reassigned', previousInstance: rec.instanceId,
      message: `${addr}:${port} on ${hostId} now belongs to instance ${instanceId} (it was ${rec.instanceId}); its new key replaces the old one.` };
    if (rec.keys.some(k => keyBlobOf(k)?.equals(blob))) return { status: 'known', instanceId };
    return { status: 'changed', message: `REFUSED: instance ${instanceId} at ${addr}:${port} on ${hostId} presents ${fingerprint(blob)}, ` +
      `which is not the host key recorded for it in ${this.file} on ${rec.pinnedAt}. The guest was re-keyed or something else answers on that port.` };
  }

  /** A hostVerifier-style check that pins on first contact (or reassignment) and refuses a changed key. */
  verifyOrPin(hostId: string, addr: string, port: number, instanceId: string, blob: Buffer): { ok: boolean; message?: string } {
    const v = this.check(hostId, addr, port, instanceId, blob);
    if (v.status === 'known') return { ok: true };
    if (v.status === 'changed') return { ok: false, message: v.message };
    this.pin(hostId, addr, port, instanceId, [`${keyType(blob)} ${blob.toString('base64')}`]);
    return { ok: true, message: v.message };
  }
}

/**
 * For the KVM driver: record the keys of a guest it launched (from the serial log) with the instance,
 * before the first SSH contact. `dataRoot` defaults to the extension's data folder.
 */
export function pinGuestKey(hostId: string, addr: string, port: number, instanceId: string, keys: string[], dataRoot?: string): void {
  new GuestKeys(guestKeysFile(dataRoot ?? defaultDataRoot())).pin(hostId, addr, port, instanceId, keys);
}
