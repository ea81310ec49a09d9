import * as fs from 'fs';
import * as path from 'path';
import { parseArgs as utilParseArgs } from 'util';
import type { CliCommand, CliIO } from '../command';
import { CliError, inputError } from '../command';
import { remoteEndpoints, remoteMetadataFetcher } from '../../backend/marketplace/sources';
import { hasRecipeFlags, RECIPE_FLAG_OPTIONS, recipeFromFlags } from './createImageFlags';
import { dataLayout } from '../../backend/paths';
import { openMarketplace } from '../../backend/marketplace/open';
import type { Marketplace } from '../../backend/marketplace/marketplace';
import { RecipeInvalidError } from '../../backend/build/build';
import { marketplaceLookup } from '../../backend/build/lookup';
import { prepareBuild } from '../../backend/build/setup';
import type { GuestForward } from '../../backend/kvm/types';
import { checkRecipe } from '../../core/recipe/check';
import { parseRecipe } from '../../core/recipe/parse';
import { recipeTemplate } from '../../core/recipe/template';
import { buildCacheCommand } from './buildCache';

interface Args { opts: Record<string, string | true>; multi: Record<string, string[]>; pos: string[] }

function parseArgs(args: string[], flags: string[], repeatable: string[] = [], valued: string[] = []): Args {
  const out: Args = { opts: {}, multi: {}, pos: [] };
  const known = new Set([...flags, ...repeatable, ...valued]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { out.pos.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!known.has(name)) throw new CliError(`unknown option --${name}`);
    let value: string | true;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (flags.includes(name)) value = true;
    else { if (i + 1 >= args.length) throw new CliError(`--${name} needs a value`); value = args[++i]; }
    if (repeatable.includes(name) && typeof value === 'string') (out.multi[name] ??= []).push(value);
    else out.opts[name] = value;
  }
  return out;
}
const opt = (a: Args, name: string) => (typeof a.opts[name] === 'string' ? (a.opts[name] as string) : undefined);

function marketplaces(endpoints: string[]): { label: string; mp: Marketplace }[] {
  const data = dataLayout();
  const out: { label: string; mp: Marketplace }[] = [{ label: 'local', mp: openMarketplace(undefined, data.marketplace) }];
  for (const ep of endpoints) {
    try { out.push({ label: ep, mp: openMarketplace(ep, data.marketplace) }); } catch (e) { throw new CliError(`--marketplace-endpoint: ${(e as Error).message}`); }
  }
  return out;
}

type Values = Record<string, string | boolean | string[] | undefined>;
function strictOpts(args: string[], options: NonNullable<Parameters<typeof utilParseArgs>[0]>['options']): { values: Values; positionals: string[] } {
  try { return utilParseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] }; } catch (e) { throw new CliError((e as Error).message); }
}

/** `GUESTADDR:GUESTPORT=HOSTPORT`, e.g. 10.0.2.100:8080=8080 (a package repository on this machine's loopback). */
export function parseForward(v: string): GuestForward {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})=(\d{1,5})$/.exec(v);
  if (!m) throw new CliError(`--forward ${v}: expected GUESTADDR:GUESTPORT=HOSTPORT, e.g. 10.0.2.100:8080=8080`);
  return { guestAddr: m[1], guestPort: Number(m[2]), hostPort: Number(m[3]) };
}

const newRecipe: CliCommand = {
  name: 'new-recipe',
  summary: 'Write a commented image recipe (default ./stratus-recipe.yaml)',
  usage: 'new-recipe [FILE] [--force] [--base ID] [--author NAME] [--author-email EMAIL]',
  async run(args, io) {
    const a = parseArgs(args, ['force'], [], ['base', 'author', 'author-email']);
    const file = path.resolve(a.pos[0] ?? 'stratus-recipe.yaml');
    if (fs.existsSync(file) && !a.opts.force) throw new CliError(`${file} exists; use --force to overwrite it`);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, recipeTemplate({ base: opt(a, 'base'), author: opt(a, 'author'), email: opt(a, 'author-email') }));
    await fs.promises.rename(tmp, file);
    io.out(`Wrote ${file}. Edit it, then: stratus validate-recipe ${path.basename(file)} && stratus create-image ${path.basename(file)}`);
    return 0;
  },
};

