import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';
import type { Status } from '../../../core/marketplace/query';

const STATUSES: Array<{ label: Status; detail: string }> = [
  { label: 'valid', detail: 'In date and not deprecated (the default listing)' },
  { label: 'expired', detail: 'Past their dcterms:valid date, including saved-instance drafts after 2 days' },
  { label: 'deprecated', detail: 'Withdrawn by their endorser' },
];

/** stratus.marketplace.status [valid|expired|deprecated]: which entries the view lists. */
export async function status(ctx: UiContext, status?: string) {
  const tree = marketplaces();
  const value = typeof status === 'string' ? status : (await vscode.window.showQuickPick(STATUSES.map(s => ({ ...s, picked: s.label === tree.status, description: s.label === tree.status ? 'current' : undefined })), { placeHolder: 'List entries that are…' }))?.label;
  if (!value) return;
  if (!STATUSES.some(s => s.label === value)) throw new Error(`Unknown status '${value}': use valid, expired or deprecated.`);
  tree.status = value as Status;
  tree.refresh();
}
