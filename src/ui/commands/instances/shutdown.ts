import * as vscode from 'vscode';
import type { Host } from '../../../backend/host/host';
import type { SaveResult } from '../../../backend/kvm/types';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.shutdown: ACPI power-off with progress; with save, the Epilog and a notification on the new image. */
export async function shutdown(ctx: UiContext, arg?: unknown) {
  const p = await pickInstance(ctx, arg, ['Running', 'Failed'], 'Shut down');
  if (!p) return;
  const r = p.record;
  try {
    const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Shutting down ${r.name}`, cancellable: true }, (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      return p.mgr.shutdown(r.id, { signal: ac.signal, onStep: s => { progress.report({ message: s }); ctx.log.info(`${r.id}: ${s}`); } });
    });
    ctx.trees.get('stratus.instances')?.refresh();
    ctx.trees.get('stratus.volumes')?.refresh();
    ctx.trees.get('stratus.marketplace')?.refresh();
    if (done.saved) void notifySaved(ctx, done.saved, p.mgr.host);
    return done;
  } catch (e) {
    ctx.trees.get('stratus.instances')?.refresh();
    throw e;
  }
}

async function notifySaved(ctx: UiContext, s: SaveResult, host: Host): Promise<void> {
  ctx.log.info(`New image ${s.imageId}: volume ${s.volumeId}, ${s.bytes} bytes, overlay on ${s.base}${s.metadataPath ? `, draft metadata ${s.metadataPath}` : ''}`);
  const actions = [...(s.metadataPath ? ['Open Metadata'] : []), 'Launch', 'Reveal Volume'];
  const detail = s.metadataProblem ? ` (no draft metadata: ${s.metadataProblem})` : ' A private draft entry, valid 2 days, is in the local marketplace: sign it with your own certificate to keep it.';
  const choice = await vscode.window.showInformationMessage(`New image ${s.imageId} saved.${detail}`, ...actions);
  if (choice === 'Open Metadata' && s.metadataPath) {
    // on a remote host the file is there: show its content (the same draft is in the local marketplace)
    const doc = host.kind === 'local' ? await vscode.workspace.openTextDocument(vscode.Uri.file(s.metadataPath))
      : await vscode.workspace.openTextDocument({ language: 'xml', content: (await host.readFile(s.metadataPath)).toString('utf8') });
    await vscode.window.showTextDocument(doc);
  } else if (choice === 'Launch') await vscode.commands.executeCommand('stratus.instances.launch', { image: s.imageId, hostId: host.id });
  else if (choice === 'Reveal Volume') {
    const all = await vscode.commands.getCommands(true);
    if (all.includes('stratus.volumes.reveal')) await vscode.commands.executeCommand('stratus.volumes.reveal', s.volumeId);
    else await vscode.commands.executeCommand('stratus.volumes.focus');
  }
}
