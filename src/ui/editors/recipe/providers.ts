import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { completionsAt, hoverAt } from '../../../core/recipe/complete';
import { parseRecipe } from '../../../core/recipe/parse';
import { baseCandidates } from '../../../backend/build/lookup';
import { uiMarketplaces } from '../../services/marketplaces';
import { RECIPE_SELECTOR, lookup } from './diagnostics';

/** Completion (fields, instance types, installers, marketplace bases), hovers and the "▶ Create image" CodeLens. */
export function registerProviders(ctx: UiContext): void {
  const lensChanged = new vscode.EventEmitter<void>();
  ctx.ext.subscriptions.push(
    lensChanged,
    vscode.languages.registerCompletionItemProvider(RECIPE_SELECTOR, {
      async provideCompletionItems(doc, pos) {
        const line = doc.lineAt(pos.line).text.slice(0, pos.character);
        const wantsBase = /^\s*base:\s*\S*$/.test(line);
        const bases = wantsBase ? await baseCandidates(uiMarketplaces(ctx)).catch(() => []) : [];
        return completionsAt(doc.getText(), pos.line, pos.character, bases).map(c => {
          const item = new vscode.CompletionItem(c.label, c.kind === 'field' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.Value);
          item.detail = c.detail;
          if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
          if (c.insertText) item.insertText = c.insertText;
          return item;
        });
      },
    }, ':', ' '),
    vscode.languages.registerHoverProvider(RECIPE_SELECTOR, {
      async provideHover(doc, pos) {
        const h = await hoverAt(parseRecipe(doc.getText()), pos.line + 1, pos.character + 1, lookup(ctx));
        return h && new vscode.Hover(new vscode.MarkdownString(h.markdown));
      },
    }),
    vscode.languages.registerCodeLensProvider(RECIPE_SELECTOR, {
      onDidChangeCodeLenses: lensChanged.event,
      provideCodeLenses(doc) {
        const top = new vscode.Range(0, 0, 0, 0);
        if (!vscode.workspace.isTrusted) return [new vscode.CodeLens(top, { title: '$(shield) Image builds are off in untrusted workspaces (recipes are still checked)', command: 'workbench.trust.manage' })];
        return [new vscode.CodeLens(top, { title: '▶ Create image', tooltip: 'Build a new image from this recipe', command: 'stratus.recipe.createImage', arguments: [doc.uri] })];
      },
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => lensChanged.fire()),
  );
}
