import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { snapshotProvider } from '../snapshot';

/** Placeholder until the volumes area lands: an empty tree, so the view shows its welcome content. */
class EmptyTree implements vscode.TreeDataProvider<never> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  getTreeItem(e: never): vscode.TreeItem { return e; }
  getChildren(): never[] { return []; }
  refresh(): void { this.changed.fire(); }
}

export function register(ctx: UiContext): void {
  const provider = new EmptyTree();
  ctx.ext.subscriptions.push(vscode.window.createTreeView('stratus.volumes', { treeDataProvider: provider }));
  ctx.trees.set('stratus.volumes', { refresh: () => provider.refresh(), snapshot: d => snapshotProvider(provider, d) });
}
