import { effectiveInstaller } from '../../core/recipe/check';
import { installPlan } from '../../core/recipe/installer';
import type { Recipe } from '../../core/recipe/parse';
import { sysprepCommands } from '../../core/recipe/sysprep';
import { formatReadiness, parseProbeOutput, verdict } from '../readiness/check';
import { PROBE_SCRIPT } from '../readiness/probe';
import type { GuestSession } from './guest';

// The build steps that only run commands in the guest: they need the recipe and a session, not the Build's state.

export type StepOutcome = string | { skipped: boolean; detail: string };

export interface GuestStepContext {
  recipe: Recipe;
  /** The OS the base's manifest declares (decides the installer when the recipe does not). */
  baseOs?: string;
  /** The open session, connected on first use (a skipped step never connects). */
  guest(): Promise<GuestSession>;
  /** The build's log. */
  out(text: string): void;
  signal?: AbortSignal;
}

export async function runInline(ctx: GuestStepContext, buildId: string, which: 'prerecipe' | 'recipe', content: string): Promise<string> {
  const { signal } = ctx;
  const remote = `/tmp/stratus-${which}-${buildId}.sh`;
  const g = await ctx.guest();
  await g.writeFile(remote, content, { mode: 0o755 }).catch(e => { throw new Error(`An error occurred while uploading ${which}: ${(e as Error).message}`); });
  const argv = content.startsWith('#!') ? [remote] : ['/bin/sh', remote];
  await g.run(argv, which === 'recipe' ? 'An error occurred while executing user recipe.' : 'An error occurred while executing user prerecipe.', { signal, onOutput: ctx.out });
  await g.exec(['rm', '-f', '--', remote]);
  return `Executed ${which} (${content.split('\n').filter(Boolean).length} lines)`;
}

export async function installPackages(ctx: GuestStepContext): Promise<StepOutcome> {
  const { recipe: r, signal, out } = ctx;
  if (!r.packages.length && !r.extraRepos.length) return { skipped: true, detail: 'No packages to install' };
  const installer = effectiveInstaller(r, ctx.baseOs);
  if (!installer) throw new Error(`Unsupported OS: ${r.os ?? ctx.baseOs ?? 'unknown'} (set 'installer' in the recipe)`);
  const plan = installPlan(installer, r.packages, r.extraRepos);
  const g = await ctx.guest();
  if (plan.repoFiles.length || plan.repoCommands.length) out('    Adding extra repositories\n');
  for (const f of plan.repoFiles) await g.writeFile(f.path, f.content, { append: f.append });
  for (const c of plan.repoCommands) await g.run(c, 'An error occurred while adding a repository', { signal, onOutput: out });
  out('    Updating installer\n');
  await g.run(plan.update, 'An error occurred while updating the installer', { signal, onOutput: out });
  if (plan.install) {
    out(`    Installing packages: ${r.packages.join(' ')}\n`);
    await g.run(plan.install, 'An error occurred while installing packages', { signal, onOutput: out });
  }
  return `Installed with ${installer}: ${r.packages.join(', ') || '(repositories only)'}`;
}

export async function sysprep(ctx: GuestStepContext): Promise<StepOutcome> {
  const { recipe, signal, out } = ctx;
  if (!recipe.shutdown) return { skipped: true, detail: 'The VM stays running: nothing is cleaned' };
  const cmds = sysprepCommands(recipe.sysprep, effectiveInstaller(recipe, ctx.baseOs), recipe.exclude);
  if (!cmds.length) return { skipped: true, detail: 'All sysprep operations are off' };
  const g = await ctx.guest();
  for (const c of cmds) await g.run(c.argv, `Sysprep '${c.op}' failed`, { signal, onOutput: out });
  await g.exec(['sync']);
  return cmds.map(c => c.op).join(', ');
}

/** The image-readiness checklist on the prepared guest: required ids fail the build, other failures warn. */
export async function readiness(ctx: GuestStepContext): Promise<StepOutcome> {
  const { recipe, signal, out } = ctx;
  const want = recipe.readiness;
  if (!recipe.shutdown) return { skipped: true, detail: 'The VM stays running: nothing is saved' };
  if (!want.check) return { skipped: true, detail: 'readiness.check is false' };
  const g = await ctx.guest();
  // no keys are expected: sysprep removed the build key, the context adds the user's at each boot
  const r = await g.exec(['env', 'STRATUS_EXPECTED_KEYS=', 'LC_ALL=C', 'sh', '-s'], { signal, input: PROBE_SCRIPT });
  if (r.code !== 0) throw new Error(`The readiness probe failed (exit ${r.code}): ${r.stderr.trim()}`);
  const items = parseProbeOutput(r.stdout);
  out(formatReadiness(items) + '\n');
  const { failing } = verdict(items, { waive: want.waive, require: want.require });
  const required = failing.filter(i => want.require.includes(i.id));
  if (required.length) throw new Error(`Required readiness checks failed: ${required.map(i => `${i.id} (${i.detail})`).join('; ')}`);
  const warned = items.filter(i => (i.status === 'fail' || i.status === 'warn') && !want.waive.includes(i.id));
  return warned.length ? `${items.length - warned.length}/${items.length} ready; warnings: ${warned.map(i => i.id).join(', ')}` : `All ${items.length} readiness items pass`;
}
