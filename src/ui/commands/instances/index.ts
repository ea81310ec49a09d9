import type { UiContext } from '../../context';
import * as launch from './launch';

/** Registers the instances commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  launch.register(ctx);
  // commands of this area are added here as they land
}
