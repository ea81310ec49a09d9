import * as path from 'path';
import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { computeDigests } from '../../../core/metadata/build';
import { addMissingChecksums, applyDigests } from '../../../core/metadata/fixes';
import { toWorkspaceEdit } from '../../editors/metadata/codeActions';
import { targetDocument } from './sign';

/** stratus.metadata.recomputeFromImage: identifier, rdf:about, bytes and checksums from a chosen image (an undoable edit). */
export async function recompute(ctx: UiContext, uri?: vscode.Uri | string, imagePath?: string): Promise<boolean> {
  const doc = await targetDocument(uri);
  if (!doc) { void vscode.window.showWarningMessage('Open a metadata XML document first.'); return false; }
  let image = imagePath;
  if (!image) {
    const picked = await vscode.window.showOpenDialog({ title: 'Image these metadata describe', canSelectMany: false, defaultUri: vscode.Uri.file(path.dirname(doc.uri.fsPath)) });
    if (!picked?.length) return false;
    image = picked[0].fsPath;
  }
  const d = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checksums of ${path.basename(image)}` }, () => computeDigests(image!));
  const edits = [...applyDigests(doc.getText(), d), ...addMissingChecksums(doc.getText(), d)].sort((a, b) => a.start - b.start);
  if (!edits.length) { void vscode.window.showInformationMessage('Identifier, bytes and checksums already match the image.'); return true; }
  const ok = await vscode.workspace.applyEdit(toWorkspaceEdit(doc, edits));
  if (ok && /<([\w.-]+:)?Signature[\s>]/.test(doc.getText())) void vscode.window.showWarningMessage('The content changed: sign the document again (Stratus: Sign Metadata).');
  return ok;
}
