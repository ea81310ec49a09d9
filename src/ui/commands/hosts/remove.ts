import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { entryFromSetting, HostSetting, loadHostEntries, saveHostEntries } from '../../../backend/host/remoteHosts';
import { hostsManager } from '../../services/hostsManager';
import { pickRemoteHost } from './pick';

/** stratus.hosts.remove — forgets a remote host (setting and CLI list); its accepted key stays recorded. */
export async function remove(ctx: UiContext, arg?: unknown, opts?: { confirm?: boolean }) {
  const mgr = hostsManager(ctx);
  const host = await pickRemoteHost(mgr, arg, 'Remove Host');
  if (!host) return false;
  if (opts?.confirm !== false) {
    const ok = await vscode.window.showWarningMessage(`Remove the KVM host ${host.label} (${host.target}) from Stratus?`,
      { modal: true, detail: 'Its instances, images and volumes on that machine are not touched.' }, 'Remove');
    if (ok !== 'Remove') return false;
  }
  const cfg = vscode.workspace.getConfiguration('stratus');
  const wasActive = cfg.get<string>('activeHost') === host.id;
  const list = (cfg.get<HostSetting[]>('hosts') ?? []).filter(s => { try { return entryFromSetting(s).name !== host.label; } catch { return true; } });
  await cfg.update('hosts', list, vscode.ConfigurationTarget.Global);
  const fileEntries = loadHostEntries(ctx.data.root);
  if (fileEntries.some(e => e.name === host.label)) saveHostEntries(ctx.data.root, fileEntries.filter(e => e.name !== host.label));
  if (wasActive) await mgr.setActiveHost('local');
  mgr.sync();
  ctx.log.info(`Removed KVM host ${host.label}`);
  return true;
}
