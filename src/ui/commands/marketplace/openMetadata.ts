import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';
import { resolveEntry } from './pick';
import { keyString, parseKeyString } from '../../../core/marketplace/keys';

import { ENTRY_SCHEME as SCHEME } from '../../schemes';

/** stratus-mp:/<id>/<email>/<created>.xml?endpoint — the stored bytes, read-only, as an XML document (so metadata diagnostics apply). */
export function entryUri(endpoint: string, key: { identifier: string; email: string; created: string }): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${keyString(key)}.xml`, query: endpoint });
}

/** The stored bytes of a stratus-mp: URI (its content provider is registered at activation and loads this on first use). */
export async function entryContent(uri: vscode.Uri): Promise<string> {
  const key = parseKeyString(uri.path.replace(/\.xml$/, ''));
  if (!key) throw new Error(`not a marketplace entry: ${uri.toString()}`);
  const mp = marketplaces().marketplaces().find(m => m.endpoint === uri.query);
  if (!mp) throw new Error(`marketplace ${uri.query} is no longer configured`);
  return mp.get(key);
}

/** stratus.marketplace.openMetadata [entry|identifier]: the signed document in a read-only XML editor. */
export async function openMetadata(_ctx: UiContext, arg?: unknown) {
  const node = await resolveEntry(arg, 'Entry whose metadata to open');
  if (!node) return;
  let doc = await vscode.workspace.openTextDocument(entryUri(node.mp.endpoint, node.entry.key));
  if (doc.languageId !== 'xml') doc = await vscode.languages.setTextDocumentLanguage(doc, 'xml');
  await vscode.window.showTextDocument(doc, { preview: true });
}
