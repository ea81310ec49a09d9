import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { BuildsModel } from './model';
import { registerBuildsTree } from './buildsTree';
import * as newRecipe from './newRecipe';
import * as createImage from './createImage';
import * as openLog from './openLog';
import * as cancel from './cancel';
import * as retry from './retry';
import * as cleanup from './cleanup';
import * as sshTerminal from './sshTerminal';

/** Registers the recipe commands (one file per command in this folder) and the Builds view. */
export function register(ctx: UiContext): void {
  const model = new BuildsModel(ctx);
  ctx.ext.subscriptions.push(model);
  const tree = registerBuildsTree(ctx, model);
  newRecipe.register(ctx);
  createImage.register(ctx, model);
  openLog.register(ctx);
  for (const c of [cancel, retry, cleanup, sshTerminal]) c.register(ctx, model);
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.builds.refresh', () => tree.refresh()));
}
