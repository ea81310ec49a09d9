import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { registerCommand } from '../../services/commands';

export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.instances.refresh', () => ctx.trees.get('stratus.instances')?.refresh()));
}
