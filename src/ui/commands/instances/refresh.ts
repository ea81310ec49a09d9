import * as vscode from 'vscode';
import type { UiContext } from '../../context';

export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.instances.refresh', () => ctx.trees.get('stratus.instances')?.refresh()));
}
