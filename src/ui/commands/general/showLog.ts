import type { UiContext } from '../../context';

/** stratus.showLog: reveals the 'Stratus' log output channel. */
export function showLog(ctx: UiContext): void {
  ctx.log.show(true);
}
