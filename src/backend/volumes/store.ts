import { execFile } from 'child_process';
import { randomUUID } from 'crypto';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isMissing, type Host } from '../host/host';
import { LocalHost } from '../host/local';

/** pdisk disk types (docs/stratuslab.md#volumes, `Disk.DiskType`). */
export const VOLUME_TYPES = [
  'MACHINE_IMAGE_ORIGIN', 'MACHINE_IMAGE_LIVE', 'DATA_IMAGE_ORIGIN', 'DATA_IMAGE_LIVE',
  'DATA_IMAGE_RAW_READONLY', 'DATA_IMAGE_RAW_READ_WRITE',
] as const;
export type VolumeType = typeof VOLUME_TYPES[number];
export type Visibility = 'PUBLIC' | 'PRIVATE';
export type VolumeFormat = 'raw' | 'qcow2';

/** What is stored in `<uuid>.json`. */
export interface VolumeRecord {
  uuid: string;
  tag: string;
  owner: string;
  /** Marketplace identifier, `snapshot:<origin uuid>` for copy-on-write volumes, or "". */
  identifier: string;
  type: VolumeType;
  visibility: Visibility;
  format: VolumeFormat;
  /** Absolute path of the disk file. */
  path: string;
  /** Virtual size in bytes. */
  bytes: number;
  /** uuid of the volume this one is a qcow2 overlay of. */
  backing?: string;
  /** Backing file outside the store (e.g. a cached Marketplace base), absolute path. */
  backingFile?: string;
  /** Instance ids the volume is attached to (pdisk mounts). */
  attachedTo: string[];
  created: string;
}

/** A record plus the derived pdisk fields. */
export interface Volume extends VolumeRecord {
  /** GiB, rounded up (pdisk `size`). */
  size: number;
  /** pdisk `count`: mounts, plus (for an origin) the overlays that depend on it. */
  count: number;
  /** uuids of the volumes that use this one as backing. */
  dependents: string[];
}

export interface Disposable { dispose(): void }

