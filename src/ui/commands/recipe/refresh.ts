import type { UiContext } from '../../context';

/** stratus.builds.refresh */
export function refresh(ctx: UiContext): void {
  ctx.trees.get('stratus.builds')?.refresh();
}
