import * as vscode from 'vscode';
import type { TreeSnapshot } from '../context';

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
    if (item.command) node.command = { command: item.command.command, arguments: item.command.arguments };
    if (depth > 1 && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) node.children = await snapshotProvider(provider, depth - 1, child);
    out.push(node);
  }
  return out;
}
