import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { volumeStore, volumeUuid } from '../../trees/volumes/store';

/** stratus.volumes.delete: modal confirmation naming the volume (skipped with `{ uuid, confirmed: true }`). */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.volumes.delete', async (arg?: unknown) => {
    const store = volumeStore(ctx);
    let uuid = volumeUuid(arg);
    if (!uuid) {
      const pick = await vscode.window.showQuickPick((await store.list()).map(v => ({ label: v.tag || v.uuid, description: `${v.size} GiB · ${v.type}`, uuid: v.uuid })), { placeHolder: 'Volume to delete' });
      if (!pick) return false;
      uuid = pick.uuid;
    }
    const v = await store.get(uuid);
    if (!v) { void vscode.window.showErrorMessage(`No volume ${uuid}.`); return false; }
    const confirmed = (arg as { confirmed?: boolean } | undefined)?.confirmed === true;
    if (!confirmed) {
      const answer = await vscode.window.showWarningMessage(`Delete volume '${v.tag || v.uuid}' (${v.size} GiB)?`,
        { modal: true, detail: `Its data is lost for good: ${v.path}` }, 'Delete');
      if (answer !== 'Delete') return false;
    }
    try {
      await store.delete(uuid);
      ctx.log.info(`Deleted volume ${uuid}`);
      ctx.trees.get('stratus.volumes')?.refresh();
      return true;
    } catch (e) {
      void vscode.window.showErrorMessage(`Delete Volume: ${(e as Error).message}`);
      return false;
    }
  }));
}