export class VolumeError extends Error {
  /** `usage`: the request itself is malformed (a size, tag, UUID or type), not the state of the volumes (CLI exit 2 vs 1). */
  constructor(message: string, readonly usage = false) { super(message); }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The draft/saved metadata kept beside a volume's disk file (`<uuid>.metadata.xml`). */
export const metadataPathOf = (diskPath: string) => diskPath.replace(/\.(qcow2|img)$/, '') + '.metadata.xml';

export function checkSize(sizeGiB: number): void {
  if (!Number.isInteger(sizeGiB) || sizeGiB < 1 || sizeGiB > 1024) throw new VolumeError('Volume size must be a valid integer between 1 and 1024', true);
}
export function checkTag(tag: string): void {
  if (tag.length >= 40) throw new VolumeError('Tags must have less than 40 characters', true);
  if (/[\r\n]/.test(tag)) throw new VolumeError('Tags must be a single line', true);
}
export function checkUuid(uuid: string): void {
  if (!UUID.test(uuid)) throw new VolumeError(`Invalid volume UUID '${uuid}': expected the form 0123abcd-…-0123456789ab (see describe-volumes).`, true);
}

export function qemuImg(args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, { signal, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new VolumeError(`qemu-img ${args[0]} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

export interface ImageInfo { format: string; virtualSize: number; backingFile?: string; actualSize?: number }

export async function imageInfo(file: string, host?: Host): Promise<ImageInfo> {
  const j = JSON.parse(host && host.kind !== 'local' ? await hostQemuImg(host, ['info', '--output=json', '-U', file]) : await qemuImg(['info', '--output=json', file]));
  const backing = j['full-backing-filename'] ?? j['backing-filename'];
  return { format: j.format, virtualSize: j['virtual-size'], backingFile: backing, actualSize: j['actual-size'] };
}

async function hostQemuImg(host: Host, args: string[], signal?: AbortSignal): Promise<string> {
  try { return await host.run(['qemu-img', ...args], { signal }); } catch (e) {
    throw new VolumeError(`qemu-img ${args[0]} failed on ${host.label}: ${(e as Error).message.replace(/^qemu-img failed on [^:]*: /, '')}`);
  }
}

/**
 * A pdisk-like store of disk volumes in one folder: `<uuid>.json` beside `<uuid>.qcow2|.img`.
 * JSON writes are atomic; a volume's file exists before its JSON, and the JSON goes first on delete,
 * so a crash never leaves a record without its disk.
 */
export class VolumeStore {
  /**
   * This store's own events: one store per folder (backend/hosts/services) is shared by the host's instance
   * manager, the trees and the commands, so a volume the KVM Epilog saves is heard by the Volumes tree.
   */
  private readonly events = new EventEmitter().setMaxListeners(0);
  private watcher?: fs.FSWatcher;
  private listening = 0;
  private timer?: NodeJS.Timeout;
  readonly owner: string;
  /** Where the folder and its disks are: this machine or a remote KVM host (every file and qemu-img call goes through it). */
  readonly host: Host;
  private readonly p: typeof path.posix;

  constructor(readonly dir: string, opts: { owner?: string; host?: Host } = {}) {
    this.owner = opts.owner ?? os.userInfo().username;
    this.host = opts.host ?? new LocalHost();
    this.p = this.host.kind === 'local' ? path : path.posix;
  }

  private get local(): boolean { return this.host.kind === 'local'; }
  private img(args: string[], signal?: AbortSignal): Promise<string> { return this.local ? qemuImg(args, signal) : hostQemuImg(this.host, args, signal); }

  /** Fires after any change made by this store, or (while someone listens) by another process in the folder. */
  onDidChange(listener: () => void): Disposable {
    this.events.on('change', listener);
    this.listening++;
    if (this.local && !this.watcher && fs.existsSync(this.dir)) {
      try {
        this.watcher = fs.watch(this.dir, (_e, name) => {
          if (name && !String(name).endsWith('.json')) return;
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.events.emit('change'), 100);
        });
        this.watcher.unref();
      } catch { /* no watching on this filesystem: in-process events still work */ }
    }
    return { dispose: () => {
      this.events.off('change', listener);
      if (--this.listening === 0) { this.watcher?.close(); this.watcher = undefined; clearTimeout(this.timer); }
    } };
  }

  private changed(): void { this.events.emit('change'); }

  private jsonPath(uuid: string): string { return this.p.join(this.dir, `${uuid}.json`); }

  private async records(): Promise<VolumeRecord[]> {
    let names: string[];
    try { names = await this.host.readdir(this.dir); } catch (e) {
      // no folder yet = no volumes; a host that cannot be asked is an error, not an empty list
      if (this.local || isMissing(e)) return [];
      throw e;
    }
    // read in parallel: on a remote host each read is a round trip, pipelined over the one connection
    const read = await Promise.all(names.filter(n => n.endsWith('.json') && UUID.test(n.slice(0, -5))).map(n =>
      this.host.readFile(this.p.join(this.dir, n)).then(b => JSON.parse(b.toString('utf8')) as VolumeRecord, () => undefined /* half-deleted */)));
    return read.filter((r): r is VolumeRecord => !!r);
  }

  private derive(r: VolumeRecord, all: VolumeRecord[]): Volume {
    const dependents = all.filter(o => o.backing === r.uuid).map(o => o.uuid);
    return { ...r, size: Math.max(1, Math.ceil(r.bytes / 2 ** 30)), count: r.attachedTo.length + dependents.length, dependents };
  }

  /** Newest first, as pdisk lists them. */
  async list(): Promise<Volume[]> {
    const all = await this.records();
    return all.map(r => this.derive(r, all)).sort((a, b) => b.created.localeCompare(a.created));
  }

  async get(uuid: string): Promise<Volume | undefined> {
    return (await this.list()).find(v => v.uuid === uuid);
  }

  private async must(uuid: string): Promise<Volume> {
    checkUuid(uuid);
    const v = await this.get(uuid);
    if (!v) throw new VolumeError(`No volume ${uuid} in ${this.dir} (see describe-volumes).`);
    return v;
  }

  private async save(r: VolumeRecord): Promise<void> {
    await this.host.mkdirp(this.dir);
    await this.host.writeFile(this.jsonPath(r.uuid), JSON.stringify(r, null, 2) + '\n');
  }

  private newRecord(p: Partial<VolumeRecord> & Pick<VolumeRecord, 'uuid' | 'path' | 'format' | 'bytes' | 'type'>): VolumeRecord {
    return { tag: '', owner: this.owner, identifier: '', visibility: 'PRIVATE', attachedTo: [], created: new Date().toISOString(), ...p };
  }

  /** A new empty data volume (pdisk `POST /disks/`), sparse. */
  async create(opts: { sizeGiB: number; tag?: string; visibility?: Visibility; format?: VolumeFormat; type?: VolumeType }): Promise<Volume> {
    checkSize(opts.sizeGiB);
    checkTag(opts.tag ?? '');
    const format = opts.format ?? 'qcow2';
    const uuid = randomUUID();
    const file = this.p.join(this.dir, `${uuid}.${format === 'raw' ? 'img' : 'qcow2'}`);
    await this.host.mkdirp(this.dir);
    try {
      await this.img(['create', '-q', '-f', format, file, `${opts.sizeGiB}G`]);
      await this.save(this.newRecord({ uuid, path: file, format, bytes: opts.sizeGiB * 2 ** 30, type: opts.type ?? 'DATA_IMAGE_RAW_READ_WRITE',
        tag: opts.tag ?? '', visibility: opts.visibility ?? 'PRIVATE' }));
    } catch (e) {
      await this.host.remove(file).catch(() => undefined);
      throw e;
    }
    this.changed();
    return (await this.get(uuid))!;
  }

  /**
   * Registers an existing disk file (import, or a saved instance's image in the KVM Epilog) as a volume.
   * `move` renames it into the store (same filesystem expected; falls back to copy); otherwise it is copied.
   * A qcow2 file keeps its backing chain; a backing file that is a store volume becomes `backing`.
   */
  async createFrom(file: string, opts: { type: VolumeType; identifier?: string; tag?: string; visibility?: Visibility; move?: boolean; uuid?: string }): Promise<Volume> {
    checkTag(opts.tag ?? '');
    const info = await imageInfo(file, this.host);
    if (info.format !== 'raw' && info.format !== 'qcow2') {
      throw new VolumeError(`${file} is a ${info.format} image: convert it to raw or qcow2 first (stratus import-image does).`);
    }
    const format = info.format as VolumeFormat;
    if (opts.uuid) checkUuid(opts.uuid);
    const uuid = opts.uuid ?? randomUUID();
    const dest = this.p.join(this.dir, `${uuid}.${format === 'raw' ? 'img' : 'qcow2'}`);
    await this.host.mkdirp(this.dir);
    const all = await this.records();
    let backing: string | undefined; let backingFile: string | undefined;
    if (info.backingFile) {
      const abs = this.p.resolve(this.p.dirname(file), info.backingFile);
      const owner = all.find(r => r.path === abs);
      if (owner) backing = owner.uuid; else backingFile = abs;
    }
    try {
      if (opts.move) { if (file !== dest) await this.move(file, dest); }
      else if (this.local) await fs.promises.copyFile(file, dest, fs.constants.COPYFILE_FICLONE);
      else await this.host.run(['cp', '--reflink=auto', '--sparse=always', '--', file, dest]);
      await this.save(this.newRecord({ uuid, path: dest, format, bytes: info.virtualSize, type: opts.type, identifier: opts.identifier ?? '',
        tag: opts.tag ?? '', visibility: opts.visibility ?? 'PRIVATE', backing, backingFile }));
    } catch (e) {
      if (!opts.move) await this.host.remove(dest).catch(() => undefined);
      else if (file !== dest && await this.host.stat(dest).catch(() => undefined)) await this.move(dest, file).catch(() => undefined);  // give the disk back
      throw e;
    }
    this.changed();
    return (await this.get(uuid))!;
  }

  /**
   * pdisk `POST /disks/<uuid>`: an origin gives a new qcow2 overlay volume (MACHINE_IMAGE_LIVE or
   * DATA_IMAGE_LIVE, identifier `snapshot:<uuid>`); the origin is never written.
   */
  async copyOnWrite(uuid: string, opts: { tag?: string } = {}): Promise<Volume> {
    const base = await this.must(uuid);
    checkTag(opts.tag ?? base.tag);
    const newUuid = randomUUID();
    const dest = this.p.join(this.dir, `${newUuid}.qcow2`);
    try {
      await this.img(['create', '-q', '-f', 'qcow2', '-F', base.format, '-b', base.path, dest]);
      const type: VolumeType = base.type.startsWith('MACHINE_IMAGE') ? 'MACHINE_IMAGE_LIVE' : 'DATA_IMAGE_LIVE';
      await this.save(this.newRecord({ uuid: newUuid, path: dest, format: 'qcow2', bytes: base.bytes, type, identifier: `snapshot:${uuid}`,
        tag: opts.tag ?? base.tag, visibility: base.visibility, backing: uuid }));
    } catch (e) {
      await this.host.remove(dest).catch(() => undefined);
      throw e;
    }
    this.changed();
    return (await this.get(newUuid))!;
  }

  /** pdisk `PUT /disks/<uuid>`. */
  async update(uuid: string, patch: Partial<Pick<VolumeRecord, 'tag' | 'visibility' | 'type' | 'identifier' | 'owner'>>): Promise<Volume> {
    const v = await this.must(uuid);
    if (patch.tag !== undefined) checkTag(patch.tag);
    if (patch.type !== undefined && !VOLUME_TYPES.includes(patch.type)) throw new VolumeError(`Unknown volume type ${patch.type}: use one of ${VOLUME_TYPES.join(', ')}.`, true);
    await this.save({ ...strip(v), ...patch });
    this.changed();
    return (await this.get(uuid))!;
  }

  async markAttached(uuid: string, instanceId: string): Promise<Volume> {
    const v = await this.must(uuid);
    if (!v.attachedTo.includes(instanceId)) await this.save({ ...strip(v), attachedTo: [...v.attachedTo, instanceId] });
    this.changed();
    return (await this.get(uuid))!;
  }

  async markDetached(uuid: string, instanceId: string): Promise<Volume> {
    const v = await this.must(uuid);
    await this.save({ ...strip(v), attachedTo: v.attachedTo.filter(i => i !== instanceId) });
    this.changed();
    return (await this.get(uuid))!;
  }

  /** Releases every volume still marked attached to `instanceId` (the instance ended); returns their uuids. */
  async detachAll(instanceId: string): Promise<string[]> {
    const out: string[] = [];
    for (const v of await this.list()) {
      if (v.attachedTo.includes(instanceId)) { await this.save({ ...strip(v), attachedTo: v.attachedTo.filter(i => i !== instanceId) }); out.push(v.uuid); }
    }
    if (out.length) this.changed();
    return out;
  }

  /** True when some volume is a qcow2 overlay of `file` (a base outside the store must then be kept). */
  async isBackingInUse(file: string): Promise<boolean> {
    const abs = this.p.resolve(file);
    return (await this.records()).some(r => r.backingFile === abs || r.path === abs);
  }

  /** pdisk `DELETE`: refused (409-like) while mounted or while overlays depend on it. */
  async delete(uuid: string): Promise<void> {
    const v = await this.must(uuid);
    if (v.attachedTo.length) throw new VolumeError(`Volume ${uuid} is attached to instance ${v.attachedTo.join(', ')}: detach it first.`);
    if (v.dependents.length) throw new VolumeError(`Volume ${uuid} is the backing of ${v.dependents.join(', ')}: delete those copy-on-write volumes first.`);
    await this.host.remove(this.jsonPath(uuid));
    await this.host.remove(v.path);
    await this.host.remove(metadataPathOf(v.path));
    this.changed();
  }

  /** Rename, or copy + remove across filesystems. */
  private async move(from: string, to: string): Promise<void> {
    if (!this.local) { await this.host.run(['mv', '-T', '--', from, to]); return; }
    try { await fs.promises.rename(from, to); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await fs.promises.copyFile(from, to);
      await fs.promises.rm(from);
    }
  }
}

function strip(v: Volume): VolumeRecord {
  const { size: _s, count: _c, dependents: _d, ...r } = v;
  return r;
}
