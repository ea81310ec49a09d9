import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { verifySignature } from '../../../core/metadata/verify';
import { NS } from '../../../core/metadata/types';
import { trustedCertificates, verdictTitle } from '../../services/trust';
import { validationOf } from './diagnostics';
import { isMetadataDocument } from './detect';

/**
 * A CodeLens on the Signature of signed metadata documents — "Signed by CN=… — valid / untrusted / INVALID: …"
 * (click: full verification) — and a "Sign…" lens on unsigned ones. Recomputed per document version.
 */
class SignatureLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  constructor(private readonly ctx: UiContext) {}

  refresh(): void { this.changed.fire(); }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    if (!text.includes(NS.slreq) && !text.includes(NS.dsig)) return [];
    const trusted = trustedCertificates(this.ctx.log);
    // a metadata document's verdict comes from the validation the diagnostics share (no second verification)
    const v = (isMetadataDocument(doc) ? validationOf(doc, trusted).signature : undefined) ?? verifySignature(text, { trusted });
    const uri = doc.uri.toString();
    if (v.status === 'absent') {
      const at = Math.max(0, text.indexOf('<rdf:RDF'));
      const pos = doc.positionAt(at);
      return [new vscode.CodeLens(new vscode.Range(pos, pos), { title: 'Not signed — Sign…', command: 'stratus.metadata.sign', arguments: [{ uri }] })];
    }
    const line = Math.max(0, (v.range?.line ?? 1) - 1);
    const range = new vscode.Range(line, 0, line, 0);
    return [
      new vscode.CodeLens(range, { title: verdictTitle(v), tooltip: v.signer ? `${v.signer.subject}\nissued by ${v.signer.issuer}\n${v.signer.notBefore} .. ${v.signer.notAfter}` : v.message, command: 'stratus.metadata.verify', arguments: [{ uri }] }),
      new vscode.CodeLens(range, { title: 'Re-sign…', command: 'stratus.metadata.sign', arguments: [{ uri }] }),
    ];
  }
}

const registered = new WeakSet<object>();

/** Called from src/ui/editors/metadata/index.ts; a second call for the same extension context is a no-op. */
export function registerSignatureLens(ctx: UiContext): void {
  if (registered.has(ctx.ext)) return;
  registered.add(ctx.ext);
  const lens = new SignatureLens(ctx);
  ctx.ext.subscriptions.push(
    vscode.languages.registerCodeLensProvider([{ language: 'xml' }, { pattern: '**/*.xml' }], lens),
    vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('stratus.trustedCertificates')) lens.refresh(); }),
  );
}
