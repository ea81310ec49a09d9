import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';
import { resolveEntry } from './pick';
import { downloadImage } from '../../../backend/marketplace/download';
import { trustVerdict } from '../../../backend/marketplace/trust';
import { formatBytes } from '../../../core/marketplace/present';

/** stratus.marketplace.download [entry|identifier]: the image into the cache, with progress and cancel; resolves to the file path. */
export async function download(ctx: UiContext, arg?: unknown) {
  const node = await resolveEntry(arg, 'Entry whose image to download');
  if (!node) return;
  const name = node.entry.summary.title || node.entry.key.identifier;
  // Locations and checksums come from the bytes the signature covers, never from the listing's copy.
  const s = (marketplaces().verdictOf(node) ?? trustVerdict(node.entry.xml ?? await node.mp.get(node.entry.key))).summary;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Downloading ${name}`, cancellable: true }, async (progress, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    let lastPct = 0;
    return downloadImage(s, ctx.data.images, {
      allowFileLocations: node.mp.kind === 'local',
      signal: ac.signal,
      onProgress: (done, total) => {
        if (!total) { progress.report({ message: formatBytes(done) }); return; }
        const pct = Math.floor((done / total) * 100);
        if (pct > lastPct) { progress.report({ increment: pct - lastPct, message: `${formatBytes(done)} of ${formatBytes(total)}` }); lastPct = pct; }
      },
    });
  });
  ctx.log.info(`downloaded ${s.identifier} → ${result.path}${result.cached ? ' (cached)' : ''}`);
  await marketplaces().reverify(node);
  void vscode.window.showInformationMessage(`${name}: ${result.cached ? 'already in the cache' : 'downloaded and verified'} (${result.path})`);
  return result.path;
}
