import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { provideMarketplaces } from '../../services/marketplaces';
import { snapshotProvider } from '../snapshot';
import { MarketplaceTree, MpNode } from './provider';
import { entryUriHandler, revealEntry as reveal, EntryRef } from './uriHandler';

let provider: MarketplaceTree | undefined;

/** The Marketplace view's provider, on its view (created at activation; this module loads on first use). */
export function register(ctx: UiContext, view: vscode.TreeView<MpNode>): MarketplaceTree {
  provider = new MarketplaceTree(ctx);
  const tree = provider;
  // commands, builds and editors reach the marketplaces through services/marketplaces
  provideMarketplaces(tree);
  tree.view = view;
  tree.updateDescription();
  ctx.ext.subscriptions.push(tree.watchLocal(), vscode.workspace.onDidChangeConfiguration(e => {
    if (e.affectsConfiguration('stratus.trustedCertificates')) tree.retrust();
    else if (e.affectsConfiguration('stratus.marketplaces') || e.affectsConfiguration('stratus.marketplace')) tree.refresh();
  }), { dispose: () => { provider = undefined; } });
  ctx.trees.set('stratus.marketplace', { refresh: () => tree.refresh(), snapshot: d => snapshotProvider(tree, d ?? 4) });
  return tree;
}

function registered(): MarketplaceTree {
  if (!provider) throw new Error('the Marketplace view is not registered yet');
  return provider;
}

/** stratus.marketplace.revealEntry */
export function revealEntry(_ctx: UiContext, ref: EntryRef): Promise<boolean> {
  return reveal(registered(), ref);
}

/** vscode://stratus.stratus/… links to entries (the handler registered at activation loads this). */
export function handleUri(uri: vscode.Uri): vscode.ProviderResult<void> {
  return entryUriHandler(registered()).handleUri(uri);
}
