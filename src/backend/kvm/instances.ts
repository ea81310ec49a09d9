import { randomBytes, randomUUID } from 'crypto';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type { Client } from 'ssh2';
import { makeContextIso } from '../context/iso';
import type { ExecResult, Host } from '../host/host';
import { GuestKeys, guestKeysFile } from '../host/knownHosts';
import { formatChecklist, preflight, preflightBlocks } from '../host/preflight';
import { LocalHost } from '../host/local';
import type { DataLayout } from '../paths';
import { probeAcceleration, AccelVerdict } from './accel';
import type { DomainDisk, Driver } from './driver';
import { movedOverlay, runEpilog } from './epilog';
import { imageInfo } from './images';
import { cpuPercent } from './cpu';
import { freePort, QemuDriver } from './qemu';
import { LibvirtDriver } from './libvirt';
import { PortForwards } from './forwards';
import { NetworkError, planNetwork, reservePorts } from './network';
import { DEFAULT_NETWORK } from '../../core/network';
import { resolveImage } from './resolve';
import { sshConnect, sshExec } from './ssh';
import { checkNetwork, waitReady } from './guestReady';
import { InstanceError } from './instanceError';
import { extraDisks, publishInbound, swapDisk, type LaunchDiskContext } from './launchDisks';
import { milestones } from './milestones';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_INSTANCE_TYPES, Disposable, InstanceRecord, InstanceType, LaunchOptions, NetworkMode, Progress } from './types';
import { VolumeStore } from '../volumes/store';

export interface InstanceManagerOptions {
  host: Host;
  /** Folders on `host` (instances/<id>, images cache, volumes); `keys` is always on this machine. */
  data: DataLayout;
  /**
   * This machine's folders when `host` is remote: marketplace and URL images are downloaded into its
   * images cache and uploaded, drafts of saved images go to its marketplace, guest keys to its root.
   * Default: `data` (the local host).
   */
  localData?: DataLayout;
  /** Default: the qemu driver on `host`. */
  driver?: Driver;
  /** User-defined instance types (setting stratus.instanceTypes), added to / overriding the default table (docs/stratuslab.md#instance-types). */
  instanceTypes?: InstanceType[];
  /** auto = a cached test boot decides; kvm/tcg force it. */
  acceleration?: 'auto' | 'kvm' | 'tcg';
  /** Kernel the acceleration probe boots (default: a *.vmlinuz next to the cached base images). */
  probeKernel?: string;
  /** Free space a remote host must have for images and overlays before a launch (pre-flight; default 2 GiB). */
  minFreeBytes?: number;
  /** Trusted signers for marketplace launches (setting stratus.trustedCertificates). */
  trustedSigners?: string[];
  /** Metadata of an identifier the embedded marketplace lacks: the configured remote marketplaces (see marketplace/sources). */
  fetchMetadata?(identifier: string): Promise<string | undefined>;
  /** Network mode of launches that do not say (setting stratus.network); default nat. */
  defaultNetwork?: NetworkMode;
  /** The store of `data.volumes` the host's services share (backend/hosts/services); a manager built by hand makes its own. */
  volumes?: VolumeStore;
  log?(message: string): void;
}

export type InstanceListener = (record: InstanceRecord) => void;

const POWERDOWN_TIMEOUT_MS = 120_000;

export { InstanceError };

/** Instances of one host: folders under data.instances, a driver, the Prolog/Epilog around it. */
export class InstanceManager {
  readonly host: Host;
  readonly driver: Driver;
  private readonly events = new EventEmitter();
  private accelVerdict?: Promise<AccelVerdict>;

  private readonly guestKeys: GuestKeys;
  /** Remote host: this machine's ends of the instances' published ports. */
  private readonly forwards?: PortForwards;
  private readonly volumeStore: VolumeStore;

  constructor(readonly options: InstanceManagerOptions) {
    this.host = options.host;
    this.volumeStore = options.volumes ?? new VolumeStore(options.data.volumes, { host: options.host });
    this.driver = options.driver ?? new QemuDriver(options.host, options.data.instances);
    this.guestKeys = new GuestKeys(guestKeysFile(this.localData.root));
    if (this.host.kind !== 'local') this.forwards = new PortForwards(this.host, m => this.log(m));
  }

