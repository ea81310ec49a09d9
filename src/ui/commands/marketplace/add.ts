import * as vscode from 'vscode';
import type { UiContext } from '../../context';

/** stratus.marketplace.add: placeholder (foundation) until the marketplace area lands its real implementation in this file. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.marketplace.add', async () => {
    ctx.log.info('stratus.marketplace.add: not available yet');
    await vscode.window.showInformationMessage('Adding a marketplace is not available in this build yet.');
  }));
}
