import * as vscode from 'vscode';
import { fixAbout, setValidity, addMissingElements, qualifyRdfAttribute, TextEdit } from '../../../core/metadata/fixes';
import { isMetadataDocument } from './detect';

export const RECOMPUTE_COMMAND = 'stratus.metadata.recomputeFromImage';

export function toWorkspaceEdit(doc: vscode.TextDocument, edits: TextEdit[]): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  for (const e of edits) we.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
  return we;
}

const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code ?? '');

/** Quick fixes keyed by diagnostic code. */
export class MetadataCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    if (!isMetadataDocument(doc)) return [];
    const out: vscode.CodeAction[] = [];
    const seen = new Set<string>();
    const text = doc.getText();
    const add = (key: string, title: string, diag: vscode.Diagnostic, make: () => TextEdit[] | vscode.Command) => {
      if (seen.has(key)) return;
      seen.add(key);
      const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      a.diagnostics = [diag];
      const r = make();
      if (Array.isArray(r)) { if (!r.length) return; a.edit = toWorkspaceEdit(doc, r); a.isPreferred = true; } else a.command = r;
      out.push(a);
    };
    for (const d of ctx.diagnostics) {
      const code = codeOf(d);
      if (code === 'constraints/about-identifier') add('about', 'Make rdf:about match the identifier', d, () => fixAbout(text));
      if (code === 'advice/expired' || code === 'advice/expiring' || code === 'constraints/valid-date') add('valid', 'Set validity to 6 months from now', d, () => setValidity(text));
      if (code === 'advice/missing-element') add('missing', 'Add the elements the client requires', d, () => addMissingElements(text));
      if (/^(constraints\/(identifier-sha1|sha1-invalid|identifier-invalid)|advice\/(stale-|missing-checksums))/.test(code)) {
        add('recompute', 'Recompute identifier, bytes and checksums from an image…', d, () => ({ title: 'Recompute from image', command: RECOMPUTE_COMMAND, arguments: [doc.uri] }));
      }
      if (code === 'rdf/unqualified-attribute') {
        const name = doc.getText(d.range).split('=')[0].trim();
        add(`qualify ${d.range.start.line}:${d.range.start.character}`, `Write rdf:${name}`, d, () => qualifyRdfAttribute(text, { line: d.range.start.line + 1, column: d.range.start.character + 1 }));
      }
      if (code === 'signature/invalid') add('sign', 'Re-sign the document…', d, () => ({ title: 'Re-sign', command: 'stratus.metadata.sign', arguments: [{ uri: doc.uri }] }));
    }
    return out;
  }
}
