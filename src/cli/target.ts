import { ConnectionPool } from '../backend/host/connections';
import type { Host } from '../backend/host/host';
import { LocalHost } from '../backend/host/local';
import { hostServicesOn } from '../backend/hosts/services';
import type { InstanceManager } from '../backend/kvm/instances';
import { dataLayout, DataLayout } from '../backend/paths';
import { remoteEndpoints, remoteMetadataFetcher } from '../backend/marketplace/sources';
import type { VolumeStore } from '../backend/volumes/store';
import type { CliIO } from './command';
import { connectOrExplain, findHost, openHost } from './commands/hosts';

/** `--host NAME` (or $STRATUS_HOST): the KVM host a command works on; this machine without it. */
export const hostOption = { host: { type: 'string' as const, short: 'H' } };
export const HOST_USAGE = '[-H|--host NAME]';

export interface Target {
  host: Host;
  /** Folders on `host`. */
  data: DataLayout;
  /** This machine's folders. */
  local: DataLayout;
  /** `endpoints`: remote marketplaces asked for identifiers the embedded one lacks (plus $STRATUSLAB_MARKETPLACE_ENDPOINT). */
  manager(io?: CliIO, endpoints?: string[]): InstanceManager;
  volumes(): VolumeStore;
}

/**
 * Runs `f` against the named host (hosts.json, `stratus host add`) over one SSH connection, closed at the end
 * so the CLI exits; an unknown host key is explained, never accepted here.
 */
export async function withTarget<T>(name: string | undefined, io: CliIO, f: (t: Target) => Promise<T>): Promise<T> {
  const local = dataLayout();
  name ??= process.env.STRATUS_HOST || undefined;
  if (!name || name === 'local') return f(target(new LocalHost(), local, local));
  const pool = new ConnectionPool();
  try {
    const host = await connectOrExplain(openHost(findHost(name), io, undefined, pool));
    return await f(target(host, await host.dataLayout(local.keys), local));
  } finally { pool.closeAll(); }
}

function target(host: Host, data: DataLayout, local: DataLayout): Target {
  // one store of the host's volumes folder for the whole command: managers made for it share it
  const volumes = hostServicesOn(host, data, { local }).volumes;
  return {
    host, data, local,
    // STRATUS_KVM_ACCEL=auto|kvm|tcg overrides the probe; STRATUS_KVM_DRIVER=libvirt drives libvirtd through virsh (stratus.kvm.driver)
    manager: (io, endpoints) => {
      const accel = process.env.STRATUS_KVM_ACCEL;
      const remotes = remoteEndpoints(endpoints, process.env.STRATUSLAB_MARKETPLACE_ENDPOINT);
      return hostServicesOn(host, data, {
        local, volumes,
        fetchMetadata: remoteMetadataFetcher(remotes, ep => io?.err(`Image metadata from marketplace ${ep}`)),
        driver: process.env.STRATUS_KVM_DRIVER === 'libvirt' ? 'libvirt' : 'qemu',
        acceleration: accel === 'kvm' || accel === 'tcg' ? accel : 'auto', log: m => io?.err(m),
      }).instances;
    },
    volumes: () => volumes,
  };
}

/** This machine's services, for commands that have no --host. */
export function localServices() {
  const local = dataLayout();
  return hostServicesOn(new LocalHost(), local, { local });
}
