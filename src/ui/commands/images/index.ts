import type { UiContext } from '../../context';
import * as importImage from './importImage';
import * as checkReadiness from './checkReadiness';

/** Registers the images commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  importImage.register(ctx);
  checkReadiness.register(ctx);
}
