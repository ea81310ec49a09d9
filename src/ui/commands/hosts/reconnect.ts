import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { hostsManager } from '../../services/hostsManager';
import { pickRemoteHost } from './pick';

/** stratus.hosts.reconnect — drops and reopens the host's one connection (the fix action of a host in error). */
export async function reconnect(ctx: UiContext, arg?: unknown) {
  const host = await pickRemoteHost(hostsManager(ctx), arg, 'Reconnect Host');
  if (!host) return false;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Connecting to ${host.label}…` }, () => host.reconnect());
  return true;
}
