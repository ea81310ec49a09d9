import type { Host } from '../host/host';
import { InstanceManager, type InstanceManagerOptions } from '../kvm/instances';
import { LibvirtDriver } from '../kvm/libvirt';
import type { DataLayout } from '../paths';
import { VolumeStore } from '../volumes/store';

/**
 * What works on one KVM host, assembled in one place for the extension, the CLI and builds: the host's
 * own data folders, its instance manager and the one store of its volumes folder. The manager saves,
 * attaches and releases volumes through that same store, so whoever follows `volumes.onDidChange` (the
 * Volumes tree) hears every change, and whoever follows `instances.onDidChange` hears a build's VM as
 * any other launch.
 */
export interface HostServices {
  host: Host;
  /** Folders on `host`. */
  data: DataLayout;
  /** This machine's folders (downloads, drafts of saved images, guest keys). */
  local: DataLayout;
  instances: InstanceManager;
  volumes: VolumeStore;
}

export interface HostServicesOptions extends Omit<InstanceManagerOptions, 'host' | 'data' | 'localData' | 'driver' | 'volumes'> {
  /** This machine's folders. */
  local: DataLayout;
  /** qemu (no daemon, the default) or libvirt (virsh, what KVM servers run). */
  driver?: 'qemu' | 'libvirt';
  /** Keep this store (a settings change rebuilds the manager, not the store the trees follow). */
  volumes?: VolumeStore;
}

/** A host's own data folders: this machine's for the local host, the remote host's (one round trip) otherwise. */
export async function hostDataLayout(host: Host, local: DataLayout): Promise<DataLayout> {
  const layout = (host as { dataLayout?(keys: string): Promise<DataLayout> }).dataLayout;
  // guest login keys stay on this machine: the client logs into the guests
  return host.kind !== 'local' && layout ? layout.call(host, local.keys) : local;
}

/** The services of `host` whose folders are already known. */
export function hostServicesOn(host: Host, data: DataLayout, o: HostServicesOptions): HostServices {
  const { local, driver, volumes: keep, ...rest } = o;
  const volumes = keep && keep.host === host && keep.dir === data.volumes ? keep : new VolumeStore(data.volumes, { host });
  const instances = new InstanceManager({
    ...rest, host, data, localData: local, volumes,
    driver: driver === 'libvirt' ? new LibvirtDriver(host, data.instances) : undefined,
  });
  return { host, data, local, instances, volumes };
}

/** The services of `host` (a remote host is asked for its folders first). */
export async function hostServices(host: Host, o: HostServicesOptions): Promise<HostServices> {
  return hostServicesOn(host, await hostDataLayout(host, o.local), o);
}
