import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.kill: destroy and discard, after a modal naming what is lost. opts.confirm=false skips it (tests). */
export async function kill(ctx: UiContext, arg?: unknown, opts: { confirm?: boolean } = {}) {
  const p = await pickInstance(ctx, arg, ['Pending', 'Prolog', 'Running', 'Shutdown', 'Failed'], 'Kill');
  if (!p) return false;
  const r = p.record;
  if (opts.confirm !== false) {
    const lost = r.save && !r.saved
      ? `It was launched with save ("${r.save.title}"): every change made in it is discarded and NO image is saved.`
      : 'Its disk and every change made in it are discarded.';
    const ok = await vscode.window.showWarningMessage(`Kill instance ${r.name}?`, { modal: true, detail: lost }, 'Kill');
    if (ok !== 'Kill') return false;
  }
  await p.mgr.kill(r.id);
  ctx.log.info(`${r.id}: killed`);
  ctx.trees.get('stratus.instances')?.refresh();
  return true;
}
