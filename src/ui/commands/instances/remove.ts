import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.remove: forget a Done/Failed instance (its folder, console log included). */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.instances.remove', async (arg?: unknown) => {
    const p = await pickInstance(ctx, arg, ['Done', 'Failed'], 'Remove from the list');
    if (!p) return;
    try { await p.mgr.forget(p.record.id); } catch (e) { void vscode.window.showErrorMessage((e as Error).message); }
    ctx.trees.get('stratus.instances')?.refresh();
  }));
}
