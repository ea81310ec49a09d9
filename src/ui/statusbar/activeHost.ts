import * as vscode from 'vscode';
import type { ConnectionState } from '../../backend/host/connections';
import type { Host } from '../../backend/host/host';
import { config, UiContext } from '../context';
import type { HostsManager } from '../services/hostsManager';

export interface ActiveHostItem {
  /** Once the hosts are loaded: the active host's label and connection state, kept up to date. */
  follow(mgr: HostsManager, stateOf: (h: Host) => ConnectionState | undefined): void;
}

/**
 * Status bar: the host new launches go to, with its connection state; click to change it. At activation it
 * shows the `stratus.activeHost` setting (no connection exists yet); the hosts, loaded on first use of a view
 * or command, then keep it current.
 */
export function register(ctx: UiContext): ActiveHostItem {
  const item = vscode.window.createStatusBarItem('stratus.activeHost', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Stratus: Active KVM Host';
  item.command = 'stratus.hosts.selectActive';
  const show = (label: string, local: boolean, s?: ConnectionState) => {
    const icon = s === 'error' ? '$(error)' : s === 'connecting' || s === 'reconnecting' ? '$(sync~spin)' : local ? '$(vm)' : '$(server)';
    item.text = `${icon} ${label}`;
    item.tooltip = `Stratus: new instances launch on ${label}${s ? ` (${s})` : ''} — click to change`;
    item.backgroundColor = s === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  const fromSetting = () => { const name = config().get<string>('activeHost') || 'local'; show(name === 'local' ? 'Local' : name, name === 'local'); };
  fromSetting();
  const early = vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('stratus.activeHost')) fromSetting(); });
  item.show();
  ctx.ext.subscriptions.push(item, early);
  return {
    follow(mgr, stateOf) {
      early.dispose();
      const update = () => { const h = mgr.activeHost(); show(h.label, h.kind === 'local', stateOf(h)); };
      update();
      ctx.ext.subscriptions.push(mgr.onDidChange(update));
    },
  };
}
