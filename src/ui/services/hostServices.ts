import * as vscode from 'vscode';
import type { Host } from '../../backend/host/host';
import { hostRegistry } from '../../backend/hosts/registry';
import type { DataLayout } from '../../backend/paths';
import type { VolumeStore } from '../../backend/volumes/store';
import { hostServicesOn, type HostServices } from '../../backend/hosts/services';
import type { InstanceManager } from '../../backend/kvm/instances';
import type { InstanceType } from '../../backend/kvm/types';
import { remoteEndpoints, remoteMetadataFetcher } from '../../backend/marketplace/sources';
import { config, UiContext } from '../context';
import { parseNetworkMode, type NetworkMode } from '../../core/network';
import { trustedCertificates } from './trust';
import { hostLayout, hostProblem, orderedHosts, withTimeout } from './hosts';

/** One set of services per host, shared by the trees and the commands. */
const byHost = new Map<string, { host: Host; services: Promise<HostServices> }>();
/** A replaced manager lets go of its local ends of remote published ports (the next one reopens them on the same numbers). */
const retire = (services: Promise<HostServices>) => { services.then(s => s.instances.dispose(), () => undefined); };
/** Each host's volume store outlives a settings change (the trees keep following it). */
const keptVolumes = new Map<string, VolumeStore>();

/** stratus.instanceTypes: { "my.type": [cpu, ramMiB, swapMiB] } or { "my.type": { vcpu, memoryMiB, swapMiB } }. */
export function userInstanceTypes(): InstanceType[] {
  const raw = config().get<Record<string, unknown>>('instanceTypes') ?? {};
  const out: InstanceType[] = [];
  for (const [name, v] of Object.entries(raw)) {
    const nums = Array.isArray(v) ? v.map(Number) : v && typeof v === 'object' ? [Number((v as any).vcpu), Number((v as any).memoryMiB), Number((v as any).swapMiB ?? 0)] : [];
    if (nums.length >= 2 && nums[0] > 0 && nums[1] > 0) out.push({ name, vcpu: nums[0], memoryMiB: nums[1], swapMiB: nums[2] >= 0 ? nums[2] : 0 });
  }
  return out;
}

/** stratus.network: the default network mode (a bad value is logged and nat used). */
function settingNetwork(ctx: UiContext): NetworkMode | undefined {
  const v = config().get<string>('network');
  if (!v) return undefined;
  try { return parseNetworkMode(v); } catch (e) { ctx.log.warn(`stratus.network: ${(e as Error).message}`); return undefined; }
}

/** The services of `host` (async: a remote host's need that host's own folders first, one round trip per Host object). */
export function servicesFor(ctx: UiContext, host: Host): Promise<HostServices> {
  const have = byHost.get(host.id);
  if (have && have.host === host) return have.services;
  const assemble = (data: DataLayout): HostServices => {
    const s = hostServicesOn(host, data, {
      // downloads, drafts of saved images and guest keys stay on this machine
      local: ctx.data,
      volumes: keptVolumes.get(host.id),
      // stratus.kvm.driver: qemu (no daemon, the embedded default) or libvirt (what KVM servers run)
      driver: config().get<string>('kvm.driver') === 'libvirt' ? 'libvirt' : 'qemu',
      instanceTypes: userInstanceTypes(),
      acceleration: config().get<'auto' | 'kvm' | 'tcg'>('kvm.acceleration') ?? 'auto',
      trustedSigners: trustedCertificates(ctx.log),
      // an identifier only a configured remote marketplace has (Launch on a remote entry) is fetched from it
      fetchMetadata: remoteMetadataFetcher(remoteEndpoints(config().get<string[]>('marketplaces')), ep => ctx.log.info(`Image metadata from marketplace ${ep}`)),
      defaultNetwork: settingNetwork(ctx),
      log: m => ctx.log.info(m),
    });
    keptVolumes.set(host.id, s.volumes);
    return s;
  };
  // this machine's services are assembled at once (the Volumes tree follows its store synchronously)
  const services = host.kind === 'local' ? Promise.resolve(assemble(ctx.data)) : hostLayout(ctx, host).then(assemble);
  // a new Host object for the same id (its settings changed): the old manager's port forwards close
  if (have) retire(have.services);
  byHost.set(host.id, { host, services });
  services.catch(() => { if (byHost.get(host.id)?.services === services) byHost.delete(host.id); });
  return services;
}

/** The instance manager of `host`. */
export function managerFor(ctx: UiContext, host: Host): Promise<InstanceManager> {
  return servicesFor(ctx, host).then(s => s.instances);
}

/** The store of `host`'s own volumes folder (a remote one works through that host's SSH connection). */
export function volumeStoreFor(ctx: UiContext, host: Host): Promise<VolumeStore> {
  return servicesFor(ctx, host).then(s => s.volumes);
}

/** The one VolumeStore of this machine's data folder, shared by the Volumes tree and the volume commands. */
export function volumeStore(ctx: UiContext): VolumeStore {
  const local = hostRegistry().local();
  if (!keptVolumes.has(local.id)) void servicesFor(ctx, local);
  return keptVolumes.get(local.id)!;
}

/** The managers of the hosts that answer within `timeoutMs`; a host that is down is left out, not waited for. */
export async function allManagers(ctx: UiContext, timeoutMs = 10_000): Promise<InstanceManager[]> {
  const hosts = orderedHosts().filter(h => !hostProblem(h));
  const got = await Promise.allSettled(hosts.map(h => withTimeout(managerFor(ctx, h), timeoutMs, h.label)));
  return got.flatMap(r => (r.status === 'fulfilled' ? [r.value] : []));
}

/** Settings changed: managers are rebuilt lazily with the new values; the old ones let go of their port forwards. */
export function resetManagers(): void {
  for (const { services } of byHost.values()) retire(services);
  byHost.clear();
}

export function watchSettings(ctx: UiContext, onChange: () => void): void {
  ctx.ext.subscriptions.push(vscode.workspace.onDidChangeConfiguration(e => {
    if (['stratus.instanceTypes', 'stratus.kvm.acceleration', 'stratus.kvm.driver', 'stratus.trustedCertificates', 'stratus.marketplaces', 'stratus.network'].some(k => e.affectsConfiguration(k))) {
      resetManagers(); onChange();
    }
  }));
}
