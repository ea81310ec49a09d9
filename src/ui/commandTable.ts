import type { UiContext } from './context';
import { registerCommand } from './services/commands';

/**
 * Every command Stratus contributes, in one table: its id → the module that holds it (loaded on first run, so
 * activation loads none of them) and the plain function it exports, called as fn(ctx, ...args). Registered in
 * one place (registerCommands) through the one wrapper, which logs, shows one error with its fixing action
 * and treats cancellation as silent. `failed` is what the command returns when it fails or is cancelled.
 */
interface Entry { load: () => Promise<object>; fn: string; failed?: unknown }

function cmd<M extends object>(load: () => Promise<M>, fn: keyof M & string, failed?: unknown): Entry {
  return { load, fn, failed };
}

const marketplace = () => import('./commands/marketplace');
const marketplaceView = () => import('./trees/marketplace');
const instances = () => import('./commands/instances');
const volumes = () => import('./commands/volumes');
const metadata = () => import('./commands/metadata');
const recipe = () => import('./commands/recipe');
const hosts = () => import('./commands/hosts');
const context = () => import('./commands/context');
const images = () => import('./commands/images');
const general = () => import('./commands/general');
const firstStart = () => import('./firstStart');
const walkthrough = () => import('./walkthrough');

export const COMMANDS: Record<string, Entry> = {
  'stratus.showLog': cmd(general, 'showLog'),

  'stratus.marketplace.add': cmd(marketplace, 'add'),
  'stratus.marketplace.remove': cmd(marketplace, 'remove'),
  'stratus.marketplace.refresh': cmd(marketplace, 'refresh'),
  'stratus.marketplace.filter': cmd(marketplace, 'filter'),
  'stratus.marketplace.clearFilter': cmd(marketplace, 'clearFilter'),
  'stratus.marketplace.status': cmd(marketplace, 'status'),
  'stratus.marketplace.toggleGroupBy': cmd(marketplace, 'groupBy'),
  'stratus.marketplace.openMetadata': cmd(marketplace, 'openMetadata'),
  'stratus.marketplace.copyIdentifier': cmd(marketplace, 'copyIdentifier'),
  'stratus.marketplace.download': cmd(marketplace, 'download'),
  'stratus.marketplace.verify': cmd(marketplace, 'verify'),
  'stratus.marketplace.launch': cmd(marketplace, 'launch'),
  'stratus.marketplace.deprecate': cmd(marketplace, 'deprecate'),
  'stratus.metadata.upload': cmd(marketplace, 'upload'),
  'stratus.marketplace.editEndpoints': cmd(marketplace, 'editEndpoints'),
  'stratus.marketplace.revealEntry': cmd(marketplaceView, 'revealEntry'),
  'stratus.marketplace.publishBaseImage': cmd(firstStart, 'publishBaseImageCommand'),
  'stratus.localBuilder.untrust': cmd(firstStart, 'untrustLocalBuilder'),
  'stratus.localBuilder.trust': cmd(firstStart, 'trustLocalBuilder'),

  'stratus.instances.launch': cmd(instances, 'launch'),
  'stratus.instances.openSshTerminal': cmd(instances, 'openSshTerminal'),
  'stratus.instances.copyIp': cmd(instances, 'copyIp'),
  'stratus.instances.showConsoleLog': cmd(instances, 'showConsoleLog'),
  'stratus.instances.shutdown': cmd(instances, 'shutdown'),
  'stratus.instances.kill': cmd(instances, 'kill', false),
  'stratus.instances.remove': cmd(instances, 'remove'),
  'stratus.instances.attachVolume': cmd(instances, 'attachVolume'),
  'stratus.instances.refresh': cmd(instances, 'refresh'),
  'stratus.instances.openPort': cmd(instances, 'openPort'),
  'stratus.instances.copyPortUrl': cmd(instances, 'copyPortUrl'),
  'stratus.instances.openWebPage': cmd(walkthrough, 'openWebPage'),

  'stratus.volumes.create': cmd(volumes, 'create'),
  'stratus.volumes.delete': cmd(volumes, 'deleteVolume', false),
  'stratus.volumes.copyOnWrite': cmd(volumes, 'copyOnWrite'),
  'stratus.volumes.export': cmd(volumes, 'exportVolumeCommand'),
  'stratus.volumes.attach': cmd(volumes, 'attach'),
  'stratus.volumes.detach': cmd(volumes, 'detach', false),
  'stratus.volumes.refresh': cmd(volumes, 'refresh'),

  'stratus.metadata.sign': cmd(metadata, 'sign'),
  'stratus.metadata.verify': cmd(metadata, 'verify'),
  'stratus.metadata.generateCertificate': cmd(metadata, 'generateCertificateCommand'),
  'stratus.metadata.build': cmd(metadata, 'buildMetadataCommand'),
  'stratus.metadata.validate': cmd(metadata, 'validate'),
  'stratus.metadata.recomputeFromImage': cmd(metadata, 'recompute', false),

  'stratus.recipe.new': cmd(recipe, 'newRecipe'),
  'stratus.recipe.createImage': cmd(recipe, 'createImage'),
  'stratus.build.openLog': cmd(recipe, 'openLog'),
  'stratus.build.cancel': cmd(recipe, 'cancel'),
  'stratus.build.retry': cmd(recipe, 'retry'),
  'stratus.build.resume': cmd(recipe, 'resume'),
  'stratus.build.discard': cmd(recipe, 'discard'),
  'stratus.build.cleanup': cmd(recipe, 'cleanup'),
  'stratus.build.sshTerminal': cmd(recipe, 'sshTerminal'),
  'stratus.builds.refresh': cmd(recipe, 'refresh'),

  'stratus.hosts.add': cmd(hosts, 'add'),
  'stratus.hosts.remove': cmd(hosts, 'remove'),
  'stratus.hosts.reconnect': cmd(hosts, 'reconnect', false),
  'stratus.hosts.check': cmd(hosts, 'check'),
  'stratus.hosts.selectActive': cmd(hosts, 'selectActive'),

  'stratus.context.prepare': cmd(context, 'prepareContext'),
  'stratus.images.import': cmd(images, 'importImageCommand'),
  'stratus.images.checkReadiness': cmd(images, 'checkReadiness'),

  'stratus.walkthrough.launchBase': cmd(walkthrough, 'launchBase'),
  'stratus.walkthrough.openSsh': cmd(walkthrough, 'openSsh'),
  'stratus.walkthrough.buildSample': cmd(walkthrough, 'buildSample'),
  'stratus.walkthrough.publishBuilt': cmd(walkthrough, 'publishBuilt'),
  'stratus.walkthrough.launchBuilt': cmd(walkthrough, 'launchBuilt'),
  'stratus.walkthrough.open': cmd(walkthrough, 'openWalkthrough'),
};

/**
 * Registers every command of the table. `ready` runs before each (once in effect): what every area needs
 * (default trust, hosts, the marketplaces) is set up on the first command, not at activation.
 */
export function registerCommands(ctx: UiContext, ready: () => Promise<unknown>): void {
  for (const [id, e] of Object.entries(COMMANDS)) {
    ctx.ext.subscriptions.push(registerCommand(id, async (...args: unknown[]) => {
      const [mod] = await Promise.all([e.load(), ready()]);
      return ((mod as Record<string, (c: UiContext, ...a: unknown[]) => unknown>)[e.fn])(ctx, ...args);
    }, { failed: e.failed }));
  }
}