  private get localData(): DataLayout { return this.options.localData ?? this.options.data; }
  /** The volumes of this manager's host. */
  volumes(): VolumeStore { return this.volumeStore; }

  private dir(id: string): string { return path.join(this.options.data.instances, id); }
  private log(m: string): void { this.options.log?.(m); }

  instanceTypes(): InstanceType[] {
    const byName = new Map(DEFAULT_INSTANCE_TYPES.map(t => [t.name, t]));
    for (const t of this.options.instanceTypes ?? []) if (t.vcpu > 0 && t.memoryMiB > 0 && t.swapMiB >= 0) byName.set(t.name, t);
    return [...byName.values()];
  }

  acceleration(): Promise<AccelVerdict> {
    return (this.accelVerdict ??= probeAcceleration(this.host, {
      cacheFile: path.join(this.options.data.root, 'acceleration.json'),
      kernel: this.options.probeKernel ?? defaultProbeKernel(this.options.data),
      mode: this.options.acceleration ?? 'auto',
    }).then(v => { this.log(`Acceleration on ${this.host.label}: ${v.accel.toUpperCase()} — ${v.reason}`); return v; },
      e => { this.accelVerdict = undefined; throw e; }));   // a probe cut by an outage is asked again next time
  }

  /** This manager is replaced (a settings change): its local ends of remote published ports close, so the next
   * manager opens them on the same port numbers instead of beside the old ones. Instances are untouched. */
  dispose(): void { this.forwards?.closeAll(); }

  onDidChange(listener: InstanceListener): Disposable {
    this.events.on('change', listener);
    return { dispose: () => this.events.off('change', listener) };
  }

  private async write(rec: InstanceRecord): Promise<void> {
    rec.updatedAt = new Date().toISOString();
    // localPorts belong to this client's connection, not to the instance
    await this.host.writeFile(path.join(this.dir(rec.id), 'instance.json'), JSON.stringify({ ...rec, localPorts: undefined }, null, 2) + '\n');
    this.events.emit('change', { ...rec });
  }

