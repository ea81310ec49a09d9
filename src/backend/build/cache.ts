import { createHash } from 'crypto';
import * as path from 'path';
import type { Host } from '../host/host';

/**
 * The build cache: one qcow2 checkpoint per disk-changing step (prerecipe, packages, recipe, each
 * script), each an overlay over the previous checkpoint (the first over the base image). A checkpoint
 * is named by the hash of the base's identity and the inputs of every step up to it, so two recipes
 * that agree on their first N steps share the first N checkpoints. It lives on the VM host under
 * images/build-cache (there the launch accepts it as a placed backing file); base images are never in it.
 */
export interface CheckpointMeta {
  key: string;
  /** The checkpoint this one is an overlay of (absent: over the base image). */
  parent?: string;
  /** The build that made it, and which step it follows ("script b.sh"). */
  build: string;
  unit: string;
  createdAt: string;
  lastUsedAt: string;
}

export interface CheckpointInfo extends CheckpointMeta { file: string; bytes: number }

/** One step whose result is checkpointed, with everything that decides what it writes to the disk. */
export interface CheckpointUnit { label: string; inputs: unknown }

/** key[i] = hash(key[i-1] or the base's identity, unit i's inputs). */
export function checkpointKeys(baseIdentity: string, units: CheckpointUnit[]): string[] {
  const keys: string[] = [];
  let prev = `base:${baseIdentity}`;
  for (const u of units) {
    prev = createHash('sha256').update(prev).update('\0').update(JSON.stringify(u.inputs)).digest('hex').slice(0, 32);
    keys.push(prev);
  }
  return keys;
}

export class BuildCache {
  constructor(readonly host: Host, readonly dir: string) {}

  file(key: string): string { return path.posix.join(this.dir, `${key}.qcow2`); }
  private metaFile(key: string): string { return path.posix.join(this.dir, `${key}.json`); }

  async meta(key: string): Promise<CheckpointMeta | undefined> {
    if (!(await this.host.stat(this.file(key)))) return undefined;
    try { return JSON.parse((await this.host.readFile(this.metaFile(key))).toString('utf8')); } catch { return undefined; }
  }

  /** How many leading keys have a checkpoint (each with its parent chain intact). */
  async longestPrefix(keys: string[]): Promise<{ n: number; meta?: CheckpointMeta }> {
    let n = 0, meta: CheckpointMeta | undefined;
    for (const k of keys) {
      const m = await this.meta(k);
      if (!m) break;
      n++; meta = m;
    }
    return { n, meta };
  }

  /**
   * Copies the frozen layer `layer` (an overlay whose backing has the same content as `parent`'s
   * checkpoint, or the base) into the cache. `convert -B` writes only the layer's own clusters, so a
   * checkpoint costs what its step wrote. Written to a temporary name, then renamed: a cut copy is never a checkpoint.
   */
  async add(key: string, layer: string, backing: { file: string; format: string }, meta: Omit<CheckpointMeta, 'key' | 'createdAt' | 'lastUsedAt'>): Promise<void> {
    await this.host.mkdirp(this.dir);
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    try {
      await this.host.run(['qemu-img', 'convert', '-U', '-f', 'qcow2', '-O', 'qcow2', '-B', backing.file, '-F', backing.format, layer, tmp]);
      const now = new Date().toISOString();
      await this.host.writeFile(this.metaFile(key), JSON.stringify({ key, ...meta, createdAt: now, lastUsedAt: now }, null, 2) + '\n');
      await this.host.rename(tmp, this.file(key));
    } catch (e) {
      await this.host.remove(tmp).catch(() => undefined);
      throw e;
    }
  }

  async touch(key: string): Promise<void> {
    const m = await this.meta(key);
    if (m) await this.host.writeFile(this.metaFile(key), JSON.stringify({ ...m, lastUsedAt: new Date().toISOString() }, null, 2) + '\n');
  }

  async list(): Promise<CheckpointInfo[]> {
    const names = await this.host.readdir(this.dir).catch(() => [] as string[]);
    const out: CheckpointInfo[] = [];
    for (const n of names) {
      const m = /^([0-9a-f]{32})\.qcow2$/.exec(n);
      if (!m) continue;
      const meta = await this.meta(m[1]);
      const st = await this.host.stat(this.file(m[1]));
      if (meta && st) out.push({ ...meta, file: this.file(m[1]), bytes: st.size });
    }
    return out.sort((a, b) => a.lastUsedAt.localeCompare(b.lastUsedAt));
  }

  /**
   * Removes checkpoints, least recently used first, until the cache holds at most `maxBytes`
   * (0: all). A checkpoint in `inUse` is kept with all its ancestors (a running build reads through
   * them); removing one removes its descendants too (they would have a missing backing file).
   */
  async prune(maxBytes: number, inUse: Iterable<string>): Promise<{ removed: CheckpointInfo[]; kept: CheckpointInfo[] }> {
    const all = await this.list();
    const byKey = new Map(all.map(c => [c.key, c]));
    const protectedKeys = new Set<string>();
    for (const k of inUse) {
      for (let c = byKey.get(k); c && !protectedKeys.has(c.key); c = c.parent ? byKey.get(c.parent) : undefined) protectedKeys.add(c.key);
    }
    const gone = new Set<string>();
    let total = all.reduce((s, c) => s + c.bytes, 0);
    const descendants = (key: string): CheckpointInfo[] => {
      const out: CheckpointInfo[] = [];
      for (const c of all) if (c.parent === key && !gone.has(c.key)) out.push(c, ...descendants(c.key));
      return out;
    };
    for (const c of all) {
      if (total <= maxBytes && maxBytes > 0) break;
      if (gone.has(c.key) || protectedKeys.has(c.key)) continue;
      const group = [c, ...descendants(c.key)];
      if (group.some(g => protectedKeys.has(g.key))) continue;
      for (const g of group) {
        await this.host.remove(this.file(g.key));
        await this.host.remove(this.metaFile(g.key));
        gone.add(g.key);
        total -= g.bytes;
      }
    }
    return { removed: all.filter(c => gone.has(c.key)), kept: all.filter(c => !gone.has(c.key)) };
  }
}
