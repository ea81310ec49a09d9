import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { config } from '../../context';

/** stratus.marketplace.add [url]: adds a StratusLab-compatible endpoint to `stratus.marketplaces`. */
export async function add(ctx: UiContext, url?: string) {
  const value = typeof url === 'string' ? url : await vscode.window.showInputBox({
    title: 'Add Marketplace', prompt: 'Endpoint URL of a StratusLab-compatible marketplace (e.g. one started with `stratus marketplace serve`)',
    placeHolder: 'http://127.0.0.1:8081', validateInput: v => endpointProblem(v),
  });
  if (!value) return;
  const problem = endpointProblem(value);
  if (problem) throw new Error(problem);
  const endpoint = value.trim().replace(/\/+$/, '');
  const list = config().get<string[]>('marketplaces') ?? [];
  if (list.includes(endpoint)) { void vscode.window.showInformationMessage(`${endpoint} is already in the Marketplace view.`); return; }
  await config().update('marketplaces', [...list, endpoint], vscode.ConfigurationTarget.Global);
  ctx.log.info(`marketplace added: ${endpoint}`);
}

export function endpointProblem(v: string): string | undefined {
  try {
    const u = new URL(v.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Use an http:// or https:// URL';
    return undefined;
  } catch { return 'Not a URL: give the endpoint as http(s)://host[:port]'; }
}
