import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';

/** stratus.marketplace.filter [text]: free-text filter (every word must match a column, as the original's search); empty clears. */
export async function filter(ctx: UiContext, text?: string) {
  const tree = marketplaces();
  const value = typeof text === 'string' ? text : await vscode.window.showInputBox({
    title: 'Filter Marketplace', value: tree.filter,
    prompt: 'Words matched against OS, version, arch, endorser, kind, created, identifier, location, description and title (regular expressions allowed). Empty clears the filter.',
  });
  if (value === undefined) return;
  tree.filter = value.trim();
  await vscode.commands.executeCommand('setContext', 'stratus.marketplace.filtered', !!tree.filter);
  tree.refresh();
}

/** stratus.marketplace.clearFilter */
export function clearFilter(): Thenable<unknown> {
  return vscode.commands.executeCommand('stratus.marketplace.filter', '');
}
