import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { attachVolume } from '../../../backend/volumes/attach';
import { volumeStore, volumeUuid } from '../../trees/volumes/store';
import { localInstances } from './instances';

/** stratus.volumes.attach: hot-plugs a free volume into a Running instance; args (volume, { instanceId }) skip the pick. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.volumes.attach', async (arg?: unknown, opts?: { instanceId?: string }) => {
    const uuid = volumeUuid(arg);
    if (!uuid) { void vscode.window.showErrorMessage('Attach Volume: select a volume in the Volumes view.'); return undefined; }
    const mgr = localInstances(ctx);
    let instanceId = opts?.instanceId;
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