const validateRecipe: CliCommand = {
  name: 'validate-recipe',
  summary: 'Check an image recipe: schema, base image, scripts, e-mail, packages',
  usage: 'validate-recipe FILE [--marketplace-endpoint URL] [--allow-outside-paths]',
  async run(args, io) {
    const a = parseArgs(args, ['allow-outside-paths'], [], ['marketplace-endpoint']);
    if (a.pos.length !== 1) throw new CliError('give exactly one recipe file');
    const file = path.resolve(a.pos[0]);
    const text = await fs.promises.readFile(file, 'utf8').catch(() => { throw new CliError(`cannot read ${file}`); });
    const ds = await checkRecipe(parseRecipe(text), { recipeDir: path.dirname(file), lookupBase: marketplaceLookup(marketplaces(remoteEndpoints(opt(a, 'marketplace-endpoint'), process.env.STRATUSLAB_MARKETPLACE_ENDPOINT))), allowOutsidePaths: !!a.opts['allow-outside-paths'] });
    for (const d of ds) io.out(`${a.pos[0]}:${d.range.line}:${d.range.column}: ${d.severity}: ${d.message} [${d.code}]`);
    const errors = ds.filter(d => d.severity === 'error').length;
    io.out(errors ? `${errors} error(s)` : `${a.pos[0]}: ok${ds.length ? ` (${ds.length} warning(s))` : ''}`);
    return errors ? 1 : 0;
  },
};

