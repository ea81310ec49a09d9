import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { classifyBase, confinedRecipeFile, effectiveInstaller } from '../../core/recipe/check';
import type { Recipe } from '../../core/recipe/parse';
import { checkpointKeys, type CheckpointUnit } from './cache';
import type { StepId } from './steps';

/** A disk-changing step whose result is checkpointed. */
export interface Unit extends CheckpointUnit { step: StepId; script?: number }

/** The base's identity in checkpoint keys: its identifier, or a file's path, size and modification time. */
async function baseIdentity(recipe: Recipe, recipeDir: string): Promise<string> {
  const base = recipe.base!;
  const kind = classifyBase(base);
  if (kind !== 'file') return `${kind}:${base}`;
  const abs = path.resolve(recipeDir, base);
  const st = await fs.promises.stat(abs);
  return `file:${abs}:${st.size}:${Math.round(st.mtimeMs)}`;
}

/** The disk-changing steps with everything that decides what they write (scripts by content, not by path), and their checkpoint keys. */
export async function planUnits(r: Recipe, recipeDir: string, allowOutsidePaths: boolean | undefined, baseOs: string | undefined): Promise<{ units: Unit[]; keys: string[] }> {
  const u: Unit[] = [];
  if (r.prerecipe) u.push({ step: 'prerecipe', label: 'prerecipe', inputs: { prerecipe: r.prerecipe } });
  if (r.packages.length || r.extraRepos.length) u.push({ step: 'packages', label: 'packages', inputs: { packages: r.packages, repos: r.extraRepos, installer: effectiveInstaller(r, baseOs) ?? null } });
  if (r.recipe) u.push({ step: 'recipe', label: 'recipe', inputs: { recipe: r.recipe } });
  for (const [j, sc] of r.scripts.entries()) {
    const content = await fs.promises.readFile(confinedRecipeFile(recipeDir, sc.path, allowOutsidePaths, 'Script'));
    u.push({ step: 'scripts', script: j, label: `script ${sc.path}`, inputs: { script: createHash('sha256').update(content).digest('hex'), name: path.basename(sc.path), args: sc.args } });
  }
  // what the first boot writes (the context's user-data) is part of every checkpoint
  const boot: string[] = [];
  for (const c of r.context) if (c.type !== 'ssh') boot.push(c.type, createHash('sha256').update(await fs.promises.readFile(confinedRecipeFile(recipeDir, c.file, allowOutsidePaths, 'Context file'))).digest('hex'));
  return { units: u, keys: checkpointKeys(JSON.stringify([await baseIdentity(r, recipeDir), boot]), u) };
}

/** Host names the build will need the guest to resolve (the recipe's extra repositories; IP literals need nothing). */
export function namesToResolve(recipe: Recipe): string[] {
  const names = new Set<string>();
  for (const repo of recipe.extraRepos) for (const m of repo.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]*@)?([^/:\s\]]+)/gi)) {
    if (!/^[\d.]+$|:/.test(m[1])) names.add(m[1].toLowerCase());
  }
  return [...names];
}
