import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { detachVolume } from '../../../backend/volumes/attach';
import { volumeStore, volumeUuid } from '../../trees/volumes/store';
import { localInstances } from './instances';

/** stratus.volumes.detach: hot-unplugs the volume from the instance(s) it is attached to. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.volumes.detach', async (arg?: unknown) => {
    const uuid = volumeUuid(arg);
    const v = uuid ? await volumeStore(ctx).get(uuid) : undefined;
    if (!v) { void vscode.window.showErrorMessage('Detach Volume: select an attached volume in the Volumes view.'); return false; }
    try {
      for (const id of v.attachedTo) {
        await detachVolume(localInstances(ctx), volumeStore(ctx), id, v.uuid);
        ctx.log.info(`DETACHED ${v.uuid} from VM ${id}`);
      }
      ctx.trees.get('stratus.volumes')?.refresh();
      return true;
    } catch (e) {
      void vscode.window.showErrorMessage(`Detach Volume: ${(e as Error).message}`);
      return false;
    }
  }));
}
