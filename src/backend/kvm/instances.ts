import type { Client } from 'ssh2';
import type { ExecResult, Host } from '../host/host';
import type { DataLayout } from '../paths';
import type { Driver } from './driver';
import type { Disposable, InstanceRecord, InstanceType, LaunchOptions, Progress } from './types';

export interface InstanceManagerOptions {
  host: Host;
  /** Folders on `host` (instances/<id>, images cache, keys, volumes, marketplace). */
  data: DataLayout;
  /** Default: the qemu driver on `host`. */
  driver?: Driver;
  /** User-defined instance types (setting stratus.instanceTypes), added to / overriding §7.2. */
  instanceTypes?: InstanceType[];
  /** auto = a cached test boot decides; kvm/tcg force it. */
  acceleration?: 'auto' | 'kvm' | 'tcg';
  log?(message: string): void;
}

export type InstanceListener = (record: InstanceRecord) => void;

/** Skeleton: the public API other areas code against (implementation lands next). */
export class InstanceManager {
  readonly host: Host;
  constructor(readonly options: InstanceManagerOptions) { this.host = options.host; }
  /** Pending → Prolog → Running (SSH login works). Cancel/failure leaves no guest and no overlay. */
  launch(_opts: LaunchOptions, _progress: Progress = {}): Promise<InstanceRecord> { throw new Error('not implemented'); }
  describe(_id: string): Promise<InstanceRecord | undefined> { throw new Error('not implemented'); }
  /** Rediscovered from the instance folders (survives reloads; CLI and extension see the same). */
  list(): Promise<InstanceRecord[]> { throw new Error('not implemented'); }
  /** ACPI power-off → Shutdown → (save) Epilog → Done; record.saved holds the new image. */
  shutdown(_id: string, _progress: Progress = {}): Promise<InstanceRecord> { throw new Error('not implemented'); }
  /** Destroy + discard the overlay (no save). */
  kill(_id: string): Promise<void> { throw new Error('not implemented'); }
  /** Removes a Done/Failed instance's folder. */
  forget(_id: string): Promise<void> { throw new Error('not implemented'); }
  consoleLog(_id: string): Promise<string> { throw new Error('not implemented'); }
  /** A connected ssh2 client to the guest (root, pinned host key); the caller ends it. */
  ssh(_id: string, _signal?: AbortSignal): Promise<Client> { throw new Error('not implemented'); }
  /** Runs a shell command line in the guest (quote with shellQuote); does not throw on non-zero. */
  exec(_id: string, _command: string, _opts?: { signal?: AbortSignal; onStdout?(c: string): void; onStderr?(c: string): void }): Promise<ExecResult> { throw new Error('not implemented'); }
  instanceTypes(): InstanceType[] { throw new Error('not implemented'); }
  acceleration(): Promise<{ accel: 'kvm' | 'tcg'; reason: string }> { throw new Error('not implemented'); }
  onDidChange(_listener: InstanceListener): Disposable { throw new Error('not implemented'); }
}
