import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { hostsManager } from '../../services/hostsManager';
import { pickRemoteHost } from './pick';

/** stratus.hosts.reconnect — drops and reopens the host's one connection (the fix action of a host in error). */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.hosts.reconnect', async (arg?: unknown) => {
    const host = await pickRemoteHost(hostsManager(ctx), arg, 'Reconnect Host');
    if (!host) return false;
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Connecting to ${host.label}…` }, () => host.reconnect());
      return true;
    } catch (e) {
      ctx.log.error(`Reconnect ${host.label}: ${(e as Error).message}`);
      vscode.window.showErrorMessage(`${host.label}: ${(e as Error).message}`);
      return false;
    }
  }));
}
