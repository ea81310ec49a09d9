import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.remove: forget a Done/Failed instance (its folder, console log included). */
export async function remove(ctx: UiContext, arg?: unknown) {
  const p = await pickInstance(ctx, arg, ['Done', 'Failed'], 'Remove from the list');
  if (!p) return;
  try { await p.mgr.forget(p.record.id); } finally { ctx.trees.get('stratus.instances')?.refresh(); }
}
