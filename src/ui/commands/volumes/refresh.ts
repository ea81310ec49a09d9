import * as vscode from 'vscode';
import type { UiContext } from '../../context';

export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.volumes.refresh', () => ctx.trees.get('stratus.volumes')?.refresh()));
}
