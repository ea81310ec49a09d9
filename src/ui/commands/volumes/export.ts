import * as path from 'path';
import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { ExportFormat, exportVolume } from '../../../backend/images/import';
import { volumeArg, volumeStoreFor } from '../../services/volumes';

/** stratus.volumes.export: raw .img.gz (for publishing), raw .img, or a standalone qcow2, written on this machine (a remote volume is flattened there, then downloaded); progress with cancel. */
export async function exportVolumeCommand(ctx: UiContext, arg?: unknown, opts?: { format?: ExportFormat; output?: string }) {
  const { host, uuid } = volumeArg(arg);
  if (!host) return undefined;
  const store = await volumeStoreFor(ctx, host);
  const v = uuid ? await store.get(uuid) : undefined;
  if (!v) throw new Error('select a volume in the Volumes view.');
  let format = opts?.format;
  if (!format) {
    const pick = await vscode.window.showQuickPick([
      { label: '.img.gz', description: 'raw, gzipped — what the Marketplace publishes (identifier unchanged)', f: 'img.gz' as const },
      { label: '.qcow2', description: 'standalone qcow2 (flattened)', f: 'qcow2' as const },
      { label: '.img', description: 'raw', f: 'img' as const },
    ], { title: `Export ${v.tag || v.uuid}` });
    if (!pick) return undefined;
    format = pick.f;
  }
  let output = opts?.output;
  if (!output) {
    const name = `${(v.tag || v.uuid).replace(/[^\w.-]+/g, '_')}.${format}`;
    const u = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? require('os').homedir(), name)) });
    if (!u) return undefined;
    output = u.fsPath;
  }
  const out = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting ${v.tag || v.uuid}`, cancellable: true }, async (progress, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    let last = 0;
    return exportVolume(store, v.uuid, output!, format!, { signal: ac.signal, onProgress: (f, msg) => {
      progress.report({ message: `${msg} ${Math.floor(f * 100)}%`, increment: Math.max(0, (f - last) * 100) }); last = Math.max(last, f);
    } });
  });
  ctx.log.info(`Exported volume ${v.uuid} to ${out}`);
  void vscode.window.showInformationMessage(`Exported to ${out}`);
  return out;
}
