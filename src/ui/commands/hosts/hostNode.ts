import * as vscode from 'vscode';
import type { Host } from '../../../backend/host/host';
import type { ConnectionState } from '../../../backend/host/connections';

/**
 * How a host looks as a node in the Instances and Volumes trees (their owners call this for each host of
 * the HostRegistry, local first). contextValue is `host.local` or `host.ssh.<state>`, which the hosts menus
 * (Reconnect, Check Host, Remove Host) match with `viewItem =~ /^host\.ssh/`.
 */
export function hostTreeItem(host: Host, isActive = false): vscode.TreeItem {
  const item = new vscode.TreeItem(host.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `host:${host.id}`;
  const state = hostState(host);
  if (host.kind === 'local') {
    item.contextValue = 'host.local';
    item.iconPath = new vscode.ThemeIcon('vm');
    item.description = isActive ? 'this machine · active' : 'this machine';
    return item;
  }
  const s = state ?? 'disconnected';
  const err = (host as { lastError?: Error }).lastError;
  item.contextValue = `host.ssh.${s}`;
  const target = (host as { target?: string }).target ?? '';
  item.description = `${target}${isActive ? ' · active' : ''} · ${STATE_TEXT[s]}`;
  item.iconPath = new vscode.ThemeIcon(STATE_ICON[s], s === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
  item.tooltip = new vscode.MarkdownString(`**${host.label}** — ${target}\n\n${STATE_TEXT[s]}${err ? `\n\n${err.message}` : ''}` +
    (s === 'error' ? '\n\nUse *Reconnect* after fixing the cause, or *Check Host* for a pre-flight.' : ''));
  if (s === 'error') item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
  return item;
}

/** The fix action shown as a child of a host node in error (trees may add it under the host). */
export function hostErrorItem(host: Host): vscode.TreeItem | undefined {
  const err = (host as { lastError?: Error }).lastError;
  if (hostState(host) !== 'error' || !err) return undefined;
  return hostProblemItem(host, err.message);
}

/**
 * A child for a host whose content could not be read: for a remote host a "Reconnect" row whose click
 * reconnects, the reason beside it. Its contextValue is outside the host menus' `host.` pattern on purpose.
 */
export function hostProblemItem(host: Host, message: string): vscode.TreeItem {
  const remote = host.kind !== 'local';
  const item = new vscode.TreeItem(remote ? 'Reconnect' : message.split('\n')[0], vscode.TreeItemCollapsibleState.None);
  item.id = `hostError:${host.id}`;
  if (remote) item.description = message.split('\n')[0];
  item.iconPath = new vscode.ThemeIcon(remote ? 'debug-restart' : 'warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.tooltip = remote ? `${message}\n\nClick to reconnect to ${host.label}.` : message;
  item.contextValue = 'hostError';
  if (remote) item.command = { command: 'stratus.hosts.reconnect', title: 'Reconnect', arguments: [host.id] };
  return item;
}

export function hostState(host: Host): ConnectionState | undefined {
  return host.kind === 'ssh' ? (host as { state?: ConnectionState }).state : undefined;
}

const STATE_TEXT: Record<ConnectionState, string> = {
  disconnected: 'not connected', connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', error: 'error',
};
const STATE_ICON: Record<ConnectionState, string> = {
  disconnected: 'debug-disconnect', connecting: 'sync~spin', connected: 'server', reconnecting: 'sync~spin', error: 'error',
};
