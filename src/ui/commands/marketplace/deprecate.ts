import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';
import { resolveEntry } from './pick';
import { deprecateEntry } from '../../../backend/marketplace/open';
import { DEFAULT_DEPRECATION_REASON } from '../../../core/marketplace/deprecate';
import { signMetadata, KeyMaterial } from '../../../core/metadata/sign';
import { obtainKey } from '../metadata/keys';

export interface DeprecateArgs { reason?: string; p12?: string; password?: string; key?: KeyMaterial }

/**
 * stratus.marketplace.deprecate [entry|identifier, {reason, p12, password} | {reason, key}]: re-signs the entry with
 * slterms:deprecated (docs/stratuslab.md#deprecation) and uploads it to the same marketplace. Prompts for what the arguments leave out.
 */
export async function deprecate(ctx: UiContext, arg?: unknown, opts: DeprecateArgs = {}) {
  const node = await resolveEntry(arg, 'Entry to deprecate');
  if (!node) return;
  const name = node.entry.summary.title || node.entry.key.identifier;
  const reason = opts.reason ?? await vscode.window.showInputBox({ title: `Deprecate ${name}`, prompt: 'Reason (shown to everyone who lists this image)', value: DEFAULT_DEPRECATION_REASON });
  if (reason === undefined) return;
  let key = opts.key;
  if (!key) {
    // The same key handling as Sign Metadata… (password kept in SecretStorage per certificate file).
    const got = await obtainKey(ctx, { certPath: opts.p12, password: opts.password });
    if (!got) return;
    key = got.key;
  }
  const signer = key;
  const ok = await deprecateEntry(node.mp, { identifier: node.entry.key.identifier, email: node.entry.key.email }, reason, xml => signMetadata(xml, signer, { email: node.entry.key.email }));
  ctx.log.info(`deprecated ${node.entry.key.identifier}: ${ok.location}`);
  marketplaces().refresh(node.mp);
  void vscode.window.showInformationMessage(`${name} is deprecated (${reason}).`);
  return ok.location;
}
