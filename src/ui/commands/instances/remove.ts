import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';
import { registerCommand } from '../../services/commands';

/** stratus.instances.remove: forget a Done/Failed instance (its folder, console log included). */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.instances.remove', async (arg?: unknown) => {
    const p = await pickInstance(ctx, arg, ['Done', 'Failed'], 'Remove from the list');
    if (!p) return;
    try { await p.mgr.forget(p.record.id); } finally { ctx.trees.get('stratus.instances')?.refresh(); }
  }));
}
