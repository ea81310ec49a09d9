import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { registerCommand } from '../../services/commands';

/** stratus.marketplace.editEndpoints: the fix action of an unreachable marketplace row. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.marketplace.editEndpoints', () =>
    vscode.commands.executeCommand('workbench.action.openSettings', 'stratus.marketplaces')));
}
