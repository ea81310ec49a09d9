import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Host } from '../host/host';
import { identifierToBigInt } from '../../core/metadata/identifier';
import type { MetadataSummary } from '../../core/metadata/types';

/**
 * The image cache is keyed by the SHA-1 the (signed) metadata names, never by the identifier alone: an
 * entry claiming someone else's identifier can only ever fill the slot of the image it really describes.
 * A verified file gets a sidecar `<file>.verified` recording its SHA-1 and the file's size, inode, mtime and
 * ctime; a cache hit is a stat compared with it (cheap for multi-GB images), and anything else is re-hashed
 * before use. Whoever can forge mtime and ctime can also rewrite the sidecar, so hashing on every hit would
 * not protect against them; it would only make every launch read the whole image.
 */

export interface CacheSlot { sha1: string; format: 'raw' | 'qcow2'; name: string }

/** The normalised SHA-1 (40 lowercase hex digits) of a summary, or undefined when it names none or a malformed one. */
export function summarySha1(s: MetadataSummary): string | undefined {
  const want = s.checksums['SHA-1'];
  if (!want || !/^[0-9a-fA-F]{1,40}$/.test(want)) return undefined;
  return want.toLowerCase().padStart(40, '0');
}

/** Where an entry's image lives in a cache, after checking that the identifier is the one its SHA-1 gives. */
export function cacheSlot(s: MetadataSummary): CacheSlot {
  const format = s.format === 'qcow2' ? 'qcow2' : 'raw';
  const sha1 = summarySha1(s);
  if (!sha1) throw new Error(`the metadata of ${s.identifier} has no valid SHA-1 checksum, so the download cannot be verified`);
  let consistent = false;
  try { consistent = identifierToBigInt(s.identifier) === BigInt(`0x${sha1}`); } catch { /* malformed identifier */ }
  if (!consistent) throw new Error(`the identifier ${s.identifier} does not match its SHA-1 ${sha1}: an entry may only name the image its checksum identifies (refusing it)`);
  return { sha1, format, name: `${sha1}.${format}` };
}

/** What changes whenever the file's content is rewritten in place or replaced. */
async function fingerprint(host: Host, file: string): Promise<string | undefined> {
  if (host.kind === 'local') {
    const st = await fs.promises.stat(file, { bigint: true }).catch(() => undefined);
    return st && `${st.size}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}`;
  }
  return (await host.exec(['stat', '-c', '%s:%i:%.9Y:%.9Z', '--', file])).stdout.trim() || undefined;
}

async function sha1Of(host: Host, file: string, signal?: AbortSignal): Promise<string> {
  if (host.kind !== 'local') return (await host.run(['sha1sum', '--', file], { signal })).split(/\s/)[0];
  const h = crypto.createHash('sha1');
  for await (const c of fs.createReadStream(file, { signal })) h.update(c as Buffer);
  return h.digest('hex');
}

/** Records that `file` was just checked to have `sha1`. */
export async function markVerified(host: Host, file: string, sha1: string): Promise<void> {
  const fp = await fingerprint(host, file);
  await host.writeFile(`${file}.verified`, JSON.stringify({ sha1, fingerprint: fp }) + '\n', 0o644);
}

/**
 * A cache hit: true when `file` is there and still the image with `sha1` (sidecar unchanged, else re-hashed).
 * A file that no longer matches is removed, so the caller downloads the genuine image again.
 */
export async function verifiedHit(host: Host, file: string, sha1: string, signal?: AbortSignal): Promise<boolean> {
  if (!(await host.stat(file))) return false;
  const side = await host.readFile(`${file}.verified`).then(b => JSON.parse(b.toString('utf8')) as { sha1?: string; fingerprint?: string }).catch(() => undefined);
  if (side?.sha1 === sha1 && side.fingerprint && side.fingerprint === (await fingerprint(host, file))) return true;
  if ((await sha1Of(host, file, signal)) === sha1) { await markVerified(host, file, sha1); return true; }
  await host.remove(file).catch(() => undefined);
  await host.remove(`${file}.verified`).catch(() => undefined);
  return false;
}

/** Part files are named with the writer's pid: `.<name>.<pid>.<random>.part` or `<name>.part-<pid>`. */
export function partFileName(dir: string, name: string): string {
  return path.join(dir, `.${name}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`);
}

const STALE_MS = 24 * 3600_000;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * The same on a remote host's cache, where the writer's pid is one of the machine that started the download:
 * only files nothing has written to for a day are removed there.
 */
export async function sweepStalePartsOn(host: Host, dir: string): Promise<void> {
  if (host.kind === 'local') return sweepStaleParts(dir);
  const names = await host.readdir(dir).catch(() => [] as string[]);
  for (const n of names.filter(x => /\.part-\d+$/.test(x))) {
    const p = path.posix.join(dir, n);
    const st = await host.stat(p).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > STALE_MS) await host.remove(p).catch(() => undefined);
  }
}

/**
 * Removes the temporary files of downloads that were killed (their writer's process is gone, or nothing has
 * written to them for a day); a download in progress in another process keeps its file.
 */
export async function sweepStaleParts(dir: string): Promise<void> {
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const m = /\.(\d+)\.[0-9a-f]+\.part$/.exec(n) ?? /\.part-(\d+)$/.exec(n);
    if (!m) continue;
    const p = path.join(dir, n);
    const st = await fs.promises.stat(p).catch(() => undefined);
    if (!st) continue;
    if (!alive(Number(m[1])) || Date.now() - st.mtimeMs > STALE_MS) await fs.promises.rm(p, { force: true });
  }
}
