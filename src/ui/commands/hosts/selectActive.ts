import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { hostRegistry } from '../../../backend/hosts/registry';
import { hostsManager } from '../../services/hostsManager';

/** stratus.hosts.selectActive — the host new launches go to (the status bar item runs this); a host name or a tree host node. */
export async function selectActive(ctx: UiContext, arg?: string | { host?: { id: string } }) {
  const mgr = hostsManager(ctx);
  let name = typeof arg === 'string' ? arg : arg?.host?.id;
  if (!name) {
    const active = mgr.activeHost().id;
    const items = hostRegistry().hosts().map(h => ({ label: h.label, id: h.id, description: `${h.kind === 'local' ? 'this machine' : (h as { target?: string }).target ?? ''}${h.id === active ? ' · active' : ''}` }));
    const pick = await vscode.window.showQuickPick([...items, { label: '$(add) Add KVM Host…', id: '', description: '' }], { title: 'Host for new launches' });
    if (!pick) return undefined;
    if (!pick.id) return vscode.commands.executeCommand('stratus.hosts.add');
    name = pick.id;
  }
  if (!hostRegistry().get(name)) throw new Error(`No host named '${name}'.`);
  await mgr.setActiveHost(name);
  return name;
}
