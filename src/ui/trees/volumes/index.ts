import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { Host } from '../../../backend/host/host';
import type { Volume, VolumeStore } from '../../../backend/volumes/store';
import { hostEmptyItem, hostProblemItem, hostTreeItem } from '../hostNode';
import { activeHostId, followHosts, hostProblem, orderedHosts, withTimeout } from '../../services/hosts';
import { managerFor } from '../../services/hostServices';
import { snapshotProvider } from '../snapshot';
import { contextValue } from '../contextValue';
import { volumeStore, volumeStoreFor } from '../../services/hostServices';
import type { VolumeNode } from '../../services/nodes';

const TYPE_LABEL: Record<string, string> = {
  MACHINE_IMAGE_ORIGIN: 'machine image', MACHINE_IMAGE_LIVE: 'machine image (copy-on-write)', DATA_IMAGE_ORIGIN: 'data image',
  DATA_IMAGE_LIVE: 'data (copy-on-write)', DATA_IMAGE_RAW_READONLY: 'data, read-only', DATA_IMAGE_RAW_READ_WRITE: 'data',
};

export function volumeItem(v: Volume, hostId = 'local'): vscode.TreeItem {
  const item = new vscode.TreeItem(v.tag || v.uuid.slice(0, 8), vscode.TreeItemCollapsibleState.None);
  item.id = `volume:${hostId}:${v.uuid}`;
  const attached = v.attachedTo.length > 0;
  item.description = [`${v.size} GiB`, TYPE_LABEL[v.type] ?? v.type, attached ? `attached to ${v.attachedTo.join(', ')}` : '',
    v.dependents.length ? `${v.dependents.length} copy-on-write` : ''].filter(Boolean).join(' · ');
  item.contextValue = contextValue('volume', v.type, attached ? 'attached' : 'free');
  item.iconPath = new vscode.ThemeIcon(v.type.startsWith('MACHINE') ? 'vm' : 'database', attached ? new vscode.ThemeColor('charts.green') : undefined);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${v.tag || '(no tag)'}** — volume \`${v.uuid}\`\n\n`);
  const rows: Array<[string, string]> = [
    ['uuid', v.uuid], ['tag', v.tag], ['count', String(v.count)], ['owner', v.owner], ['identifier', v.identifier || '—'],
    ['size', `${v.size} GiB (${v.bytes} bytes)`], ['type', v.type], ['visibility', v.visibility], ['format', v.format], ['path', v.path],
    ['backing', v.backing ?? v.backingFile ?? '—'], ['attached to', v.attachedTo.join(', ') || '—'], ['created', v.created],
  ];
  md.appendMarkdown('| field | value |\n|---|---|\n' + rows.map(([k, val]) => `| ${k} | ${val.replace(/\|/g, '\\|')} |`).join('\n'));
  item.tooltip = md;
  return item;
}

type Node = VolumeNode | { kind: 'host'; host: Host } | { kind: 'empty'; host: Host } | { kind: 'hostError'; host: Host; message: string; busy?: boolean };

/** How long a host node waits for its listing before it shows the failure (and the fix) instead. */
const LIST_TIMEOUT_MS = 15_000;

/** This machine alone: today's flat list of volumes. With remote hosts: one node per host, local first. */
class VolumesTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly followed = new WeakSet<VolumeStore>();
  constructor(private readonly ctx: UiContext) {}

  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'host') return hostTreeItem(n.host, n.host.id === activeHostId());
    if (n.kind === 'hostError') return hostProblemItem(n.host, n.message, n.busy);
    if (n.kind === 'empty') return hostEmptyItem(n.host, 'No volumes', 'stratus.volumes.create', 'Create a Volume…');
    return volumeItem(n.volume, n.host.id);
  }

  async getChildren(parent?: Node): Promise<Node[]> {
    if (!parent) {
      const hosts = orderedHosts();
      if (hosts.length > 1) return hosts.map(host => ({ kind: 'host' as const, host }));
      return (await this.list(hosts[0])).filter(n => n.kind === 'volume');
    }
    if (parent.kind !== 'host') return [];
    const nodes = await this.list(parent.host);
    return nodes.length ? nodes : [{ kind: 'empty', host: parent.host }];
  }

  private async list(host: Host): Promise<Node[]> {
    const problem = hostProblem(host);
    if (problem) return [{ kind: 'hostError', host, ...problem }];
    try {
      const store = await withTimeout(volumeStoreFor(this.ctx, host), LIST_TIMEOUT_MS, `Listing volumes on ${host.label}`);
      // a remote store reports only what is done through it (the local one watches its folder): also follow
      // that host's instances, whose saves and shutdowns add volumes and detach them
      if (host.kind !== 'local' && !this.followed.has(store)) {
        this.followed.add(store);
        this.ctx.ext.subscriptions.push(store.onDidChange(() => this.refresh()));
        managerFor(this.ctx, host).then(m => this.ctx.ext.subscriptions.push(m.onDidChange(() => this.refresh())), () => undefined);
      }
      const volumes = await withTimeout(store.list(), LIST_TIMEOUT_MS, `Listing volumes on ${host.label}`);
      return volumes.map(volume => ({ kind: 'volume' as const, host, volume }));
    } catch (e) {
      this.ctx.log.error(`Volumes: cannot list ${host.label}: ${(e as Error).message}`);
      return [{ kind: 'hostError', host, message: `Cannot list volumes: ${(e as Error).message}` }];
    }
  }

  refresh(): void { this.changed.fire(); }
}

/** The Volumes view's provider, on its view (created at activation; this module loads on first use). */
export function register(ctx: UiContext, view: vscode.TreeView<Node>): vscode.TreeDataProvider<Node> {
  const provider = new VolumesTree(ctx);
  // Listen only while visible: the local store watches its folder only while someone listens.
  let sub: { dispose(): void } | undefined;
  const follow = () => {
    if (view.visible && !sub) { sub = volumeStore(ctx).onDidChange(() => provider.refresh()); provider.refresh(); }
    if (!view.visible && sub) { sub.dispose(); sub = undefined; }
  };
  ctx.ext.subscriptions.push(view.onDidChangeVisibility(follow), { dispose: () => sub?.dispose() });
  follow();
  followHosts(ctx, () => provider.refresh());
  ctx.trees.set('stratus.volumes', { refresh: () => provider.refresh(), snapshot: d => snapshotProvider(provider, d) });
  return provider;
}
