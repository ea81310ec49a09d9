import type { UiContext } from '../../context';

/** Registers the volumes commands (one file per command in this folder). */
export function register(_ctx: UiContext): void {
  // commands of this area are added here as they land
}
