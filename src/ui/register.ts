import * as vscode from 'vscode';
import type { UiContext } from './context';
import { initCommands } from './services/commands';
import { registerCommands } from './commandTable';
import { lazyTree, once, onDocuments } from './lazy';
import { ENTRY_SCHEME } from './schemes';
import * as activeHost from './statusbar/activeHost';
import * as walkthroughSteps from './walkthroughSteps';

/**
 * The one place where every tree, command and editor feature is wired. Activation registers only cheap
 * things: the command table (each command's module loads on its first run), the views with stand-in
 * providers (each view's module loads when it is first shown), editor features loaded when a document they
 * serve is first open, the status bar item and the walkthrough's keys. Each area's code is its own webpack
 * chunk, loaded by the import() below.
 */
export function registerAll(ctx: UiContext): void {
  initCommands(ctx.log, ctx.ext.extension.packageJSON);   // every command runs through its wrapper
  walkthroughSteps.register(ctx);
  const status = activeHost.register(ctx);

  // first: the default trust applies before any tree verifies; the remote hosts are registered before any lists
  const setUp = once(async () => (await import('./startup')).setUp(ctx, status));
  let seeded = false;
  // The first-start publish starts when the Marketplace is first listed (its view shown, or its snapshot taken),
  // not at activation: opening an XML file or running an unrelated command must not start a publish.
  const seed = () => {
    if (seeded) return;
    seeded = true;
    void import('./startup').then(m => m.seedOnce(ctx)(), e => ctx.log.error(`first start: ${(e as Error).message}`));
  };
  const marketplace = lazyTree(ctx, 'stratus.marketplace', async () => {
    await setUp();
    const m = await import('./trees/marketplace');
    return view => {
      const provider = m.register(ctx, view as never);
      // its snapshot (the API's) lists it too, whatever loaded the view first
      const tree = ctx.trees.get('stratus.marketplace')!;
      ctx.trees.set('stratus.marketplace', { ...tree, snapshot: d => { seed(); return tree.snapshot(d); } });
      return provider;
    };
  }, { showCollapseAll: true, onList: seed });
  // commands, the other views and the editors reach the marketplaces through the Marketplace view's provider
  const ready = once(async () => { await setUp(); await marketplace.load(); });
  lazyTree(ctx, 'stratus.instances', async () => {
    await ready();
    const m = await import('./trees/instances');
    return view => m.register(ctx, view as never);
  });
  lazyTree(ctx, 'stratus.volumes', async () => {
    await ready();
    const m = await import('./trees/volumes');
    return view => m.register(ctx, view as never);
  });
  lazyTree(ctx, 'stratus.builds', async () => {
    await ready();
    const m = await import('./trees/builds');
    return () => m.register(ctx);
  });

  registerCommands(ctx, ready);

  const metadataDoc = (d: vscode.TextDocument) => d.languageId === 'xml' || /\.(xml|rdf)$/i.test(d.uri.path);
  onDocuments(ctx, metadataDoc, async () => { await ready(); (await import('./editors/metadata')).register(ctx); });
  const recipeDoc = (d: vscode.TextDocument) => /\.recipe\.yaml$|(^|[\\/])stratus-recipe\.yaml$/.test(d.uri.path);
  onDocuments(ctx, recipeDoc, async () => { await ready(); (await import('./editors/recipe')).register(ctx); });
  onDocuments(ctx, d => d.languageId === 'stratus-context', async () => { (await import('./editors/context')).register(ctx); });

  ctx.ext.subscriptions.push(
    vscode.window.registerUriHandler({
      handleUri: async uri => { await ready(); return (await import('./trees/marketplace')).handleUri(uri); },
    }),
    vscode.workspace.registerTextDocumentContentProvider(ENTRY_SCHEME, {
      provideTextDocumentContent: async uri => { await ready(); return (await import('./commands/marketplace/openMetadata')).entryContent(uri); },
    }),
  );
}
