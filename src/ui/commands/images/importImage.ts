import * as path from 'path';
import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { Host } from '../../../backend/host/host';
import { importImage } from '../../../backend/images/import';
import { hostById } from '../../services/hosts';
import { pickHostForVolume, volumeStoreFor } from '../../services/volumes';

type HostNode = { kind: 'host'; host: Host };

/** `host`: a host id (scripted default: this machine; from the palette it is asked when there are several hosts). */
export interface ImportImageArgs { file?: string; format?: 'raw' | 'qcow2'; tag?: string; openMetadata?: boolean; host?: string }

/**
 * stratus.images.import: a VDI/VMDK/VHD(X)/qcow2/raw (.gz/.bz2) disk → a volume, with progress and
 * cancel, into the volumes of this machine or of a remote host (converted here, sent over SFTP); then the
 * draft metadata opens for the user to complete, sign and upload.
 */
export async function importImageCommand(ctx: UiContext, args?: ImportImageArgs | vscode.Uri | HostNode) {
  const node = args && 'kind' in args && args.kind === 'host' ? args : undefined;
  const a: ImportImageArgs = args instanceof vscode.Uri ? { file: args.fsPath } : node ? {} : args as ImportImageArgs ?? {};
  // a host node of the Volumes tree imports there; scripted calls without `host` mean this machine;
  // the palette and the Explorer menu ask when there are several hosts
  const host = node?.host ?? (args && !(args instanceof vscode.Uri) ? hostById(a.host) : await pickHostForVolume('Import Image: into the volumes of'));
  if (!host) {
    if (a.host) throw new Error(`no host named '${a.host}'.`);
    return undefined;
  }
  let file = a.file;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({ title: 'Import Image', canSelectMany: false, openLabel: 'Import',
      filters: { 'Disk images': ['vdi', 'vmdk', 'vhd', 'vhdx', 'qcow2', 'img', 'raw', 'gz', 'bz2', 'xz'], 'All files': ['*'] } });
    if (!picked?.length) return undefined;
    file = picked[0].fsPath;
  }
  let format = a.format;
  if (!format) {
    const pick = await vscode.window.showQuickPick([
      { label: 'qcow2', description: 'compact, copy-on-write capable (recommended)', f: 'qcow2' as const },
      { label: 'raw', description: 'plain disk bytes (what .img.gz publishing carries)', f: 'raw' as const },
    ], { title: `Import ${path.basename(file)}: store as` });
    if (!pick) return undefined;
    format = pick.f;
  }
  const tag = a.tag ?? path.basename(file).replace(/\.(gz|bz2|xz)$/i, '').slice(0, 39);
  const store = await volumeStoreFor(ctx, host);
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Importing ${path.basename(file)}${host.kind === 'local' ? '' : ` to ${host.label}`}`, cancellable: true }, (progress, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    let last = 0;
    return importImage(store, file!, { format, tag, staging: ctx.data.volumes, signal: ac.signal, onProgress: (f, msg) => {
      progress.report({ message: `${msg} ${Math.floor(f * 100)}%`, increment: Math.max(0, (f - last) * 100) }); last = Math.max(last, f);
    } });
  });
  ctx.log.info(`Imported ${file} (${r.sourceFormat}${r.compression ? ', ' + r.compression : ''}) as volume ${r.volume.uuid} on ${host.label}, identifier ${r.identifier ?? '—'}`);
  ctx.trees.get('stratus.volumes')?.refresh();
  if (r.metadataPath && a.openMetadata !== false) {
    // a remote draft opens as an unsaved copy: the editor's Sign and Upload work on it here
    const doc = host.kind === 'local' ? await vscode.workspace.openTextDocument(r.metadataPath)
      : await vscode.workspace.openTextDocument({ language: 'xml', content: (await host.readFile(r.metadataPath)).toString('utf8') });
    await vscode.window.showTextDocument(doc, { preview: false });
    void vscode.window.showInformationMessage(`Imported as volume '${r.volume.tag}'. Complete the draft metadata, then sign and upload it.`);
  }
  return r;
}