  private async read(id: string): Promise<InstanceRecord | undefined> {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) return undefined;
    try { return JSON.parse((await this.host.readFile(path.join(this.dir(id), 'instance.json'))).toString('utf8')); } catch { return undefined; }
  }

  private async must(id: string): Promise<InstanceRecord> {
    const r = await this.describe(id);
    if (!r) throw new InstanceError(`No instance ${id} on ${this.host.label} (see describe-instance).`);
    return r;
  }

  /** The record, reconciled with reality: a Running guest whose qemu is gone, or a step whose process died. */
  async describe(id: string): Promise<InstanceRecord | undefined> {
    const r = await this.read(id);
    if (!r) return undefined;
    if (r.busyPid && r.busyPid !== process.pid && !pidAlive(r.busyPid) && ['Pending', 'Prolog', 'Shutdown', 'Epilog'].includes(r.state)) {
      r.state = 'Failed'; r.error = `interrupted during ${r.state} (the process driving it ended)`; delete r.busyPid;
      await this.write(r);
    } else if (r.state === 'Running' && !['running', 'paused'].includes(await this.driver.state(id))) {
      r.state = 'Failed'; r.error = 'the guest stopped outside Stratus (halted from inside?)' + (r.save ? '; Shutdown still saves it, Kill discards it' : '; Kill discards it');
      await this.write(r);
    }
    r.network ??= 'isolated';   // records from before network modes
    r.ports ??= [];
    if (this.forwards) r.localPorts = await this.forwards.sync(r);
    return r;
  }

  /** Rediscovered from the instance folders (survives reloads; CLI and extension see the same). */
  async list(): Promise<InstanceRecord[]> {
    let names: string[] = [];
    try { names = await this.host.readdir(this.options.data.instances); } catch { /* none yet */ }
    // all at once: on a remote host the reads share the one connection, so a refresh costs one round trip, not one per instance
    const out = (await Promise.all(names.map(n => this.describe(n)))).filter((r): r is InstanceRecord => !!r);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The key pair Stratus logs in with (generated once in data.keys). */
  async managedKey(): Promise<{ privateKeyPath: string; publicKey: string }> {
    const k = path.join(this.options.data.keys, 'id_ed25519');
    if (!fs.existsSync(k)) {
      await fs.promises.mkdir(this.options.data.keys, { recursive: true, mode: 0o700 });
      const tmp = path.join(this.options.data.keys, `.gen-${process.pid}`);
      await this.hostLocalRun(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'stratus', '-f', tmp]);
      await fs.promises.rename(`${tmp}.pub`, `${k}.pub`);
      await fs.promises.rename(tmp, k);
    }
    return { privateKeyPath: k, publicKey: (await fs.promises.readFile(`${k}.pub`, 'utf8')).trim() };
  }

  /** Keys live on this machine (the client), whatever host the instance runs on. */
  private async hostLocalRun(argv: string[]): Promise<void> { await new LocalHost().run(argv); }

  /** Every host (this machine too) is checked before big work; what blocks is said with what to do, and nothing is created. */
  private async preflight(): Promise<void> {
    const items = await preflight(this.host, { imagesDir: this.options.data.images, instancesDir: this.options.data.instances,
      minFreeBytes: this.options.minFreeBytes ?? 2 * 1024 ** 3, libvirt: this.driver.name === 'libvirt' });
    const blocking = preflightBlocks(items);
    if (blocking.length) throw new InstanceError(`${this.host.label} is not ready for a launch:\n${formatChecklist(blocking)}`);
  }

  /**
   * QEMU takes guest memory as the guest touches it, so a type larger than what the host has free still starts — then
   * swaps, or is killed by the kernel under load. Said before the launch (m1.xlarge's 8 GiB on a small machine).
   */
  private async warnIfMemoryShort(mib: number): Promise<void> {
    const info = await this.host.readFile('/proc/meminfo').then(b => b.toString('utf8'), () => '');
    const availKiB = Number(/^MemAvailable:\s+(\d+) kB/m.exec(info)?.[1] ?? 0);
    if (availKiB && mib * 1024 > availKiB) {
      this.log(`warning: the instance asks for ${mib} MiB of memory and ${this.host.label} has ${Math.floor(availKiB / 1024)} MiB available: it may swap or be stopped by the kernel — choose a smaller --type or --ram`);
    }
  }

  /** Pending → Prolog → Running (SSH login works). Cancel/failure leaves no guest and no overlay. */
  async launch(opts: LaunchOptions, progress: Progress = {}): Promise<InstanceRecord> {
    const { signal, onStep = () => undefined } = progress;
    const emit = milestones(progress);
    const type = this.instanceTypes().find(t => t.name === (opts.type ?? DEFAULT_INSTANCE_TYPE));
    if (!type) throw new InstanceError(`Unknown instance type: ${opts.type} (known: ${this.instanceTypes().map(t => t.name).join(', ')})`, true);
    if (opts.save) {
      const missing = (['title', 'comment', 'author', 'email'] as const).filter(k => !opts.save![k]?.trim());
      // the options as run-instance names them (the field is `email`, the option the original's --author-email)
      if (missing.length) throw new InstanceError(`With the --save option, please provide ${missing.map(m => `--${m === 'email' ? 'author-email' : m}`).join(', ')}.`, true);
    }
    await this.preflight();
    await this.warnIfMemoryShort(opts.memoryMiB ?? type.memoryMiB);
    const key = opts.privateKeyPath ? { privateKeyPath: opts.privateKeyPath, publicKey: '' } : await this.managedKey();
    const userKeys = opts.sshKeys.filter(k => k.trim());
    if (!userKeys.length && !key.publicKey) throw new InstanceError('No SSH public key to put into the instance: pass --key FILE (e.g. ~/.ssh/id_ed25519.pub).');

    // network problems (a missing bridge, a port in use) are refused before anything exists
    const network = opts.network ?? this.options.defaultNetwork ?? DEFAULT_NETWORK;
    const plan = await wrapNetwork(() => planNetwork(this.host, this.driver.name, network, async n => (this.driver as LibvirtDriver).networkActive(n)));
    const ports = await wrapNetwork(() => reservePorts(this.host, opts.publish ?? []));

    const id = `vm-${randomBytes(4).toString('hex')}`;
    const dir = this.dir(id);
    const now = new Date().toISOString();
    const rec: InstanceRecord = {
      id, name: opts.name || id, hostId: this.host.id, driver: this.driver.name, state: 'Pending', type: type.name,
      vcpu: opts.vcpu ?? type.vcpu, memoryMiB: opts.memoryMiB ?? type.memoryMiB, imageRef: opts.image, base: '',
      overlay: path.join(dir, 'overlay.qcow2'), accel: 'tcg', sshPort: 0, ip: '127.0.0.1', sshUser: 'root',
      privateKeyPath: key.privateKeyPath, sshHostKeys: [], guestForwards: opts.guestForwards ?? [], disks: opts.disks ?? [],
      network, networkDetail: plan.detail, ports,
      save: opts.save, createdAt: now, updatedAt: now, busyPid: process.pid,
    };
    await this.host.mkdirp(dir);
    await this.write(rec);
    const created: string[] = [];
    let vmStarted = false;
    try {
      onStep('Starting machine(s)');
      rec.state = 'Prolog';
      await this.write(rec);
      const accel = await this.acceleration();
      rec.accel = accel.accel;
      emit('fetching', `Fetching image ${opts.image}`);
      const img = await resolveImage(opts.image, { host: this.host, data: this.options.data, volumes: this.volumeStore, local: this.localData, transfer: (this.host as { imageTransfer?: 'upload' | 'download' }).imageTransfer, signal, allowUntrusted: opts.allowUntrusted, trustedSigners: this.options.trustedSigners, fetchMetadata: this.options.fetchMetadata, log: m => this.log(m) });
      rec.base = img.path; rec.imageId = img.imageId;
      if (img.metadataFile) rec.originMetadata = img.metadataFile;
      if (opts.publishAll) await publishInbound(this.host, rec, img.metadataFile, m => this.log(m));
      signal?.throwIfAborted();
      emit('disk', 'Creating the copy-on-write disk');
      await this.host.run(['qemu-img', 'create', '-q', '-f', 'qcow2', ...(opts.startFrom ? ['-F', 'qcow2', '-b', opts.startFrom] : ['-F', img.format, '-b', img.path]), rec.overlay]);
      created.push(rec.overlay);
      const disks: DomainDisk[] = [{ path: rec.overlay, format: 'qcow2', id: 'root' }];
      disks.push(...await extraDisks(this.diskContext(id), id, rec.disks, created, signal));
      const swapMiB = opts.swapMiB ?? type.swapMiB;
      if (swapMiB > 0) disks.push(await swapDisk(this.diskContext(id), swapMiB, created));
      rec.swapMiB = swapMiB;
      emit('context', 'Preparing the context');
      const iso = await makeContextIso(this.host, dir, {
        instanceId: id, hostname: rec.name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63), sshKeys: userKeys, managedKey: key.publicKey || undefined,
        userData: opts.userData, vars: opts.contextVars,
      }, opts.contextMethod ?? 'cloud-init');
      created.push(iso);
      disks.push({ path: iso, format: 'raw', media: 'cdrom', readonly: true, id: 'context' });
      rec.sshPort = await freePort(this.host);
      await this.driver.define({ id, name: rec.name, dir, vcpu: rec.vcpu, memoryMiB: rec.memoryMiB, accel: rec.accel, disks, sshPort: rec.sshPort, guestForwards: rec.guestForwards,
        network, ports: rec.ports, libvirtNetwork: plan.libvirtNetwork });
      signal?.throwIfAborted();
      await this.driver.start(id).catch(e => { throw portTaken(e, rec.ports, this.host.label); });
      vmStarted = true;
      await this.write(rec);
      emit('booting', 'Waiting for machine to boot');
      await waitReady({ host: this.host, driver: this.driver, guestKeys: this.guestKeys, log: m => this.log(m) }, rec, opts.bootTimeoutMs ?? 480_000, signal, emit);
      emit('ssh', 'SSH login works', { detail: `ssh -p ${rec.sshPort} ${rec.sshUser}@${rec.ip}` });
      if (opts.checkNetwork) await checkNetwork(this.host, rec, opts.checkNetwork, emit, signal);
      rec.state = 'Running'; rec.runningAt = new Date().toISOString(); delete rec.busyPid;
      await this.write(rec);
      emit('running', 'Done!');
      if (this.forwards) rec.localPorts = await this.forwards.sync(rec);
      return rec;
    } catch (e) {
      // a port taken meanwhile leaves nothing behind either, like one refused up front
      const cancelled = signal?.aborted || e instanceof NetworkError;
      await this.driver.destroy(id).catch(() => undefined);
      await this.driver.undefine(id).catch(() => undefined);
      await this.releaseDisks(rec);
      for (const f of created) await this.host.remove(f).catch(() => undefined);
      // Nothing to show when no guest ever ran (unknown image, failed download …): the error says it all, no Failed record is left.
      if (cancelled || !vmStarted) { await this.host.remove(dir).catch(() => undefined); this.events.emit('change', { ...rec, state: 'Done' }); }
      else { rec.state = 'Failed'; rec.error = (e as Error).message; delete rec.busyPid; await this.write(rec).catch(() => undefined); }
      if (e instanceof NetworkError) throw new InstanceError(e.message);
      throw cancelled ? new InstanceError('Launch cancelled: the instance and its disks were removed.') : e;
    }
  }

  /** What extraDisks/swapDisk need of this manager (a read-only image is fetched with the manager's signers and sources). */
  private diskContext(id: string): LaunchDiskContext {
    return {
      host: this.host, dir: this.dir(id), volumes: this.volumeStore, log: m => this.log(m),
      resolveImage: (image, signal) => resolveImage(image, { host: this.host, data: this.options.data, volumes: this.volumeStore, local: this.localData, transfer: (this.host as { imageTransfer?: 'upload' | 'download' }).imageTransfer, signal, trustedSigners: this.options.trustedSigners, fetchMetadata: this.options.fetchMetadata }),
    };
  }

  /** cpu% per instance id, measured from its guest process over half a second (instances without a live process are left out). */
  async cpuUsage(ids: string[]): Promise<Map<string, number>> {
    const livePid = (this.driver as { livePid?(id: string): Promise<number | undefined> }).livePid;
    if (!livePid) return new Map();
    const pids = new Map<number, string>();
    for (const id of ids) { const pid = await livePid.call(this.driver, id).catch(() => undefined); if (pid) pids.set(pid, id); }
    const byPid = await cpuPercent(this.host, [...pids.keys()]).catch(() => new Map<number, number>());
    return new Map([...byPid].map(([pid, v]) => [pids.get(pid)!, v]));
  }

  private async releaseDisks(rec: InstanceRecord): Promise<void> {
    // launch-time persistent disks and hot-attached volumes alike (docs/stratuslab.md#saving-an-instance: detach all)
    await this.volumes().detachAll(rec.id).catch(e => this.log(`${rec.id}: could not release its volumes: ${(e as Error).message}`));
  }

  /** ACPI power-off → Shutdown → (save) Epilog → Done; record.saved holds the new image. */
  async shutdown(id: string, progress: Progress = {}): Promise<InstanceRecord> {
    const { signal } = progress;
    const emit = milestones(progress);
    const rec = await this.must(id);
    const stoppedOutside = rec.state === 'Failed' && !!rec.save && !rec.saved && await this.hasDisk(rec) && (await this.driver.state(id)) === 'shutoff';
    if (rec.state !== 'Running' && !stoppedOutside) throw new InstanceError(`Instance ${id} is ${rec.state}: only a Running instance can be shut down${rec.state === 'Failed' ? ' (kill it to discard it)' : ''}.`);
    rec.state = 'Shutdown'; rec.busyPid = process.pid; delete rec.error;
    await this.write(rec);
    if (!stoppedOutside) {
      emit('stopping', 'Shutting down machine');
      await this.driver.powerdown(id).catch(e => this.log(`${id}: powerdown: ${(e as Error).message}`));
      if (!(await this.driver.waitStopped(id, POWERDOWN_TIMEOUT_MS, signal))) {
        if (signal?.aborted) { rec.state = 'Running'; delete rec.busyPid; await this.write(rec); throw new InstanceError('Shutdown cancelled: the instance keeps running.'); }
        this.log(`${id}: no clean power-off after ${POWERDOWN_TIMEOUT_MS / 1000} s: forcing it off`);
        rec.error = `forced off: the guest ignored the ACPI power button for ${POWERDOWN_TIMEOUT_MS / 1000} s`;
        await this.driver.destroy(id);
      }
    }
    await this.releaseDisks(rec);
    if (rec.save) {
      rec.state = 'Epilog';
      rec.saveVolume ??= randomUUID();
      await this.write(rec);
      emit('saving', 'Saving the new image');
      try {
        rec.saved = await runEpilog(this.volumeStore, rec, this.options.data, { signal, onStep: progress.onStep, log: m => this.log(m), draftMarketplace: this.localData.marketplace });
        emit('saved', `New image ${rec.saved.imageId}`, { detail: rec.saved.imagePath }, false);
      } catch (e) {
        // the overlay (the user's work) is kept; shutdown can be retried (it resumes from rec.saveVolume)
        rec.state = 'Failed'; rec.error = `save failed: ${(e as Error).message}`; delete rec.busyPid;
        await this.write(rec).catch(w => this.log(`${id}: could not record the failed save: ${(w as Error).message}`));
        if (signal?.aborted) throw e;
        throw new InstanceError(`Saving ${id} on ${this.host.label} failed: ${(e as Error).message.replace(/\.$/, '')}. Nothing was registered and the instance's disk is kept: shut it down again to finish the save, or kill it to discard the changes.`);
      }
    } else {
      await this.host.remove(rec.overlay);
    }
    await this.cleanup(rec);
    this.forwards?.close(rec.id);
    rec.state = 'Done'; delete rec.busyPid;
    await this.write(rec);
    emit('done', 'Done!');
    return rec;
  }

  /** The disk to save is still there: the overlay, or where an interrupted save had already moved it. */
  private async hasDisk(rec: InstanceRecord): Promise<boolean> {
    if (await this.host.stat(rec.overlay)) return true;
    return !!rec.saveVolume && !!(await this.host.stat(movedOverlay(this.host, this.options.data, rec.saveVolume)));
  }

  private async cleanup(rec: InstanceRecord): Promise<void> {
    await this.driver.undefine(rec.id).catch(() => undefined);
    for (const f of await this.host.readdir(this.dir(rec.id)).catch(() => [] as string[])) {
      if (/^(volatile-\d+\.qcow2|swap\.img|cidata\.iso|context\.iso|qmp\.sock|qemu\.pid)$/.test(f)) await this.host.remove(path.join(this.dir(rec.id), f));
    }
  }

  /** Destroy + discard the overlay (no save). */
  async kill(id: string): Promise<void> {
    const rec = await this.must(id);
    if (rec.state === 'Done') return;   // already ended (and saved, if it was to be)
    await this.driver.destroy(id);
    await this.releaseDisks(rec);
    await this.host.remove(rec.overlay);
    await this.cleanup(rec);
    this.forwards?.close(rec.id);
    rec.state = 'Done'; rec.error = rec.save && !rec.saved ? 'killed: changes discarded, no image saved' : 'killed';
    delete rec.busyPid;
    await this.write(rec);
  }

  /** One QMP command to a running guest (qemu driver only: undefined when the driver has no monitor). */
  qmp<T = unknown>(id: string, command: string, args?: Record<string, unknown>): Promise<T> | undefined {
    const d = this.driver as { qmp?(id: string, c: string, a?: Record<string, unknown>): Promise<T> };
    return d.qmp ? d.qmp(id, command, args) : undefined;
  }

  /** Removes a Done/Failed instance's folder. */
  async forget(id: string): Promise<void> {
    const rec = await this.must(id);
    if (rec.state !== 'Done' && rec.state !== 'Failed') throw new InstanceError(`Instance ${id} is ${rec.state}: kill or shut it down first.`);
    if (rec.state === 'Failed') await this.kill(id);
    await this.host.remove(this.dir(id));
    try { this.guestKeys.forget(id); } catch { /* nothing recorded */ }
    this.events.emit('change', { ...rec });
  }

  consoleLog(id: string): Promise<string> { return this.driver.consoleLog(id); }

  /** A connected ssh2 client to the guest (root, pinned host key); the caller ends it. */
  async ssh(id: string, _signal?: AbortSignal): Promise<Client> {
    const rec = await this.must(id);
    if (rec.state !== 'Running') throw new InstanceError(`Instance ${id} is ${rec.state}, not Running.`);
    const privateKey = await fs.promises.readFile(rec.privateKeyPath!);
    return sshConnect({ host: this.host, ip: rec.ip, port: rec.sshPort, user: rec.sshUser, privateKey, hostKeys: rec.sshHostKeys });
  }

  /** Runs a shell command line in the guest (quote with shellQuote); does not throw on non-zero. */
  async exec(id: string, command: string, opts: { signal?: AbortSignal; input?: string | Buffer; onStdout?(c: string): void; onStderr?(c: string): void } = {}): Promise<ExecResult> {
    const c = await this.ssh(id, opts.signal);
    try {
      return await sshExec(c, command, opts);
    } catch (e) {
      // exit codes come back as results: an error here is the SSH session itself going away
      if (opts.signal?.aborted) throw e;
      throw new Error(`The SSH connection to instance ${id} was lost (${(e as Error).message}); the command's outcome is unknown.`);
    } finally { c.end(); }
  }

  /** Base images of live instances (never delete these). */
  async basesInUse(): Promise<string[]> {
    return [...new Set((await this.list()).filter(r => r.state !== 'Done' && r.state !== 'Failed').map(r => r.base).filter(Boolean))];
  }

  /** Virtual size of an instance's root disk (for the UI tooltip). */
  async rootInfo(id: string): Promise<{ virtualSize: number } | undefined> {
    const r = await this.read(id);
    if (!r || !(await this.host.stat(r.overlay))) return undefined;
    return imageInfo(this.host, r.overlay);
  }
}

