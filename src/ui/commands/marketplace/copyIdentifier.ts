import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { resolveEntry } from './pick';

/** stratus.marketplace.copyIdentifier [entry|identifier]: the image identifier to the clipboard. */
export async function copyIdentifier(ctx: UiContext, arg?: unknown) {
  const node = await resolveEntry(arg, 'Entry whose identifier to copy');
  if (!node) return;
  await vscode.env.clipboard.writeText(node.entry.key.identifier);
  vscode.window.setStatusBarMessage(`Copied ${node.entry.key.identifier}`, 3000);
  return node.entry.key.identifier;
}
