import * as vscode from 'vscode';
import { marketplaces } from '../../services/marketplaces';
import type { EntryNode, MpNode } from '../../services/nodes';
import type { Marketplace } from '../../../backend/marketplace/marketplace';
import { keyString } from '../../../core/marketplace/keys';

/**
 * The entry a command acts on: the tree node it was invoked on, an identifier or id/email/created string
 * (tests, other commands), or a quick-pick of the entries listed so far (palette).
 */
export async function resolveEntry(arg: unknown, placeHolder: string): Promise<EntryNode | undefined> {
  if (arg && typeof arg === 'object' && (arg as MpNode).kind === 'entry') return arg as EntryNode;
  const all = await marketplaces().allEntries();
  if (typeof arg === 'string') {
    const hit = all.find(n => keyString(n.entry.key) === arg) ?? all.find(n => n.entry.key.identifier === arg);
    if (!hit) void vscode.window.showWarningMessage(`No listed marketplace entry ${arg}. Check the Marketplace view's filter and status.`);
    return hit;
  }
  if (!all.length) { void vscode.window.showInformationMessage('The Marketplace view lists no entries (check its filter and status switch).'); return undefined; }
  const pick = await vscode.window.showQuickPick(all.map(n => ({
    label: n.entry.summary.title || n.entry.key.identifier,
    description: `${n.entry.key.identifier} · ${n.entry.key.email}`,
    detail: `${n.mp.kind === 'local' ? 'local' : n.mp.endpoint} · created ${n.entry.key.created}`,
    node: n,
  })), { placeHolder, matchOnDescription: true, matchOnDetail: true });
  return pick?.node;
}

/** The marketplace a command acts on: a tree node, an endpoint string ('local' or URL), or a quick-pick when several exist. */
export async function resolveMarketplace(arg: unknown, placeHolder: string): Promise<Marketplace | undefined> {
  const tree = marketplaces();
  const all = tree.marketplaces();
  if (arg && typeof arg === 'object' && (arg as MpNode).kind === 'marketplace') return (arg as MpNode & { kind: 'marketplace' }).mp;
  if (arg && typeof arg === 'object' && (arg as MpNode).kind === 'error') return (arg as MpNode & { kind: 'error' }).parent.mp;
  if (typeof arg === 'string') return arg === 'local' ? tree.localMarketplace : all.find(m => m.endpoint === arg.replace(/\/+$/, ''));
  if (all.length === 1) return all[0];
  const pick = await vscode.window.showQuickPick(all.map(mp => ({ label: mp.kind === 'local' ? 'Local marketplace' : mp.endpoint, description: mp.kind === 'local' ? mp.endpoint : undefined, mp })), { placeHolder });
  return pick?.mp;
}
