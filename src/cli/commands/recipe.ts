import * as fs from 'fs';
import * as path from 'path';
import type { CliCommand, CliIO } from '../command';
import { CliError } from '../command';
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

interface Args { opts: Record<string, string | true>; multi: Record<string, string[]>; pos: string[] }

function parseArgs(args: string[], flags: string[], repeatable: string[] = []): Args {
  const out: Args = { opts: {}, multi: {}, pos: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { out.pos.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
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

function marketplaces(a: Args): { label: string; mp: Marketplace }[] {
  const data = dataLayout();
  const out: { label: string; mp: Marketplace }[] = [{ label: 'local', mp: openMarketplace(undefined, data.marketplace) }];
  const ep = opt(a, 'marketplace-endpoint') ?? process.env.STRATUSLAB_MARKETPLACE_ENDPOINT;
  if (ep) out.push({ label: ep, mp: openMarketplace(ep, data.marketplace) });
  return out;
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
    const a = parseArgs(args, ['force']);
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
    const a = parseArgs(args, ['allow-outside-paths']);
    if (a.pos.length !== 1) throw new CliError('give exactly one recipe file');
    const file = path.resolve(a.pos[0]);
    const text = await fs.promises.readFile(file, 'utf8').catch(() => { throw new CliError(`cannot read ${file}`); });
    const ds = await checkRecipe(parseRecipe(text), { recipeDir: path.dirname(file), lookupBase: marketplaceLookup(marketplaces(a)), allowOutsidePaths: !!a.opts['allow-outside-paths'] });
    for (const d of ds) io.out(`${a.pos[0]}:${d.range.line}:${d.range.column}: ${d.severity}: ${d.message} [${d.code}]`);
    const errors = ds.filter(d => d.severity === 'error').length;
    io.out(errors ? `${errors} error(s)` : `${a.pos[0]}: ok${ds.length ? ` (${ds.length} warning(s))` : ''}`);
    return errors ? 1 : 0;
  },
};

const createImage: CliCommand = {
  name: 'create-image',
  summary: 'Build a new image from a recipe (start the base, install, run scripts, sysprep, save)',
  usage: 'create-image RECIPE [--keep-on-failure] [--log FILE] [--key FILE.pub] [--forward GUESTADDR:GUESTPORT=HOSTPORT]… [--allow-untrusted] [--allow-outside-paths] [--marketplace-endpoint URL]',
  async run(args, io) {
    const a = parseArgs(args, ['keep-on-failure', 'allow-untrusted', 'allow-outside-paths'], ['forward']);
    if (a.pos.length !== 1) throw new CliError('give exactly one recipe file');
    const file = path.resolve(a.pos[0]);
    const logFile = opt(a, 'log');
    const data = dataLayout();
    const build = await prepareBuild(file, {
      data, marketplaces: marketplaces(a), publicKeyFile: opt(a, 'key'),
      guestForwards: (a.multi.forward ?? []).map(parseForward), allowUntrusted: !!a.opts['allow-untrusted'],
      allowOutsidePaths: !!a.opts['allow-outside-paths'],
      onOutput: text => { process.stdout.write(text); if (logFile) fs.appendFileSync(logFile, text); },
    }).catch(e => { if (e instanceof RecipeInvalidError) throw new CliError(e.message); throw e; });
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
      if (a.opts['keep-on-failure'] && rec.instanceId) {
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
  },
};

function report(io: CliIO, steps: { label: string; state: string; durationMs?: number }[]): void {
  for (const s of steps) io.out(`  ${s.state.padEnd(9)} ${((s.durationMs ?? 0) / 1000).toFixed(1).padStart(6)} s  ${s.label}`);
}

export const recipeCommands: CliCommand[] = [newRecipe, validateRecipe, createImage];
