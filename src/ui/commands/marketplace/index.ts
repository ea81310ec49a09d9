import type { UiContext } from '../../context';
import * as add from './add';

/** Registers the marketplace commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  add.register(ctx);
  // commands of this area are added here as they land
}
