import * as vscode from 'vscode';
import type { Host } from '../../backend/host/host';
import { hostRegistry } from '../../backend/hosts/registry';
import type { Volume } from '../../backend/volumes/store';
import { volumeStoreFor } from './hostServices';
import type { VolumeNode } from './nodes';

export { volumeStore, volumeStoreFor } from './hostServices';
import type { UiContext } from '../context';
import { activeHostId, hostById, hostProblem, orderedHosts, withTimeout } from './hosts';

/**
 * What volume commands are given: a tree node, a Volume, `{ uuid, host? }` (host: a host id, default local)
 * or a uuid string. Undefined host means an unknown host id (already reported to the user).
 */
export function volumeArg(arg: unknown): { host?: Host; uuid?: string } {
  if (typeof arg === 'string') return { host: hostRegistry().local(), uuid: arg };
  const o = (arg ?? {}) as Partial<VolumeNode> & { uuid?: unknown; host?: unknown };
  if (o.kind === 'volume' && o.volume && o.host) return { host: o.host as Host, uuid: o.volume.uuid };
  const id = typeof o.host === 'string' ? o.host : (o.host as Host | undefined)?.id;
  const host = hostById(id);
  if (!host) throw new Error(`No host named '${id}'.`);
  return { host, uuid: typeof o.uuid === 'string' ? o.uuid : undefined };
}

/** Volumes of every host that is reachable now, local first (for palette picks). */
export async function allVolumes(ctx: UiContext, timeoutMs = 15_000): Promise<Array<{ host: Host; volume: Volume }>> {
  const hosts = orderedHosts().filter(h => !hostProblem(h));
  const lists = await Promise.allSettled(hosts.map(host => withTimeout(volumeStoreFor(ctx, host).then(s => s.list()), timeoutMs, `Listing volumes on ${host.label}`)));
  return lists.flatMap((l, i) => {
    if (l.status === 'rejected') { ctx.log.warn((l.reason as Error).message); return []; }
    return l.value.map(volume => ({ host: hosts[i], volume }));
  });
}

/** Quick pick of a volume among all hosts (the host is said only when there are several). */
export async function pickVolume(ctx: UiContext, title: string, filter: (v: Volume) => boolean = () => true): Promise<{ host: Host; uuid: string } | undefined> {
  const all = (await allVolumes(ctx)).filter(x => filter(x.volume));
  if (!all.length) { void vscode.window.showInformationMessage('No volume to choose from.'); return undefined; }
  const several = orderedHosts().length > 1;
  const pick = await vscode.window.showQuickPick(all.map(x => ({
    label: x.volume.tag || x.volume.uuid, description: `${several ? `${x.host.label} · ` : ''}${x.volume.size} GiB · ${x.volume.type}`, x,
  })), { title, matchOnDescription: true });
  return pick && { host: pick.x.host, uuid: pick.x.volume.uuid };
}

/** Where a new volume goes without a host argument: the only host, or the user's pick (active host first). */
export async function pickHostForVolume(title: string): Promise<Host | undefined> {
  const hosts = orderedHosts();
  if (hosts.length === 1) return hosts[0];
  const active = activeHostId();
  const items = hosts.map(h => ({ label: h.label, description: `${h.kind === 'local' ? 'this machine' : (h as { target?: string }).target ?? ''}${h.id === active ? ' · active host' : ''}`, h }));
  items.sort((a, b) => Number(b.h.id === active) - Number(a.h.id === active));
  return (await vscode.window.showQuickPick(items, { title, placeHolder: `Host for the new volume (the active host is ${hostById(active)?.label ?? active})` }))?.h;
}
