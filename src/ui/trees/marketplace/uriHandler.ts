import * as vscode from 'vscode';
import type { MarketplaceTree } from './provider';

export interface EntryRef { identifier: string; email?: string; created?: string; endpoint?: string }

/** Reveals (selects) an entry in the Marketplace view, or says which marketplace to add when it is not listed. */
export async function revealEntry(tree: MarketplaceTree, ref: EntryRef): Promise<boolean> {
  await vscode.commands.executeCommand('stratus.marketplace.focus');
  const all = await tree.allEntries();
  const match = all.filter(n => n.entry.key.identifier === ref.identifier && (!ref.email || n.entry.key.email === ref.email));
  const node = match.find(n => n.entry.key.created === ref.created) ?? match[0];
  if (node && tree.view) { await tree.view.reveal(node, { select: true, focus: true, expand: true }); return true; }
  void vscode.window.showInformationMessage(`Image ${ref.identifier} is not in your marketplaces${ref.endpoint ? `; add ${ref.endpoint} (Stratus: Add Marketplace…) to see it` : ''}.`);
  return false;
}

/**
 * `vscode://stratus.stratus/entry?identifier=ID[&email=E&created=C&endpoint=URL]`, the served marketplace's
 * "Open in VS Code" link: reveals that entry in the Marketplace view.
 */
export function entryUriHandler(tree: MarketplaceTree): vscode.UriHandler {
  return {
    async handleUri(uri: vscode.Uri) {
      const q = new URLSearchParams(uri.query);
      const identifier = q.get('identifier') ?? '';
      if (uri.path !== '/entry' || !/^[A-Za-z0-9_-]{27}$/.test(identifier)) {
        void vscode.window.showWarningMessage(`Stratus cannot open ${uri.toString(true)}: expected /entry?identifier=<27-character image identifier>`);
        return;
      }
      await revealEntry(tree, { identifier, email: q.get('email') ?? undefined, created: q.get('created') ?? undefined, endpoint: q.get('endpoint') ?? undefined });
    },
  };
}
