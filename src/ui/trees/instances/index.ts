import * as vscode from 'vscode';
import type { Host } from '../../../backend/host/host';
import type { InstanceManager } from '../../../backend/kvm/instances';
import type { InstanceRecord, InstanceState, PortMapping } from '../../../backend/kvm/types';
import { formatPort, portUrl } from '../../../core/network';
import type { UiContext } from '../../context';
import type { InstanceNode } from '../../services/nodes';
import { contextValue } from '../contextValue';
import { snapshotProvider } from '../snapshot';
import { hostEmptyItem, hostProblemItem, hostTreeItem } from '../hostNode';
import { activeHostId, followHosts, hostProblem, orderedHosts, withTimeout } from '../../services/hosts';
import { managerFor, watchSettings } from '../../services/hostServices';

/** How long a host node waits for its listing before it shows the failure (and the fix) instead. */
export const LIST_TIMEOUT_MS = 15_000;

const ICONS: Record<InstanceState, [string, string?]> = {
  Pending: ['clock'], Prolog: ['loading~spin'], Running: ['vm-running', 'testing.iconPassed'],
  Shutdown: ['loading~spin'], Epilog: ['sync~spin'], Done: ['vm-outline', 'disabledForeground'], Failed: ['error', 'testing.iconFailed'],
};

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
  return `${Math.floor(s / 86400)}d`;
}

export function instanceDescription(r: InstanceRecord): string {
  const parts: string[] = [r.state, r.type, `${r.vcpu} vCPU/${r.memoryMiB} MiB`];
  if (r.sshPort && (r.state === 'Running' || r.state === 'Prolog')) parts.push(`ssh :${r.sshPort}`);
  parts.push(age(r.createdAt));
  return parts.join(' · ');
}

