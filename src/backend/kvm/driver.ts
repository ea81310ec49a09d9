import type { GuestForward, NetworkMode, PortMapping } from './types';

/**
 * A hypervisor driver: the qemu driver (no daemon, one folder per instance) or libvirt (virsh).
 * A driver only runs domains; instance records, images and the Epilog live in InstanceManager.
 * Every path is on the driver's host.
 */
export interface DomainDisk {
  path: string;
  format: 'qcow2' | 'raw';
  readonly?: boolean;
  /** cdrom for context ISOs, disk otherwise. */
  media?: 'disk' | 'cdrom';
  /** Stable id used by attach/detach. */
  id?: string;
}

export interface DomainSpec {
  id: string;
  name: string;
  /** The instance folder: QMP socket, pid file and serial log live here (qemu driver). */
  dir: string;
  vcpu: number;
  memoryMiB: number;
  accel: 'kvm' | 'tcg';
  /** disks[0] is the root disk (the overlay). */
  disks: DomainDisk[];
  /** 127.0.0.1:sshPort on the host → guest :22 (restricted slirp networking). */
  sshPort: number;
  guestForwards: GuestForward[];
  /** Absent (domains defined before network modes): isolated. */
  network?: NetworkMode;
  /** Published ports (host ports resolved) on the host. */
  ports?: PortMapping[];
  /** libvirt only: a libvirt network (e.g. 'default') the guest also gets a NIC on, its way out in nat mode. */
  libvirtNetwork?: string;
}

export type DomainState = 'running' | 'paused' | 'shutoff' | 'missing';

export interface Driver {
  readonly name: 'qemu' | 'libvirt';
  /** Records the domain (qemu: writes domain.json in spec.dir; libvirt: virsh define). */
  define(spec: DomainSpec): Promise<void>;
  start(id: string): Promise<void>;
  /** ACPI power button. Only useful once the guest has booted (pitfall: an early press is lost). */
  powerdown(id: string): Promise<void>;
  /** Immediate stop (no guest shutdown). */
  destroy(id: string): Promise<void>;
  /** Forgets the domain (the instance folder itself is the caller's). */
  undefine(id: string): Promise<void>;
  state(id: string): Promise<DomainState>;
  /** Resolves true once the domain is off, false after timeoutMs. */
  waitStopped(id: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Hot-plugs a disk; resolves with the guest device name (e.g. vdb). */
  attachDisk(id: string, disk: DomainDisk & { id: string }): Promise<string>;
  detachDisk(id: string, diskId: string): Promise<void>;
  /** The serial console text so far ('' when none). */
  consoleLog(id: string): Promise<string>;
  /** The firmware's debug output (SeaBIOS debugcon), where a driver captures it: the boot doctor reads it. */
  firmwareLog?(id: string): Promise<string>;
  /** Ids of the domains this driver manages (ours only). */
  list(): Promise<string[]>;
}
