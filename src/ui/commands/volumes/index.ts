import type { UiContext } from '../../context';
import * as create from './create';

/** Registers the volumes commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  create.register(ctx);
  // commands of this area are added here as they land
}
