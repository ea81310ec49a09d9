import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { registerCommand } from '../../services/commands';

/** stratus.showLog: reveals the 'Stratus' log output channel. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.showLog', () => ctx.log.show(true)));
}
