import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { config } from '../../context';
import { resolveMarketplace } from './pick';

/** stratus.marketplace.remove [node|url]: drops a remote endpoint from `stratus.marketplaces` (the local one stays). */
export async function remove(ctx: UiContext, arg?: unknown) {
  const list = config().get<string[]>('marketplaces') ?? [];
  let endpoint: string | undefined;
  if (arg === undefined) {
    if (!list.length) { void vscode.window.showInformationMessage('No remote marketplace is configured; the local one cannot be removed.'); return; }
    endpoint = (await vscode.window.showQuickPick(list, { placeHolder: 'Marketplace to remove from the view' }));
  } else endpoint = typeof arg === 'string' ? arg.replace(/\/+$/, '') : (await resolveMarketplace(arg, ''))?.endpoint;
  if (!endpoint) return;
  if (!list.includes(endpoint)) { void vscode.window.showWarningMessage(`${endpoint} is not a configured remote marketplace.`); return; }
  await config().update('marketplaces', list.filter(u => u !== endpoint), vscode.ConfigurationTarget.Global);
  ctx.log.info(`marketplace removed: ${endpoint}`);
}
