import * as vscode from 'vscode';
import type { TreeSnapshot } from '../context';

/** Tree nodes hold live objects (hosts with connections, parents): an argument is given as its kind and ids. */
function plain(a: unknown): unknown {
  if (a === null || typeof a !== 'object') return a;
  const o = a as { kind?: unknown; id?: unknown; host?: { id?: unknown } };
  const out: Record<string, unknown> = {};
  if (typeof o.kind === 'string') out.kind = o.kind;
  if (typeof o.id === 'string') out.id = o.id;
  if (typeof o.host?.id === 'string') out.host = o.host.id;
  return out;
}

/** Walks a TreeDataProvider the way the workbench does, into plain data for tests and the API. */
export async function snapshotProvider<T>(provider: vscode.TreeDataProvider<T>, depth = 3, parent?: T): Promise<TreeSnapshot[]> {
  const children = (await provider.getChildren(parent)) ?? [];
  const out: TreeSnapshot[] = [];
  for (const child of children) {
    const item = await provider.getTreeItem(child);
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    const tooltip = item.tooltip === undefined ? undefined : typeof item.tooltip === 'string' ? item.tooltip : item.tooltip.value;
    const icon = item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id}${item.iconPath.color ? ':' + item.iconPath.color.id : ''}` : undefined;
    const node: TreeSnapshot = { label, description: typeof item.description === 'string' ? item.description : undefined, contextValue: item.contextValue, tooltip, icon };
    if (item.command) node.command = { command: item.command.command, arguments: item.command.arguments?.map(plain) };
    if (depth > 1 && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) node.children = await snapshotProvider(provider, depth - 1, child);
    out.push(node);
  }
  return out;
}
