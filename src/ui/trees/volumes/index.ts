import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { Volume } from '../../../backend/volumes/store';
import { snapshotProvider } from '../snapshot';
import { volumeStore } from './store';

const TYPE_LABEL: Record<string, string> = {
  MACHINE_IMAGE_ORIGIN: 'machine image', MACHINE_IMAGE_LIVE: 'machine image (copy-on-write)', DATA_IMAGE_ORIGIN: 'data image',
  DATA_IMAGE_LIVE: 'data (copy-on-write)', DATA_IMAGE_RAW_READONLY: 'data, read-only', DATA_IMAGE_RAW_READ_WRITE: 'data',
};

export function volumeItem(v: Volume): vscode.TreeItem {
  const item = new vscode.TreeItem(v.tag || v.uuid.slice(0, 8), vscode.TreeItemCollapsibleState.None);
  item.id = v.uuid;
  const attached = v.attachedTo.length > 0;
  item.description = [`${v.size} GiB`, TYPE_LABEL[v.type] ?? v.type, attached ? `attached to ${v.attachedTo.join(', ')}` : '',
    v.dependents.length ? `${v.dependents.length} copy-on-write` : ''].filter(Boolean).join(' · ');
  item.contextValue = `volume.${v.type}.${attached ? 'attached' : 'free'}`;
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

class VolumesTree implements vscode.TreeDataProvider<Volume> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  constructor(private readonly ctx: UiContext) {}
  getTreeItem(v: Volume): vscode.TreeItem { return volumeItem(v); }
  async getChildren(parent?: Volume): Promise<Volume[]> {
    if (parent) return [];
    try { return await volumeStore(this.ctx).list(); } catch (e) {
      this.ctx.log.error(`Volumes: cannot list ${this.ctx.data.volumes}: ${(e as Error).message}`);
      return [];
    }
  }
  refresh(): void { this.changed.fire(); }
}

export function register(ctx: UiContext): void {
  const provider = new VolumesTree(ctx);
  const view = vscode.window.createTreeView('stratus.volumes', { treeDataProvider: provider, showCollapseAll: false });
  // Listen only while visible: the store watches its folder only while someone listens.
  let sub: { dispose(): void } | undefined;
  const follow = () => {
    if (view.visible && !sub) { sub = volumeStore(ctx).onDidChange(() => provider.refresh()); provider.refresh(); }
    if (!view.visible && sub) { sub.dispose(); sub = undefined; }
  };
  ctx.ext.subscriptions.push(view, view.onDidChangeVisibility(follow), { dispose: () => sub?.dispose() });
  follow();
  ctx.trees.set('stratus.volumes', { refresh: () => provider.refresh(), snapshot: d => snapshotProvider(provider, d) });
}
