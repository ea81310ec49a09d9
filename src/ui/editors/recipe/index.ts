import type { UiContext } from '../../context';

/** Diagnostics, hovers and code actions for recipe documents. */
export function register(_ctx: UiContext): void {
  // editor features of this area are added here as they land
}
