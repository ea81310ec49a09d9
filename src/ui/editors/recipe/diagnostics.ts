import * as vscode from 'vscode';
import * as path from 'path';
import type { UiContext } from '../../context';
import { checkRecipe } from '../../../core/recipe/check';
import { parseRecipe, type SourceRange } from '../../../core/recipe/parse';
import { marketplaceLookup } from '../../../backend/build/lookup';
import { uiMarketplaces, uiTrusted } from '../../services/marketplaces';
import { hostRegistry } from '../../../backend/hosts/registry';

export const RECIPE_SELECTOR: vscode.DocumentSelector = [
  { language: 'yaml', pattern: '**/*.recipe.yaml' },
  { language: 'yaml', pattern: '**/stratus-recipe.yaml' },
];
export const isRecipeDoc = (d: vscode.TextDocument) => /\.recipe\.yaml$|(^|[\\/])stratus-recipe\.yaml$/.test(d.uri.fsPath);

/** 1-based, end-exclusive core ranges → 0-based editor ranges. */
export const toRange = (r: SourceRange) => new vscode.Range(r.line - 1, r.column - 1, r.endLine - 1, r.endColumn - 1);

export function lookup(ctx: UiContext) {
  return marketplaceLookup(uiMarketplaces(ctx), uiTrusted());
}

/** Keeps the 'stratus-recipe' diagnostics of open recipes up to date (debounced while typing). */
export function registerDiagnostics(ctx: UiContext): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection('stratus-recipe');
  const timers = new Map<string, NodeJS.Timeout>();
  const versions = new Map<string, number>();
  const check = async (doc: vscode.TextDocument) => {
    if (!isRecipeDoc(doc) || doc.uri.scheme !== 'file') return;
    const key = doc.uri.toString(), version = doc.version;
    versions.set(key, version);
    const ds = await checkRecipe(parseRecipe(doc.getText()), {
      recipeDir: path.dirname(doc.uri.fsPath), lookupBase: lookup(ctx), hosts: hostRegistry().hosts().map(h => h.id),
      allowOutsidePaths: vscode.workspace.getConfiguration('stratus').get<boolean>('build.allowPathsOutsideRecipe') ?? false,
    }).catch(e => { ctx.log.warn(`recipe check of ${doc.uri.fsPath}: ${(e as Error).message}`); return []; });
    if (versions.get(key) !== version) return;   // a newer check is under way
    collection.set(doc.uri, ds.map(d => {
      const v = new vscode.Diagnostic(toRange(d.range), d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
      v.code = d.code;
      v.source = 'stratus';
      return v;
    }));
  };
  const schedule = (doc: vscode.TextDocument) => {
    if (!isRecipeDoc(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); void check(doc); }, 250));
  };
  ctx.ext.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(d => void check(d)),
    vscode.workspace.onDidChangeTextDocument(e => schedule(e.document)),
    vscode.workspace.onDidSaveTextDocument(d => void check(d)),
    vscode.workspace.onDidCloseTextDocument(d => { collection.delete(d.uri); versions.delete(d.uri.toString()); }),
    // Scripts appearing or disappearing next to a recipe change its diagnostics.
    vscode.workspace.onDidCreateFiles(() => vscode.workspace.textDocuments.forEach(d => schedule(d))),
    vscode.workspace.onDidDeleteFiles(() => vscode.workspace.textDocuments.forEach(d => schedule(d))),
  );
  for (const d of vscode.workspace.textDocuments) void check(d);
  return collection;
}
