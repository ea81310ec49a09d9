import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { signMetadata, SignatureProfile } from '../../../core/metadata/sign';
import { describeCertificate, readCertificates } from '../../../core/metadata/certs';
import { verifySignature } from '../../../core/metadata/verify';
import type { SignatureVerdict } from '../../../core/metadata/types';
import { obtainKey } from './keys';
import { trustedCertificates } from '../../services/trust';
import { completeChecksums } from '../../../backend/images/checksums';
import { missingChecksums } from '../../../core/metadata/fixes';

/** Optional arguments (tests, CodeLens, other commands); without them the user is asked. */
export interface SignArgs { uri?: string | vscode.Uri; certPath?: string; keyPath?: string; password?: string; email?: string; profile?: SignatureProfile }

export async function targetDocument(uri: string | vscode.Uri | undefined): Promise<vscode.TextDocument | undefined> {
  if (uri) return vscode.workspace.openTextDocument(typeof uri === 'string' ? vscode.Uri.parse(uri) : uri);
  return vscode.window.activeTextEditor?.document;
}

/**
 * stratus.metadata.sign: re-signs the document as stratus-sign-metadata does (endorsement rebuilt from
 * the certificate, new created) through a WorkspaceEdit, so it can be undone; a clean file is saved.
 */
export async function sign(ctx: UiContext, arg?: SignArgs | vscode.Uri): Promise<SignatureVerdict | undefined> {
  const args: SignArgs = arg instanceof vscode.Uri ? { uri: arg } : arg ?? {};
  const doc = await targetDocument(args.uri);
  if (!doc) { void vscode.window.showWarningMessage('Open a metadata XML document to sign it.'); return undefined; }
  const got = await obtainKey(ctx, args);
  if (!got) return undefined;
  let email = args.email;
  if (!describeCertificate(readCertificates(got.key.certificatePem)[0]).email && !email) {
    email = await vscode.window.showInputBox({ prompt: 'The certificate has no e-mail address: e-mail for the endorsement', placeHolder: 'name@example.org', ignoreFocusOut: true });
    if (!email) return undefined;
  }
  // a saved image's draft has only the SHA-1: the other checksums come from its volume before it is signed
  const c = !missingChecksums(doc.getText()).length ? { text: doc.getText(), missing: [], image: undefined }
    : await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checksums of the image' },
      () => completeChecksums(doc.getText(), { metadataFile: doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined, volumesDir: ctx.data.volumes }));
  if (c.image) ctx.log.info(`${c.missing.join(', ')} checksums computed from ${c.image}`);
  const signed = signMetadata(c.text, got.key, { email, profile: args.profile });
  const wasDirty = doc.isDirty;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), signed);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the change');
  if (!wasDirty && !doc.isUntitled) await doc.save();
  const verdict = verifySignature(doc.getText(), { trusted: trustedCertificates(ctx.log) });
  ctx.log.info(`signed ${doc.uri.fsPath || doc.uri.toString()} with ${got.certPath}: ${verdict.status}`);
  if (c.missing.length && !c.image) void vscode.window.showWarningMessage(`Signed without ${c.missing.join(', ')} checksums (their image was not found): Recompute from Image adds them.`);
  void vscode.window.showInformationMessage(`Signed by ${verdict.signer?.subject ?? 'unknown'}${args.profile === 'rsa-sha256' ? ' (RSA-SHA256: not readable by the original StratusLab tools)' : ''}.`);
  return verdict;
}
