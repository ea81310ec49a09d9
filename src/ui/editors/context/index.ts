import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { SourceRange } from '../../../core/metadata/types';
import { ContextFileKind, contextFileKind, contextHover, parseContextFile } from '../../../core/context/files';

export const LANGUAGE_ID = 'stratus-context';

const toRange = (r: SourceRange) => new vscode.Range(r.line - 1, r.column - 1, r.endLine - 1, r.endColumn - 1);
const SEVERITY = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information };

function kindOf(doc: vscode.TextDocument): ContextFileKind | undefined {
  return contextFileKind(doc.uri.path) ?? (doc.languageId === LANGUAGE_ID ? 'key-value' : undefined);
}

/** Diagnostics and hovers for *.context, cloud-init.txt and *.ctx (language stratus-context). */
export function register(ctx: UiContext): void {
  const collection = vscode.languages.createDiagnosticCollection(LANGUAGE_ID);
  const update = (doc: vscode.TextDocument) => {
    if (doc.languageId !== LANGUAGE_ID) return;
    const kind = kindOf(doc);
    if (!kind) return;
    collection.set(doc.uri, parseContextFile(doc.getText(), kind).diagnostics.map(d => {
      const diag = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
      diag.code = d.code; diag.source = 'stratus';
      return diag;
    }));
  };
  ctx.ext.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(update),
    vscode.workspace.onDidChangeTextDocument(e => update(e.document)),
    vscode.workspace.onDidCloseTextDocument(d => collection.delete(d.uri)),
    vscode.languages.registerHoverProvider({ language: LANGUAGE_ID }, {
      provideHover(doc, pos) {
        const kind = kindOf(doc);
        if (!kind) return undefined;
        const h = contextHover(doc.getText(), kind, pos.line + 1, pos.character + 1);
        if (!h) return undefined;
        return new vscode.Hover(new vscode.MarkdownString(h.markdown), toRange(h.range));
      },
    }),
  );
  vscode.workspace.textDocuments.forEach(update);
}