function tooltip(r: InstanceRecord): vscode.MarkdownString {
  const rows: Array<[string, string | undefined]> = [
    ['id', r.id], ['state', r.state], ['type', r.type], ['vCPU', String(r.vcpu)], ['memory', `${r.memoryMiB} MiB`],
    ['image', r.imageRef], ['image id', r.imageId], ['base', r.base], ['disk', r.overlay], ['acceleration', r.accel.toUpperCase()],
    ['ssh', r.sshPort ? `root@${r.ip} -p ${r.sshPort}` : undefined], ['host keys', r.sshHostKeys.map(k => k.split(' ')[0]).join(', ') || undefined],
    ['save as', r.save ? `${r.save.title} (${r.save.author} <${r.save.email}>)` : undefined], ['saved image', r.saved?.imageId],
    ['network', r.network ? `${r.network}${r.networkDetail ? ` — ${r.networkDetail}` : ''}` : undefined],
    ['ports', (r.ports ?? []).map(formatPort).join(', ') || undefined],
    ['created', r.createdAt], ['error', r.error],
  ];
  const md = new vscode.MarkdownString(rows.filter(([, v]) => v).map(([k, v]) => `**${k}**: ${String(v).replace(/[\\`*_[\]<>]/g, '\\$&')}`).join('  \n'));
  return md;
}

/** The published ports of a Running instance as this machine reaches them (a remote host's through its SSH connection). */
function portsOf(r: InstanceRecord): PortMapping[] {
  return r.state === 'Running' ? (r.localPorts ?? r.ports ?? []) : [];
}

function portItem(host: Host, r: InstanceRecord, p: PortMapping): vscode.TreeItem {
  const item = new vscode.TreeItem(`${p.hostAddr}:${p.hostPort} → ${p.guestPort}/${p.proto}`, vscode.TreeItemCollapsibleState.None);
  item.id = `port:${host.id}:${r.id}:${p.guestPort}/${p.proto}`;
  item.contextValue = contextValue('instancePort', p.proto);
  item.iconPath = new vscode.ThemeIcon('plug');
  const remote = r.localPorts ? ` (on ${host.label} ${(r.ports.find(x => x.guestPort === p.guestPort && x.proto === p.proto) ?? p).hostPort}, reached through its SSH connection)` : '';
  if (p.proto === 'tcp') {
    item.description = portUrl(p);
    item.tooltip = `Guest port ${p.guestPort}/${p.proto} at ${portUrl(p)}${remote}`;
    item.command = { command: 'stratus.instances.openPort', title: 'Open in Browser', arguments: [{ kind: 'port', host, record: r, port: p }] };
  } else item.tooltip = `Guest port ${p.guestPort}/udp at ${p.hostAddr}:${p.hostPort}${remote}`;
  return item;
}

class InstancesTree implements vscode.TreeDataProvider<InstanceNode> {
  private readonly changed = new vscode.EventEmitter<InstanceNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly followed = new WeakSet<InstanceManager>();
  private readonly probing = new WeakSet<InstanceManager>();
  constructor(private readonly ctx: UiContext) {}
  refresh(): void { this.changed.fire(undefined); }

  getTreeItem(n: InstanceNode): vscode.TreeItem {
    if (n.kind === 'host') return hostTreeItem(n.host, n.host.id === activeHostId());
    if (n.kind === 'hostError') return hostProblemItem(n.host, n.message, n.busy);
    if (n.kind === 'empty') return hostEmptyItem(n.host, 'No instances', 'stratus.instances.launch', 'Launch Instance…');
    if (n.kind === 'warning') {
      const item = new vscode.TreeItem(n.message.length > 60 ? 'Software emulation (TCG): slow boots' : n.message, vscode.TreeItemCollapsibleState.None);
      item.id = `warn:${n.host.id}`;
      item.tooltip = n.message;
      item.contextValue = contextValue('instanceWarning');
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      return item;
    }
    if (n.kind === 'port') return portItem(n.host, n.record, n.port);
    const r = n.record;
    const item = new vscode.TreeItem(r.name === r.id ? r.id : `${r.name} (${r.id})`, portsOf(r).length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `instance:${n.host.id}:${r.id}`;
    item.description = instanceDescription(r);
    item.tooltip = tooltip(r);
    item.contextValue = contextValue('instance', r.state, r.save && 'save');
    const [icon, color] = ICONS[r.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    return item;
  }

  async getChildren(n?: InstanceNode): Promise<InstanceNode[]> {
    if (!n) {
      const hosts = orderedHosts();
      // nothing yet on this machine alone: no nodes, so the welcome view ("Launch an Instance…") shows
      if (hosts.length === 1 && !(await managerFor(this.ctx, hosts[0]).then(m => m.list()).catch(() => [])).length) return [];
      return hosts.map(host => ({ kind: 'host' as const, host }));
    }
    if (n.kind === 'instance') return portsOf(n.record).map(port => ({ kind: 'port' as const, host: n.host, record: n.record, port }));
    if (n.kind !== 'host') return [];
    const problem = hostProblem(n.host);
    if (problem) return [{ kind: 'hostError', host: n.host, ...problem }];
    try {
      return await withTimeout(this.list(n.host), LIST_TIMEOUT_MS, `Listing instances on ${n.host.label}`);
    } catch (e) {
      return [{ kind: 'hostError', host: n.host, message: `Cannot list instances: ${(e as Error).message}` }];
    }
  }

  private async list(host: Host): Promise<InstanceNode[]> {
    const mgr = await managerFor(this.ctx, host);
    // in-process changes (launch steps, shutdown) show at once
    if (!this.followed.has(mgr)) { this.followed.add(mgr); this.ctx.ext.subscriptions.push(mgr.onDidChange(() => this.refresh())); }
    const out = await this.accelWarning(host, mgr);
    const records = await mgr.list();
    for (const record of records) out.push({ kind: 'instance', host, record });
    if (!records.length) out.push({ kind: 'empty', host });
    return out;
  }

  /** The software-emulation hint, if known within a moment: a first probe (seconds on a new host) must not hold the listing. */
  private async accelWarning(host: Host, mgr: InstanceManager): Promise<InstanceNode[]> {
    const verdict = mgr.acceleration().catch(() => undefined);
    const v = await Promise.race([verdict, new Promise<'later'>(r => setTimeout(() => r('later'), 2000))]);
    if (v === 'later') {
      if (!this.probing.has(mgr)) { this.probing.add(mgr); void verdict.then(() => this.refresh()); }
      return [];
    }
    return v?.accel === 'tcg' ? [{ kind: 'warning', host, message: v.reason }] : [];
  }
}

/** The Instances view's provider, on its view (created at activation; this module loads on first use). */
export function register(ctx: UiContext, view: vscode.TreeView<InstanceNode>): vscode.TreeDataProvider<InstanceNode> {
  const provider = new InstancesTree(ctx);
  ctx.trees.set('stratus.instances', { refresh: () => provider.refresh(), snapshot: d => snapshotProvider(provider, d) });
  // poll only while the view is visible: guests change state on their own (halt, crash)
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    if (view.visible && !timer) timer = setInterval(() => provider.refresh(), 4000);
    if (!view.visible && timer) { clearInterval(timer); timer = undefined; }
  };
  ctx.ext.subscriptions.push(view.onDidChangeVisibility(poll), { dispose: () => timer && clearInterval(timer) });
  poll();
  followHosts(ctx, () => provider.refresh());
  watchSettings(ctx, () => provider.refresh());
  return provider;
}
