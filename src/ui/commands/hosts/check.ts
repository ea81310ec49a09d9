import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { formatChecklist, PreflightItem } from '../../../backend/host/preflight';
import { hostsManager } from '../../services/hostsManager';
import { pickRemoteHost } from './pick';

/** stratus.hosts.check — pre-flight checklist (space, tmpfs, QEMU/KVM/libvirt) with what to do for each failure. */
export async function check(ctx: UiContext, arg?: unknown, opts?: { quiet?: boolean }): Promise<PreflightItem[] | undefined> {
  const host = await pickRemoteHost(hostsManager(ctx), arg, 'Check Host');
  if (!host) return undefined;
  let items: PreflightItem[];
  items = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${host.label}…` }, () => host.check());
  ctx.log.info(`Pre-flight on ${host.label}:\n${formatChecklist(items)}`);
  if (opts?.quiet) return items;
  const icon = (i: PreflightItem) => (i.ok ? '$(pass)' : i.severity === 'error' ? '$(error)' : '$(warning)');
  const failing = items.filter(i => !i.ok).length;
  vscode.window.showQuickPick(items.map(i => ({ label: `${icon(i)} ${i.label}`, description: i.detail, detail: i.ok ? undefined : i.fix })), {
    title: `${host.label}: ${failing ? `${failing} item(s) need attention` : 'ready for KVM work'}`, matchOnDescription: true, matchOnDetail: true,
  });
  return items;
}
