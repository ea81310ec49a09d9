import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { validateMetadata, ValidationResult } from '../../../core/metadata/validate';
import { trustedCertificates } from '../../services/trust';
import { targetDocument } from './sign';
import { diagnostics } from '../../editors/metadata';

/** stratus.metadata.validate: the original's full verdict for the active (or given) document; details in Problems. */
export async function validate(ctx: UiContext, arg?: { uri?: string | vscode.Uri } | vscode.Uri): Promise<ValidationResult | undefined> {
  const doc = await targetDocument(arg instanceof vscode.Uri ? arg : arg?.uri);
  if (!doc) { void vscode.window.showWarningMessage('Open a metadata XML document (or pick one in the Explorer) to validate it.'); return undefined; }
  const r = diagnostics?.validate(doc) ?? validateMetadata(doc.getText(), { trusted: trustedCertificates(ctx.log) });
  const name = vscode.workspace.asRelativePath(doc.uri);
  const others = r.diagnostics.filter(d => d.severity !== 'info').length;
  ctx.log.info(`validate ${doc.uri.toString()}: ${r.verdict.client.ok ? 'valid' : `invalid: ${r.verdict.client.message}`}`);
  if (r.verdict.client.ok) void vscode.window.showInformationMessage(`Valid: ${name}${others ? ` (${others} warning(s) in Problems)` : ''}`);
  else {
    // Not awaited: the verdict is returned at once (tests, other commands); the button acts whenever clicked.
    void vscode.window.showErrorMessage(`Invalid: ${name} — ${r.verdict.client.message}`, 'Show Problems')
      .then(pick => { if (pick) void vscode.commands.executeCommand('workbench.actions.view.problems'); });
  }
  return r;
}