const createImage: CliCommand = {
  name: 'create-image',
  summary: 'Build a new image from a recipe, or from the original flags and a base image id (start the base, install, run scripts, sysprep, save)',
  usage: 'create-image RECIPE.yaml [options]\n' +
    '  create-image --resume RECIPE.yaml   continue the last interrupted build of the recipe from its last checkpoint\n' +
    '  create-image BASE-ID -s|--scripts FILE[,FILE…] -a|--packages P1,P2 [-t|--type TYPE] --title T --comment C --author A --author-email E\n' +
    '    [--image-version V] [--os OS] [--installer apt|yum|dnf|zypper|apk] [--extra-os-repos REPO[,REPO…]] [--exclude PATH[,PATH…]]\n' +
    '    [--no-shutdown] [--vm-start-timeout S] [--vm-ping-timeout S] [--ssh-timeout S] [--marketplace-endpoint-newimage URL] [--save-recipe FILE]\n' +
    '  options: [--keep-on-failure] [--log FILE] [-k|--key FILE.pub] [--forward GUESTADDR:GUESTPORT=HOSTPORT]… [--allow-untrusted] [--allow-outside-paths]\n' +
    '    [--marketplace-endpoint URL]…\n' +
    '  The flags make the same recipe as the file form; --save-recipe writes it so the build can be repeated with the file.',
  async run(args, io) {
    const { values, positionals } = strictOpts(args, {
      ...RECIPE_FLAG_OPTIONS, 'save-recipe': { type: 'string' }, 'keep-on-failure': { type: 'boolean' }, log: { type: 'string' },
      key: { type: 'string', short: 'k' }, forward: { type: 'string', multiple: true }, 'allow-untrusted': { type: 'boolean' },
      'allow-outside-paths': { type: 'boolean' }, 'marketplace-endpoint': { type: 'string', multiple: true }, resume: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new CliError('give exactly one recipe file, or the base image id with the image flags (-s, -a, --title …)');
    const arg = positionals[0];
    const isRecipe = /\.ya?ml$/i.test(arg) && fs.existsSync(arg);
    if (values.resume && !isRecipe) throw inputError(`--resume needs the recipe file of the interrupted build (stratus create-image --resume RECIPE.yaml)`);
    if (isRecipe && hasRecipeFlags(values)) throw new CliError(`${arg} is a recipe: put the image flags into it (or give a base image id with the flags)`);
    if (!isRecipe && /\.ya?ml$/i.test(arg)) throw inputError(`cannot read the recipe ${path.resolve(arg)} — check the path`);
    let file: string, temp: string | undefined;
    if (isRecipe) file = path.resolve(arg);
    else {
      // the recipe of the flags: written where the user asks (--save-recipe) or, for this build only, beside the scripts (the current folder)
      const saveAs = values['save-recipe'] as string | undefined;
      file = path.resolve(saveAs ?? `.stratus-create-image-${process.pid}.yaml`);
      if (!saveAs) temp = file;
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, recipeFromFlags(arg, values, path.dirname(file)));
      await fs.promises.rename(tmp, file);
      if (saveAs) io.err(`Recipe written: ${file} (stratus create-image ${path.relative(process.cwd(), file) || file} builds the same image)`);
    }
    try {
      return await buildRecipe(file, values, io, !isRecipe);
    } finally {
      if (temp) await fs.promises.rm(temp, { force: true });
    }
  },
};

async function buildRecipe(file: string, values: Values, io: CliIO, fromFlags: boolean): Promise<number> {
  const logFile = values.log as string | undefined;
  const data = dataLayout();
  const endpoints = remoteEndpoints(values['marketplace-endpoint'] as string[] | undefined, process.env.STRATUSLAB_MARKETPLACE_ENDPOINT);
  const build = await prepareBuild(file, {
    data, marketplaces: marketplaces(endpoints), publicKeyFile: values.key as string | undefined,
    guestForwards: ((values.forward as string[] | undefined) ?? []).map(parseForward), allowUntrusted: !!values['allow-untrusted'],
    allowOutsidePaths: !!values['allow-outside-paths'],
    fetchMetadata: remoteMetadataFetcher(endpoints, ep => io.err(`Base image metadata from marketplace ${ep}`)),
    onOutput: text => { process.stdout.write(text); if (logFile) fs.appendFileSync(logFile, text); },
    resume: !!values.resume,
  }).catch(e => {
    if (values.resume && /^No interrupted build/.test((e as Error).message)) throw inputError((e as Error).message);
    if (!(e instanceof RecipeInvalidError)) throw e;
    if (!fromFlags) throw inputError(e.message);
    // the recipe was made from the flags: name the flags, not lines of a file the user never wrote
    const flag = (k: string) => `--${({ version: 'image-version', marketplace: 'marketplace-endpoint-newimage', 'extra-repos': 'extra-os-repos', base: 'the base image argument' } as Record<string, string>)[k] ?? k}`.replace('--the', 'the');
    const msgs = e.diagnostics.filter(d => d.severity === 'error').map(d => d.message.replace(/\.$/, '').replace(/\((?:image\.)?([a-z-]+)\)/g, (_m, k: string) => `(${flag(k)})`));
    throw inputError(`${msgs.join('; ')} — fix the options and run again`);
  });
  const ac = new AbortController();
  const onSig = () => { io.err('\nCancelling…'); ac.abort(); };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const rec = await build.run(ac.signal);
    if (rec.status === 'succeeded') {
      report(io, build.record.steps);
      if (rec.result) io.out(`New image ${rec.result.imageId}\n  image: ${rec.result.imagePath}${rec.result.metadataPath ? `\n  draft metadata: ${rec.result.metadataPath}` : ''}`);
      else io.out(`Machine ready for use (instance ${rec.instanceId}). Remember to stop the machine when finished.`);
      io.out(`Build log: ${rec.logPath}`);
      return 0;
    }
    report(io, build.record.steps);
    if (values['keep-on-failure'] && rec.instanceId) {
      build.keep();
      io.err(`Build ${rec.status} at "${build.step(rec.failedStep!).label}"; the VM is kept running: instance ${rec.instanceId}. Log: ${rec.logPath}`);
    } else {
      await build.cleanup();
      io.err(`Build ${rec.status} at "${rec.failedStep ? build.step(rec.failedStep).label : '?'}"; the build VM was removed. Log: ${rec.logPath}`);
    }
    return rec.status === 'cancelled' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

function report(io: CliIO, steps: { label: string; state: string; durationMs?: number }[]): void {
  for (const s of steps) io.out(`  ${s.state.padEnd(9)} ${((s.durationMs ?? 0) / 1000).toFixed(1).padStart(6)} s  ${s.label}`);
}

export const recipeCommands: CliCommand[] = [newRecipe, validateRecipe, createImage, buildCacheCommand];
