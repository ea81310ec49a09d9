import * as vscode from 'vscode';
import type { UiContext } from '../../context';

/** stratus.volumes.create: placeholder (foundation) until the volumes area lands its real implementation in this file. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.volumes.create', async () => {
    ctx.log.info('stratus.volumes.create: not available yet');
    await vscode.window.showInformationMessage('Creating a volume is not available in this build yet.');
  }));
}
