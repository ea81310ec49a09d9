import type { UiContext } from '../../context';
import { registerDiagnostics } from './diagnostics';
import { registerProviders } from './providers';

/** Diagnostics, completion, hovers and the CodeLens for recipe documents (*.recipe.yaml, stratus-recipe.yaml). */
export function register(ctx: UiContext): void {
  registerDiagnostics(ctx);
  registerProviders(ctx);
}
