import * as vscode from 'vscode';
import type { MarketplaceTree } from './provider';

/**
 * `vscode://stratus.stratus/entry?identifier=ID[&email=E&created=C&endpoint=URL]` (the served marketplace's entry
 * pages link it): reveals that entry in the Marketplace view, or says which marketplace to add when it is not listed.
 */
export function entryUriHandler(tree: MarketplaceTree): vscode.UriHandler {
  return {
    async handleUri(uri: vscode.Uri) {
      const q = new URLSearchParams(uri.query);
      const id = q.get('identifier') ?? '';
      if (uri.path !== '/entry' || !/^[A-Za-z0-9_-]{27}$/.test(id)) {
        void vscode.window.showWarningMessage(`Stratus cannot open ${uri.toString(true)}: expected /entry?identifier=<27-character image identifier>`);
        return;
      }
      await vscode.commands.executeCommand('stratus.marketplace.focus');
      const all = await tree.allEntries();
      const match = all.filter(n => n.entry.key.identifier === id && (!q.get('email') || n.entry.key.email === q.get('email')));
      const node = match.find(n => n.entry.key.created === q.get('created')) ?? match[0];
      if (node && tree.view) { await tree.view.reveal(node, { select: true, focus: true, expand: true }); return; }
      const where = q.get('endpoint');
      void vscode.window.showInformationMessage(`Image ${id} is not in your marketplaces${where ? `; add ${where} (Stratus: Add Marketplace…) to see it` : ''}.`);
    },
  };
}
