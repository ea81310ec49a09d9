import * as vscode from 'vscode';
import type { UiContext } from '../context';
import { hostState } from '../services/hosts';
import type { HostsManager } from '../services/hostsManager';

/** Status bar: the host new launches go to, with its connection state; click to change it. */
export function register(ctx: UiContext, mgr: HostsManager): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('stratus.activeHost', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Stratus: Active KVM Host';
  item.command = 'stratus.hosts.selectActive';
  const update = () => {
    const h = mgr.activeHost();
    const s = hostState(h);
    const icon = s === 'error' ? '$(error)' : s === 'connecting' || s === 'reconnecting' ? '$(sync~spin)' : h.kind === 'local' ? '$(vm)' : '$(server)';
    item.text = `${icon} ${h.label}`;
    item.tooltip = `Stratus: new instances launch on ${h.label}${s ? ` (${s})` : ''} — click to change`;
    item.backgroundColor = s === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  update();
  item.show();
  ctx.ext.subscriptions.push(item, mgr.onDidChange(update));
  return item;
}
