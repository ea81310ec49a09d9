import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { config } from '../../context';
import { marketplaces } from '../../services/marketplaces';

/** stratus.marketplace.toggleGroupBy [os|endorser]: flips `stratus.marketplace.groupBy` (the tree refreshes on the change). */
export async function groupBy(ctx: UiContext, by?: string) {
  const next = by === 'os' || by === 'endorser' ? by : marketplaces().groupBy === 'os' ? 'endorser' : 'os';
  await config().update('marketplace.groupBy', next, vscode.ConfigurationTarget.Global);
  marketplaces().refresh();
}
