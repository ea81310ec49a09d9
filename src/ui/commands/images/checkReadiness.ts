import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { ReadinessItem, checkInstance, checkRootfs, formatReadiness, verdict } from '../../../backend/readiness/check';
import { hostRegistry } from '../../../backend/hosts/registry';
import { managerFor } from '../../trees/instances/managers';

export interface CheckReadinessArgs { instanceId?: string; root?: string; show?: boolean }

/**
 * stratus.images.checkReadiness: the "building images from scratch" checklist (§11) on a running
 * instance (over SSH) or an unpacked root file system; the result opens as a Markdown checklist.
 */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.images.checkReadiness', async (arg?: CheckReadinessArgs | { id?: string }) => {
    // from the Instances tree: { kind: 'instance', host, record }
    const node = arg as { kind?: string; host?: { kind: string }; record?: { id: string } } | undefined;
    if (node?.kind === 'instance' && node.host?.kind !== 'local') {
      void vscode.window.showErrorMessage('Check Image Readiness: instances on remote hosts are not supported yet; run `stratus check-readiness` there.');
      return undefined;
    }
    const a = (arg ?? {}) as CheckReadinessArgs & { id?: string };
    let instanceId = a.instanceId ?? node?.record?.id ?? a.id; let root = a.root;
    const mgr = await managerFor(ctx, hostRegistry().local());
    if (!instanceId && !root) {
      const running = (await mgr.list()).filter(r => r.state === 'Running');
      const pick = await vscode.window.showQuickPick([
        ...running.map(r => ({ label: r.name, description: `running instance ${r.id}`, id: r.id })),
        { label: 'Unpacked root file system…', description: 'a folder holding an image\'s /', id: '' },
      ], { title: 'Check Image Readiness' });
      if (!pick) return undefined;
      if (pick.id) instanceId = pick.id;
      else root = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Root folder of the image' }))?.[0]?.fsPath;
      if (!instanceId && !root) return undefined;
    }
    try {
      const items: ReadinessItem[] = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking image readiness…', cancellable: true }, async (_p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return root ? checkRootfs(root, ac.signal) : checkInstance(mgr, instanceId!, [(await mgr.managedKey()).publicKey], ac.signal);
      });
      const v = verdict(items);
      const title = root ? `root file system ${root}` : `instance ${instanceId}`;
      ctx.log.info(`Readiness of ${title}: ${v.ok ? 'ready' : `${v.failing.length} item(s) fail`}`);
      if (a.show !== false) {
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# Image readiness — ${title}\n\n${v.ok ? 'Ready.' : `${v.failing.length} item(s) to fix.`}\n\n${formatReadiness(items, true)}\n` });
        await vscode.window.showTextDocument(doc, { preview: true });
      }
      return items;
    } catch (e) {
      void vscode.window.showErrorMessage(`Check Image Readiness: ${(e as Error).message}`);
      return undefined;
    }
  }));
}
