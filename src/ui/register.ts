import type * as vscode from 'vscode';
import type { UiContext } from './context';
import * as marketplaceTree from './trees/marketplace';
import * as instancesTree from './trees/instances';
import * as volumesTree from './trees/volumes';
import * as buildsTree from './trees/builds';
import * as marketplaceCommands from './commands/marketplace';
import * as instancesCommands from './commands/instances';
import * as volumesCommands from './commands/volumes';
import * as metadataCommands from './commands/metadata';
import * as recipeCommands from './commands/recipe';
import * as hostsCommands from './commands/hosts';
import * as contextCommands from './commands/context';
import * as imagesCommands from './commands/images';
import * as generalCommands from './commands/general';
import * as metadataEditor from './editors/metadata';
import * as recipeEditor from './editors/recipe';
import * as contextEditor from './editors/context';
import * as firstStart from './firstStart';
import * as walkthrough from './walkthrough';
import { marketplaces } from './services/marketplaces';
import { initCommands } from './services/commands';

/** The one place where every tree, command and editor feature is wired. */
export function registerAll(ctx: UiContext): void {
  initCommands(ctx.log, ctx.ext.extension.packageJSON);   // every command runs through its wrapper
  firstStart.register(ctx);   // first: the default trust applies before any tree verifies
  walkthrough.register(ctx);
  for (const area of [marketplaceTree, instancesTree, volumesTree, buildsTree]) area.register(ctx);
  for (const area of [marketplaceCommands, instancesCommands, volumesCommands, metadataCommands, recipeCommands, hostsCommands, contextCommands, imagesCommands, generalCommands]) area.register(ctx);
  for (const area of [metadataEditor, recipeEditor, contextEditor]) area.register(ctx);
  seedWhenListed(ctx);
}

/** The first-start publish starts when the Marketplace is first listed: its view shown, or its snapshot taken. */
function seedWhenListed(ctx: UiContext): void {
  const seed = firstStart.seedOnce(ctx);
  let view: vscode.TreeView<unknown> | undefined;
  try { view = marketplaces().view; } catch { /* view not registered (tests of other areas) */ }
  if (view?.visible) seed();
  else if (view) ctx.ext.subscriptions.push(view.onDidChangeVisibility(e => { if (e.visible) seed(); }));
  const mp = ctx.trees.get('stratus.marketplace');
  if (mp) ctx.trees.set('stratus.marketplace', { ...mp, snapshot: d => { seed(); return mp.snapshot(d); } });
}
