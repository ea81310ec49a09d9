import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickVolume, volumeArg, volumeStoreFor } from '../../services/volumes';

/** stratus.volumes.delete: modal confirmation naming the volume (skipped with `{ uuid, host?, confirmed: true }`). */
export async function deleteVolume(ctx: UiContext, arg?: unknown) {
  let { host, uuid } = volumeArg(arg);
  if (!host) return false;
  if (!uuid) {
    const pick = await pickVolume(ctx, 'Volume to delete');
    if (!pick) return false;
    ({ host, uuid } = pick);
  }
  const store = await volumeStoreFor(ctx, host);
  const v = await store.get(uuid);
  if (!v) throw new Error(`No volume ${uuid} on ${host.label}.`);
  const confirmed = (arg as { confirmed?: boolean } | undefined)?.confirmed === true;
  if (!confirmed) {
    const answer = await vscode.window.showWarningMessage(`Delete volume '${v.tag || v.uuid}' (${v.size} GiB) on ${host.label}?`,
      { modal: true, detail: `Its data is lost for good: ${v.path}` }, 'Delete');
    if (answer !== 'Delete') return false;
  }
  await store.delete(uuid);
  ctx.log.info(`Deleted volume ${uuid} on ${host.label}`);
  ctx.trees.get('stratus.volumes')?.refresh();
  return true;
}
