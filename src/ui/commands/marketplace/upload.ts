import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';
import { resolveMarketplace } from './pick';
import { MarketplaceError } from '../../../backend/marketplace/marketplace';
import { decodeXml, declareUtf8, XmlEncodingError } from '../../../core/xml';

/**
 * stratus.metadata.upload [uri | marketplace node, target endpoint]: uploads signed metadata — the given file,
 * the active editor's text, or a file picked — to a marketplace. Resolves to the new entry's URL.
 */
/** A file's text in its declared encoding; a file that cannot be read so is reported, never uploaded as mojibake. */
async function readXml(uri: vscode.Uri): Promise<string | undefined> {
  try { return declareUtf8(decodeXml(await vscode.workspace.fs.readFile(uri))); } catch (e) {
    if (!(e instanceof XmlEncodingError)) throw e;
    throw new Error(`Cannot upload ${uri.fsPath}: ${e.message}`);
  }
}

export async function upload(ctx: UiContext, arg?: unknown, target?: string) {
  let text: string | undefined;
  let source = '';
  let mpArg: unknown = target;
  if (arg instanceof vscode.Uri) {
    const open = vscode.workspace.textDocuments.find(d => d.uri.toString() === arg.toString());
    text = open ? open.getText() : await readXml(arg);
    source = arg.fsPath || arg.toString();
  } else {
    if (arg !== undefined && mpArg === undefined) mpArg = arg;   // invoked on a marketplace node
    const ed = vscode.window.activeTextEditor;
    if (ed && /<(\w+:)?RDF[\s>]/.test(ed.document.getText())) { text = ed.document.getText(); source = ed.document.uri.fsPath || ed.document.uri.toString(); }
    else {
      const pick = await vscode.window.showOpenDialog({ title: 'Signed metadata to upload', filters: { 'Metadata XML': ['xml'] }, canSelectMany: false });
      if (!pick?.[0]) return;
      text = await readXml(pick[0]);
      source = pick[0].fsPath;
    }
  }
  if (text === undefined) return undefined;
  const mp = await resolveMarketplace(mpArg, 'Upload to which marketplace?');
  if (!mp) return;
  try {
    const ok = await mp.upload(text!);
    ctx.log.info(`uploaded ${source} → ${ok.location}`);
    marketplaces().refresh(mp);
    void vscode.window.showInformationMessage(ok.status === 202 ? `Uploaded; the marketplace e-mailed the endorser for confirmation.` : `Uploaded to ${mp.kind === 'local' ? 'the local marketplace' : mp.endpoint}: ${ok.key.identifier}`);
    return ok.location;
  } catch (e) {
    const msg = e instanceof MarketplaceError ? `${e.status}: ${e.message}` : (e as Error).message;
    throw new Error(msg, { cause: e });
  }
}
