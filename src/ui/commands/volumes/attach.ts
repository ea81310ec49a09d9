import * as vscode from 'vscode';
import type { Host } from '../../../backend/host/host';
import { attachVolume } from '../../../backend/volumes/attach';
import type { UiContext } from '../../context';
import { hostById } from '../../services/hosts';
import { managerFor } from '../../services/hostServices';
import { volumeArg, volumeStoreFor } from '../../services/volumes';

/**
 * stratus.volumes.attach: hot-plugs a free volume into a Running instance of the SAME host. From a volume:
 * picks among that host's running instances; from an instance node (or `(undefined, { instanceId, hostId })`):
 * picks among that host's free data volumes; `(volume, { instanceId, hostId? })` skips both picks.
 */
export async function attach(ctx: UiContext, arg?: unknown, opts?: { instanceId?: string; hostId?: string }) {
  const node = arg as { kind?: string; host?: Host; record?: { id: string } } | undefined;
  const fromInstance = node?.kind === 'instance' && node.record && node.host ? { host: node.host, instanceId: node.record.id } : undefined;
  const vol = fromInstance || arg === undefined ? undefined : volumeArg(arg);
  if (vol && !vol.host) return undefined;
  // the instance's host: the node's, the one named, else the volume's (volumes attach only on their own host)
  const host = fromInstance?.host ?? (opts?.hostId ? hostById(opts.hostId) : vol?.host ?? hostById(undefined));
  if (!host) throw new Error(`no host named '${opts?.hostId}'.`);
  let instanceId = fromInstance?.instanceId ?? opts?.instanceId;
  const mgr = await managerFor(ctx, host);
  const store = await volumeStoreFor(ctx, vol?.host ?? host);
  let uuid = vol?.uuid;
  if (!uuid) {
    const free = (await store.list()).filter(v => v.type.startsWith('DATA_') && !v.attachedTo.length && !v.dependents.length);
    if (!free.length) { void vscode.window.showInformationMessage(`No free data volume on ${host.label}: create one first (Create a Volume…).`); return undefined; }
    const pick = await vscode.window.showQuickPick(free.map(v => ({ label: v.tag || v.uuid, description: `${v.size} GiB · ${v.type}`, uuid: v.uuid })), { placeHolder: `Attach which volume to ${instanceId ?? 'the instance'}?` });
    if (!pick) return undefined;
    uuid = pick.uuid;
  }
  if (!instanceId) {
    const running = (await mgr.list()).filter(r => r.state === 'Running');
    if (!running.length) { void vscode.window.showInformationMessage(`No running instance on ${host.label} to attach the volume to: launch one there first.`); return undefined; }
    const pick = await vscode.window.showQuickPick(running.map(r => ({ label: r.name, description: `${r.id} · ${r.type}`, id: r.id })), { placeHolder: `Attach to which running instance on ${host.label}?` });
    if (!pick) return undefined;
    instanceId = pick.id;
  }
  const target = await attachVolume(mgr, store, instanceId, uuid);
  ctx.log.info(`ATTACHED ${uuid} in VM ${instanceId} on /dev/${target} (${host.label})`);
  ctx.trees.get('stratus.volumes')?.refresh();
  void vscode.window.showInformationMessage(`Volume attached to ${instanceId} as /dev/${target}.`);
  return target;
}
