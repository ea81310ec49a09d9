import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { attachVolume } from '../../../backend/volumes/attach';
import { volumeStore, volumeUuid } from '../../trees/volumes/store';
import { localInstances } from './instances';

/** stratus.volumes.attach: hot-plugs a free volume into a Running instance; args (volume, { instanceId }) skip the pick. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.volumes.attach', async (arg?: unknown, opts?: { instanceId?: string }) => {
    const mgr = localInstances(ctx);
    let instanceId = opts?.instanceId;
    let uuid = volumeUuid(arg);
    // from the Instances tree: { kind: 'instance', host, record } → pick a free data volume
    const node = arg as { kind?: string; host?: { kind: string }; record?: { id: string } } | undefined;
    if (node?.kind === 'instance' && node.record) {
      if (node.host?.kind !== 'local') { void vscode.window.showErrorMessage('Attach Volume: volumes live on this machine; instances on remote hosts cannot use them.'); return undefined; }
      instanceId = node.record.id;
      const free = (await volumeStore(ctx).list()).filter(v => v.type.startsWith('DATA_') && !v.attachedTo.length && !v.dependents.length);
      if (!free.length) { void vscode.window.showInformationMessage('No free data volume: create one first (Create a Volume…).'); return undefined; }
      const pick = await vscode.window.showQuickPick(free.map(v => ({ label: v.tag || v.uuid, description: `${v.size} GiB · ${v.type}`, uuid: v.uuid })), { placeHolder: `Attach which volume to ${instanceId}?` });
      if (!pick) return undefined;
      uuid = pick.uuid;
    }
    if (!uuid) { void vscode.window.showErrorMessage('Attach Volume: select a volume in the Volumes view.'); return undefined; }
    if (!instanceId) {
      const running = (await mgr.list()).filter(r => r.state === 'Running');
      if (!running.length) { void vscode.window.showInformationMessage('No running instance to attach the volume to: launch one first.'); return undefined; }
      const pick = await vscode.window.showQuickPick(running.map(r => ({ label: r.name, description: `${r.id} · ${r.type}`, id: r.id })), { placeHolder: 'Attach to which running instance?' });
      if (!pick) return undefined;
      instanceId = pick.id;
    }
    try {
      const target = await attachVolume(mgr, volumeStore(ctx), instanceId, uuid);
      ctx.log.info(`ATTACHED ${uuid} in VM ${instanceId} on /dev/${target}`);
      ctx.trees.get('stratus.volumes')?.refresh();
      void vscode.window.showInformationMessage(`Volume attached to ${instanceId} as /dev/${target}.`);
      return target;
    } catch (e) {
      void vscode.window.showErrorMessage(`Attach Volume: ${(e as Error).message}`);
      return undefined;
    }
  }));
}
