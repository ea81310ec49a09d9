import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { Visibility, VolumeFormat, checkSize, checkTag } from '../../../backend/volumes/store';
import { volumeStore } from '../../trees/volumes/store';

export interface CreateVolumeArgs { sizeGiB?: number; tag?: string; visibility?: Visibility; format?: VolumeFormat }

const message = (f: () => void) => { try { f(); return undefined; } catch (e) { return (e as Error).message; } };

/** stratus.volumes.create: asks size, tag and visibility (or takes them as arguments); returns the new Volume. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.volumes.create', async (args?: CreateVolumeArgs) => {
    let size = args?.sizeGiB;
    if (size === undefined) {
      const s = await vscode.window.showInputBox({ title: 'Create Volume (1/3)', prompt: 'Size in GiB (1–1024)', value: '1',
        validateInput: v => message(() => checkSize(/^\d+$/.test(v.trim()) ? Number(v) : NaN)) });
      if (s === undefined) return undefined;
      size = Number(s);
    }
    let tag = args?.tag;
    if (tag === undefined) {
      tag = await vscode.window.showInputBox({ title: 'Create Volume (2/3)', prompt: 'Tag (optional, less than 40 characters)', validateInput: v => message(() => checkTag(v)) });
      if (tag === undefined) return undefined;
    }
    let visibility = args?.visibility;
    if (!visibility) {
      const pick = await vscode.window.showQuickPick([{ label: 'Private', v: 'PRIVATE' as const, description: 'default' }, { label: 'Public', v: 'PUBLIC' as const }], { title: 'Create Volume (3/3)', placeHolder: 'Visibility' });
      if (!pick) return undefined;
      visibility = pick.v;
    }
    try {
      const v = await volumeStore(ctx).create({ sizeGiB: size, tag, visibility, format: args?.format });
      ctx.log.info(`Created volume ${v.uuid} (${v.size} GiB, tag '${v.tag}')`);
      ctx.trees.get('stratus.volumes')?.refresh();
      return v;
    } catch (e) {
      void vscode.window.showErrorMessage(`Create Volume: ${(e as Error).message}`);
      return undefined;
    }
  }));
}
