import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { provideMarketplaces } from '../../services/marketplaces';
import { snapshotProvider } from '../snapshot';
import { MarketplaceTree, MpNode } from './provider';
import { entryUriHandler, revealEntry, EntryRef } from './uriHandler';
import { registerCommand } from '../../services/commands';

export function register(ctx: UiContext): void {
  const provider = new MarketplaceTree(ctx);
  // commands, builds and editors reach the marketplaces through services/marketplaces
  provideMarketplaces(provider);
  const view = vscode.window.createTreeView<MpNode>('stratus.marketplace', { treeDataProvider: provider, showCollapseAll: true });
  provider.view = view;
  provider.updateDescription();
  ctx.ext.subscriptions.push(view, provider.watchLocal(), vscode.window.registerUriHandler(entryUriHandler(provider)),
    registerCommand('stratus.marketplace.revealEntry', (ref: EntryRef) => revealEntry(provider, ref)), vscode.workspace.onDidChangeConfiguration(e => {
    if (e.affectsConfiguration('stratus.trustedCertificates')) provider.retrust();
    else if (e.affectsConfiguration('stratus.marketplaces') || e.affectsConfiguration('stratus.marketplace')) provider.refresh();
  }));
  ctx.trees.set('stratus.marketplace', { refresh: () => provider.refresh(), snapshot: d => snapshotProvider(provider, d ?? 4) });
}