async function wrapNetwork<T>(f: () => Promise<T>): Promise<T> {
  try { return await f(); } catch (e) { throw e instanceof NetworkError ? new InstanceError(e.message) : e; }
}

/** qemu's terse "Could not set up host forwarding rule" (a port taken after the check) as the same clear line. */
function portTaken(e: unknown, ports: InstanceRecord['ports'], hostLabel: string): unknown {
  const m = /host forwarding rule '(tcp|udp):([\d.]*):(\d+)-/.exec((e as Error)?.message ?? '');
  if (!m) return e;
  const p = ports.find(x => String(x.hostPort) === m[3]);
  return new NetworkError(`Host port ${m[2] || '127.0.0.1'}:${m[3]}/${m[1]} is already in use on ${hostLabel}: choose another${p ? ` (-p OTHER:${p.guestPort})` : ''} or 0 for a free one.`);
}

function defaultProbeKernel(data: DataLayout): string | undefined {
  if (process.env.STRATUS_PROBE_KERNEL) return process.env.STRATUS_PROBE_KERNEL;
  for (const d of [data.images, process.env.STRATUS_IMAGE_CACHE || '/var/cache/stratus']) {
    try { const k = fs.readdirSync(d).filter(f => f.endsWith('.vmlinuz')).sort().pop(); if (k) return path.join(d, k); } catch { /* absent */ }
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
