import type { UiContext } from '../../context';
import * as prepareContext from './prepareContext';

/** Registers the context commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  prepareContext.register(ctx);
}
