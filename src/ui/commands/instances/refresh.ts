import type { UiContext } from '../../context';

/** stratus.instances.refresh */
export function refresh(ctx: UiContext): void {
  ctx.trees.get('stratus.instances')?.refresh();
}
