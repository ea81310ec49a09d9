import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';
import { resolveEntry } from './pick';

/** stratus.marketplace.verify [entry|identifier]: recomputes the trust verdict and reports it; resolves to the verdict. */
export async function verify(ctx: UiContext, arg?: unknown) {
  const node = await resolveEntry(arg, 'Entry to verify');
  if (!node) return;
  const v = await marketplaces().reverify(node);
  const name = node.entry.summary.title || node.entry.key.identifier;
  const text = v.problems.length ? `${name}: ${v.problems.join('; ')}` : `${name}: signature valid, signer trusted, endorser matches, in date.`;
  ctx.log.info(`verify ${node.entry.key.identifier}: ${v.level} ${v.problems.join('; ')}`);
  if (v.level === 'bad') void vscode.window.showErrorMessage(text);
  else if (v.level === 'warning') void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
  return v;
}
