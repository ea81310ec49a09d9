import * as vscode from 'vscode';
import type { UiContext } from '../../context';

/** stratus.showLog: reveals the 'Stratus' log output channel. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.showLog', () => ctx.log.show(true)));
}
