import type { UiContext } from '../../context';

/** stratus.volumes.refresh */
export function refresh(ctx: UiContext): void {
  ctx.trees.get('stratus.volumes')?.refresh();
}
