import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { verifySignature } from '../../../core/metadata/verify';
import type { SignatureVerdict } from '../../../core/metadata/types';
import { trustedCertificates, verdictTitle } from '../../services/trust';
import { targetDocument } from './sign';

/** stratus.metadata.verify: the signature verdict of the active (or given) document, with the signer's details. */
export async function verify(ctx: UiContext, arg?: { uri?: string | vscode.Uri } | vscode.Uri): Promise<SignatureVerdict | undefined> {
  const doc = await targetDocument(arg instanceof vscode.Uri ? arg : arg?.uri);
  if (!doc) { void vscode.window.showWarningMessage('Open a metadata XML document to verify its signature.'); return undefined; }
  const v = verifySignature(doc.getText(), { trusted: trustedCertificates(ctx.log) });
  const details = v.signer ? [`issuer ${v.signer.issuer}`, `e-mail ${v.signer.email ?? '(none)'}`, `valid ${v.signer.notBefore.slice(0, 10)} .. ${v.signer.notAfter.slice(0, 10)}`,
    v.endorserMatches === false ? 'endorsement does NOT match the certificate' : v.endorserMatches ? 'endorsement matches' : ''].filter(Boolean).join('; ') : '';
  const text = `${verdictTitle(v)}${details ? ` (${details})` : ''}`;
  ctx.log.info(`verify ${doc.uri.toString()}: ${text}`);
  if (v.status === 'valid' && v.trusted) void vscode.window.showInformationMessage(text);
  else void vscode.window.showWarningMessage(v.status === 'valid' ? `${text}. Add the signer or its CA to stratus.trustedCertificates to trust it.` : text);
  return v;
}
