import type { NetworkMode, PortMapping } from '../../core/network';
export type { NetworkMode, PortMapping } from '../../core/network';

/** Instances as StratusLab shows them (docs/stratuslab.md#instances), kept per host in one folder per instance. */
export type InstanceState = 'Pending' | 'Prolog' | 'Running' | 'Shutdown' | 'Epilog' | 'Done' | 'Failed';

export const INSTANCE_STATES: readonly InstanceState[] = ['Pending', 'Prolog', 'Running', 'Shutdown', 'Epilog', 'Done', 'Failed'];

export { DEFAULT_INSTANCE_TYPE, DEFAULT_INSTANCE_TYPES, type InstanceType } from '../../core/instanceTypes';

/** The --save fields (docs/stratuslab.md#saving-an-instance): what the Epilog puts into the draft metadata. */
export interface SaveFields {
  title: string;
  comment: string;
  author: string;
  email: string;
  /** Default: the origin version with minor + 1 (or 1.0 when the origin has none). */
  version?: string;
}

/** slirp guestfwd: the guest's guestAddr:guestPort reaches 127.0.0.1:hostPort on the host (e.g. an apt repo). */
export interface GuestForward { guestAddr: string; guestPort: number; hostPort: number }

/** Extra disks of a launch (docs/stratuslab.md#instances). */
export type ExtraDiskSpec =
  | { kind: 'volatile'; sizeGiB: number }
  | { kind: 'persistent'; volumeId: string }
  | { kind: 'readonly'; image: string };

export type ContextMethod = 'cloud-init' | 'stratuslab';

export interface LaunchOptions {
  /** A file path (.img, .img.gz, .qcow2), an http(s) URL, a 27-char marketplace identifier or a volume uuid. */
  image: string;
  /** Instance type name (docs/stratuslab.md#instance-types or user-defined); default m1.small. vcpu/memoryMiB override it. */
  type?: string;
  vcpu?: number;
  memoryMiB?: number;
  name?: string;
  /** Public keys (OpenSSH text lines) put into the guest. */
  sshKeys: string[];
  /** Private key used for the readiness login (and later `ssh()`); default: data.keys/id_ed25519 (generated). */
  privateKeyPath?: string;
  contextMethod?: ContextMethod;
  /** KEY=VALUE context (docs/stratuslab.md#contextualization). */
  contextVars?: Record<string, string>;
  /** cloud-init user-data (may be multi-part, as `prepare-context` makes it). */
  userData?: string | Buffer;
  /** Launch with save: the Epilog turns the instance into a new image after shutdown. */
  save?: SaveFields;
  guestForwards?: GuestForward[];
  disks?: ExtraDiskSpec[];
  /** Launch a marketplace image whose trust verdict is not 'trusted'. */
  allowUntrusted?: boolean;
  /** Swap disk size (MiB, `--swap`); default: the instance type's. 0 = none. */
  swapMiB?: number;
  /** Default 'nat' (setting stratus.network / CLI --network). */
  network?: NetworkMode;
  /** Guest ports published on the instance's host (hostPort 0 = a free one). */
  publish?: PortMapping[];
  /** Also publish the image metadata's declared inbound ports (slterms:inbound-port) on free host ports. */
  publishAll?: boolean;
  /** Bounds the wait for SSH readiness (default 480 s: a TCG boot with cloud-init took 160 s on this 2-core machine shared by several guests). */
  bootTimeoutMs?: number;
  /** After the SSH login, wait (in the guest) for a default route and for these names to resolve; reported as a 'network' event. */
  checkNetwork?: { resolve?: string[]; timeoutMs?: number };
  /** A qcow2 build checkpoint whose backing chain ends in `image`'s base: the overlay is made on it instead (the record's base stays the image's). */
  startFrom?: string;
}

/** What the Epilog produced (launch with save + shutdown). */
export interface SaveResult {
  imageId: string;
  sha1: string;
  bytes: number;
  /** The saved image: a qcow2 overlay on `base` (no copy of the base). */
  imagePath: string;
  base: string;
  volumeId?: string;
  metadataPath?: string;
  /** Why no draft was made (e.g. metadata modules unavailable); the image is still saved. */
  metadataProblem?: string;
}

export interface InstanceRecord {
  id: string;
  name: string;
  hostId: string;
  driver: 'qemu' | 'libvirt';
  state: InstanceState;
  /** Why the instance failed, or a note on how it ended. */
  error?: string;
  type: string;
  vcpu: number;
  memoryMiB: number;
  /** What the user asked for (path, URL, identifier, volume). */
  imageRef: string;
  /** Marketplace identifier of the image, when known. */
  imageId?: string;
  /** Path of the cached base image the overlay is backed by (on the instance's host). */
  base: string;
  overlay: string;
  accel: 'kvm' | 'tcg';
  /** The forwarded SSH port on `ip` (127.0.0.1 on the instance's host). */
  sshPort: number;
  ip: string;
  sshUser: string;
  privateKeyPath?: string;
  /** Guest host keys (OpenSSH public key lines) pinned from the serial log. */
  sshHostKeys: string[];
  guestForwards: GuestForward[];
  /** Absent in records made before network modes: those were 'isolated'. */
  network: NetworkMode;
  /** How the mode was realised, e.g. "QEMU user networking (NAT)", "libvirt network 'default'". */
  networkDetail?: string;
  /** Published ports, host ports resolved (never 0), on the instance's host. */
  ports: PortMapping[];
  /** Remote host: where each published port is reached from this machine (through the host's SSH connection). */
  localPorts?: PortMapping[];
  disks: ExtraDiskSpec[];
  /** Size of the swap disk attached (the instance type's, or --swap); absent in records made before swap disks. */
  swapMiB?: number;
  save?: SaveFields;
  saved?: SaveResult;
  /** uuid the saved image's volume gets, chosen before the overlay moves: a save cut midway resumes from it. */
  saveVolume?: string;
  /** Metadata XML of the origin image (marketplace launches): the Epilog's draft is built from it. */
  originMetadata?: string;
  createdAt: string;
  updatedAt: string;
  runningAt?: string;
  /** The process driving a transient state (Pending/Prolog/Shutdown/Epilog); a dead one means interrupted. */
  busyPid?: number;
}

export interface Progress {
  signal?: AbortSignal;
  /** Steps named as in the original's log ("Starting machine(s)", "Waiting for machine to boot", …): for people. */
  onStep?(step: string): void;
  /** The same milestones, typed: for programs (the build engine), which never parse the prose above. */
  onEvent?(event: ProgressEvent): void;
}

/**
 * Milestones of a launch (fetching → disk → context → booting → [console…] → ssh → [network] → running) and of a
 * shutdown (stopping → saving → saved → done). 'ssh' = a login with the pinned host key works; 'network' = the
 * guest's own check (default route, names resolving), `ok` false when it did not pass in time; 'console' =
 * the boot doctor recognised a line on the serial console (`diagnosis` says what it means).
 */
export type ProgressPhase = 'fetching' | 'disk' | 'context' | 'booting' | 'console' | 'ssh' | 'network' | 'running' | 'stopping' | 'saving' | 'saved' | 'done';
export interface ProgressEvent {
  phase: ProgressPhase;
  /** The human line (also given to onStep for launch/shutdown steps). */
  message: string;
  /** Facts: the route, the seconds to SSH, the console line. */
  detail?: string;
  ok?: boolean;
  /** Seconds since the launch (or shutdown) began. */
  elapsedS?: number;
}

export interface Disposable { dispose(): void }
