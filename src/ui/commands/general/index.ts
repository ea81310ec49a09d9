import type { UiContext } from '../../context';
import * as showLog from './showLog';

/** Registers the commands that belong to no single area. */
export function register(ctx: UiContext): void {
  showLog.register(ctx);
}
