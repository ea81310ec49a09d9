import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { snapshotProvider } from '../snapshot';
import { MarketplaceTree, MpNode } from './provider';
import { entryUriHandler, revealEntry, EntryRef } from './uriHandler';

let tree: MarketplaceTree | undefined;

/** The Marketplace view's provider, for the marketplace commands (and the local store for other areas). */
export function marketplaceTree(): MarketplaceTree {
  if (!tree) throw new Error('the Marketplace view is not registered yet');
  return tree;
}

export function register(ctx: UiContext): void {
  const provider = (tree = new MarketplaceTree(ctx));
  const view = vscode.window.createTreeView<MpNode>('stratus.marketplace', { treeDataProvider: provider, showCollapseAll: true });
  provider.view = view;
  provider.updateDescription();
  ctx.ext.subscriptions.push(view, provider.watchLocal(), vscode.window.registerUriHandler(entryUriHandler(provider)),
    vscode.commands.registerCommand('stratus.marketplace.revealEntry', (ref: EntryRef) => revealEntry(provider, ref)), vscode.workspace.onDidChangeConfiguration(e => {
    if (e.affectsConfiguration('stratus.trustedCertificates')) provider.retrust();
    else if (e.affectsConfiguration('stratus.marketplaces') || e.affectsConfiguration('stratus.marketplace')) provider.refresh();
  }));
  ctx.trees.set('stratus.marketplace', { refresh: () => provider.refresh(), snapshot: d => snapshotProvider(provider, d ?? 4) });
}
