import * as vscode from 'vscode';
import type { UiContext } from '../../context';

/** stratus.instances.launch: placeholder (foundation) until the instances area lands its real implementation in this file. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.instances.launch', async () => {
    ctx.log.info('stratus.instances.launch: not available yet');
    await vscode.window.showInformationMessage('Launching an instance is not available in this build yet.');
  }));
}
