import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaceTree } from '../../trees/marketplace';
import { resolveEntry } from './pick';
import { downloadImage } from '../../../backend/marketplace/download';
import { formatBytes } from '../../../core/marketplace/present';

/** stratus.marketplace.download [entry|identifier]: the image into the cache, with progress and cancel; resolves to the file path. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.marketplace.download', async (arg?: unknown) => {
    const node = await resolveEntry(arg, 'Entry whose image to download');
    if (!node) return;
    const s = node.entry.summary;
    const name = s.title || s.identifier;
    try {
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
      await marketplaceTree().reverify(node);
      void vscode.window.showInformationMessage(`${name}: ${result.cached ? 'already in the cache' : 'downloaded and verified'} (${result.path})`);
      return result.path;
    } catch (e) {
      ctx.log.error(`download ${s.identifier}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Download of ${name} failed: ${(e as Error).message}`);
      return undefined;
    }
  }));
}
