import type { UiContext } from '../../context';
import { buildsModel } from '../../services/builds';
import * as newRecipe from './newRecipe';
import * as createImage from './createImage';
import * as openLog from './openLog';
import * as cancel from './cancel';
import * as retry from './retry';
import * as cleanup from './cleanup';
import * as sshTerminal from './sshTerminal';

/** Registers the recipe commands (one file per command in this folder); the Builds view is trees/builds. */
export function register(ctx: UiContext): void {
  const model = buildsModel(ctx);
  newRecipe.register(ctx);
  createImage.register(ctx, model);
  openLog.register(ctx);
  for (const c of [cancel, retry, cleanup, sshTerminal]) c.register(ctx, model);
}
