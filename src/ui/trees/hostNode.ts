import * as vscode from 'vscode';
import type { Host } from '../../backend/host/host';
import type { ConnectionState } from '../../backend/host/connections';
import { hostState } from '../services/hosts';
import { contextValue } from './contextValue';

/**
 * How a host looks as a node in the Instances and Volumes trees (their owners call this for each host of
 * the HostRegistry, local first). contextValue is `host.local` or `host.ssh.<state>` (trees/contextValue), which the hosts menus
 * (Reconnect, Check Host, Remove Host) match with `viewItem =~ /^host\.ssh/`.
 */
export function hostTreeItem(host: Host, isActive = false): vscode.TreeItem {
  const item = new vscode.TreeItem(host.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `host:${host.id}`;
  const state = hostState(host);
  if (host.kind === 'local') {
    item.contextValue = contextValue('host', 'local');
    item.iconPath = new vscode.ThemeIcon('vm');
    item.description = isActive ? 'this machine · active' : 'this machine';
    return item;
  }
  const s = state ?? 'disconnected';
  const err = (host as { lastError?: Error }).lastError;
  item.contextValue = contextValue('host', 'ssh', s);
  const target = (host as { target?: string }).target ?? '';
  // the state first: a narrow sidebar cuts the end of the description
  item.description = `${STATE_TEXT[s]} · ${target}${isActive ? ' · active' : ''}`;
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
 * reconnects, the reason beside it (`busy`: a connection under way, said without an action).
 * Its contextValue is outside the host menus' `host.` pattern on purpose.
 */
export function hostProblemItem(host: Host, message: string, busy = false): vscode.TreeItem {
  if (busy) {
    const item = new vscode.TreeItem(message, vscode.TreeItemCollapsibleState.None);
    item.id = `hostBusy:${host.id}`;
    item.iconPath = new vscode.ThemeIcon('loading~spin');
    item.contextValue = contextValue('hostBusy');
    return item;
  }
  const remote = host.kind !== 'local';
  const item = new vscode.TreeItem(remote ? 'Reconnect' : message.split('\n')[0], vscode.TreeItemCollapsibleState.None);
  item.id = `hostError:${host.id}`;
  // the row sits under the host node: the reason without the "user@host: " it repeats
  if (remote) item.description = message.split('\n')[0].replace(/^[\w.-]+@[^\s:]+(:\d+)?: /, '');
  item.iconPath = new vscode.ThemeIcon(remote ? 'debug-restart' : 'warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.tooltip = remote ? `${message}\n\nClick to reconnect to ${host.label}.` : message;
  item.contextValue = contextValue('hostError');
  if (remote) item.command = { command: 'stratus.hosts.reconnect', title: 'Reconnect', arguments: [host.id] };
  return item;
}

/** The row under a host node with nothing in it: says so, and a click does the first step there. */
export function hostEmptyItem(host: Host, label: string, command: string, title: string): vscode.TreeItem {
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `hostEmpty:${host.id}`;
  item.description = title;
  item.contextValue = contextValue('hostEmpty');
  item.command = { command, title, arguments: [{ kind: 'host', host }] };
  return item;
}

const STATE_TEXT: Record<ConnectionState, string> = {
  disconnected: 'not connected', connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', error: 'error',
};
const STATE_ICON: Record<ConnectionState, string> = {
  disconnected: 'debug-disconnect', connecting: 'sync~spin', connected: 'server', reconnecting: 'sync~spin', error: 'error',
};
