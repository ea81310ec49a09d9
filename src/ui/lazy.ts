import * as vscode from 'vscode';
import type { SnapshotTree, UiContext } from './context';

/** Runs `fn` once; every later call gets the same promise. A failure is retried on the next call. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn().catch(e => { p = undefined; throw e; }));
}

type Attach<T> = (view: vscode.TreeView<T>) => vscode.TreeDataProvider<T>;

/**
 * A view registered at activation whose provider's module loads on first use: when the view first asks for
 * its children (it was shown), or when its snapshot or reveal is asked for. Until then the view exists with
 * this stand-in, so VS Code shows it (and its welcome content) without loading the area's code.
 */
export function lazyTree<T>(ctx: UiContext, viewId: string, load: () => Promise<Attach<T>>,
  opts: { showCollapseAll?: boolean; onList?: () => void } = {}): { load(): Promise<vscode.TreeDataProvider<T>> } {
  const changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  let real: vscode.TreeDataProvider<T> | undefined;
  const stand: vscode.TreeDataProvider<T> = {
    onDidChangeTreeData: changed.event,
    getTreeItem: n => real!.getTreeItem(n),   // nodes exist only once the provider gave them
    getChildren: async n => {
      if (!n) opts.onList?.();
      return (await loaded()).getChildren(n);
    },
    getParent: n => real?.getParent?.(n),
  };
  const view = vscode.window.createTreeView<T>(viewId, { treeDataProvider: stand, showCollapseAll: opts.showCollapseAll ?? false });
  const loaded = once(async () => {
    const attach = await load();
    const p = attach(view);
    if (p.onDidChangeTreeData) ctx.ext.subscriptions.push(p.onDidChangeTreeData(e => changed.fire(e)));
    real = p;
    return p;
  });
  ctx.ext.subscriptions.push(view, changed);
  // the area replaces this entry with its own when it loads
  const stub: SnapshotTree = {
    refresh: () => { const now = ctx.trees.get(viewId); if (real && now !== stub) now?.refresh(); },
    snapshot: async d => {
      opts.onList?.();
      await loaded();
      const now = ctx.trees.get(viewId);
      if (!now || now === stub) throw new Error(`${viewId} did not register its tree`);
      return now.snapshot(d);
    },
  };
  ctx.trees.set(viewId, stub);
  return { load: loaded };
}

/**
 * Loads an editor area the first time a document it serves is open (now or later): its diagnostics and
 * providers then register and check every open document.
 */
export function onDocuments(ctx: UiContext, matches: (d: vscode.TextDocument) => boolean, load: () => Promise<void>): void {
  const start = () => { load().catch(e => ctx.log.error(`loading editor features: ${(e as Error).stack ?? e}`)); };
  if (vscode.workspace.textDocuments.some(matches)) { start(); return; }
  const sub = vscode.workspace.onDidOpenTextDocument(d => { if (matches(d)) { sub.dispose(); start(); } });
  ctx.ext.subscriptions.push(sub);
}
