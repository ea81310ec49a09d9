import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { ReadinessItem, checkInstance, checkRootfs, formatReadiness, installContextAgent, verdict } from '../../../backend/readiness/check';
import { instanceCandidates, Picked, pickInstance } from '../instances/pick';

export interface CheckReadinessArgs { instanceId?: string; root?: string; show?: boolean }

/**
 * stratus.images.checkReadiness: the "building images from scratch" checklist (docs/stratuslab.md#image-readiness) on a running
 * instance of any host (over SSH, through the instance's manager: nothing is read from this machine's
 * disk but the login key) or an unpacked root file system; the result opens as a Markdown checklist.
 */
export async function checkReadiness(ctx: UiContext, arg?: CheckReadinessArgs | { id?: string } | string) {
  const title = 'Check Image Readiness';
  // from the Instances tree: { kind: 'instance', host, record }
  const node = arg as { kind?: string } | undefined;
  // an instance id alone, as the other instance commands take it
  const a = (typeof arg === 'string' ? { instanceId: arg } : arg ?? {}) as CheckReadinessArgs & { id?: string };
  let root = a.root;
  let picked: Picked | undefined;
  if (!root) {
    const id = a.instanceId ?? a.id;
    if (node?.kind === 'instance' || id) {
      picked = await pickInstance(ctx, node?.kind === 'instance' ? node : id, ['Running'], title);
      if (!picked) return undefined;
    } else {
      const running = (await instanceCandidates(ctx)).filter(c => c.record.state === 'Running');
      const pick = await vscode.window.showQuickPick([
        ...running.map(c => ({ label: c.record.name, description: `running instance ${c.record.id} · ${c.mgr.host.label}`, c })),
        { label: 'Unpacked root file system…', description: 'a folder holding an image\'s /', c: undefined },
      ], { title });
      if (!pick) return undefined;
      picked = pick.c;
      if (!picked) root = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Root folder of the image' }))?.[0]?.fsPath;
      if (!picked && !root) return undefined;
    }
  }
  if (picked && picked.record.state !== 'Running') {
    void vscode.window.showWarningMessage(`${title}: ${picked.record.name} (${picked.record.id}) on ${picked.mgr.host.label} is ${picked.record.state}; the check logs into a Running instance.`);
    return undefined;
  }
  const target = picked;
  let items: ReadinessItem[] = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking image readiness…', cancellable: true }, async (_p, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    return target ? checkInstance(target.mgr, target.record.id, [(await target.mgr.managedKey()).publicKey], ac.signal) : checkRootfs(root!, ac.signal);
  });
  let v = verdict(items);
  if (target && items.some(i => i.id === 'context.present' && i.status === 'fail')) {
    const install = 'Install stratuslab-one-context';
    if (await vscode.window.showWarningMessage(`${target.record.name} has no contextualization enabled at boot: no SSH key would reach instances of this image.`, install) === install) {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Installing stratuslab-one-context…' }, () => installContextAgent(target.mgr, target.record.id));
      void vscode.window.showInformationMessage(`stratuslab-one-context is installed and enabled in ${target.record.id}: save the instance to keep it in an image.`);
      items = await checkInstance(target.mgr, target.record.id, [(await target.mgr.managedKey()).publicKey]);
      v = verdict(items);
    }
  }
  const what = target ? `instance ${target.record.id}${target.mgr.host.kind === 'local' ? '' : ` on ${target.mgr.host.label}`}` : `root file system ${root}`;
  ctx.log.info(`Readiness of ${what}: ${v.ok ? 'ready' : `${v.failing.length} item(s) fail`}`);
  if (a.show !== false) {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# Image readiness — ${what}\n\n${v.ok ? 'Ready.' : `${v.failing.length} item(s) to fix.`}\n\n${formatReadiness(items, true)}\n` });
    await vscode.window.showTextDocument(doc, { preview: true });
  }
  return items;
}
