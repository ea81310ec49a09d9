import * as vscode from 'vscode';
import type { RemoteKvmHost } from '../../../backend/host/remoteHosts';
import { HostsManager } from '../../services/hostsManager';

/** The host a tree-node or palette invocation means: the node's host id, a name, or a quick pick. */
export async function pickRemoteHost(mgr: HostsManager, arg: unknown, title: string): Promise<RemoteKvmHost | undefined> {
  // a host name, a tree node ({ host }) of the Instances/Volumes trees, or an object with hostId / id 'host:<name>'
  const o = arg as { host?: { id?: string }; hostId?: string; id?: string } | undefined;
  const id = typeof arg === 'string' ? arg : o?.host?.id ?? o?.hostId ?? o?.id?.replace(/^host:/, '');
  if (id) {
    const h = mgr.get(id);
    if (!h) throw new Error(`No remote host named '${id}'.`);
    return h;
  }
  const hosts = mgr.hosts();
  if (!hosts.length) { vscode.window.showInformationMessage('No remote KVM hosts yet: use "Stratus: Add KVM Host…".'); return undefined; }
  const pick = await vscode.window.showQuickPick(hosts.map(h => ({ label: h.label, description: `${h.target} · ${h.state}`, host: h })), { title });
  return pick?.host;
}
