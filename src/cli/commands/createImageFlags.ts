// stratus-create-image as the original: flags and the base image id → the equivalent recipe (same build).
import * as path from 'path';
import { stringify } from 'yaml';
import { CliError } from '../command';

type Values = Record<string, string | boolean | string[] | undefined>;

/** Options of the original create-image that describe the image (they make a recipe). */
export const RECIPE_FLAG_OPTIONS = {
  scripts: { type: 'string', short: 's', multiple: true },
  packages: { type: 'string', short: 'a', multiple: true },
  type: { type: 'string', short: 't' },
  title: { type: 'string' }, comment: { type: 'string' }, author: { type: 'string' }, 'author-email': { type: 'string' },
  'image-version': { type: 'string' }, os: { type: 'string' }, installer: { type: 'string' },
  'extra-os-repos': { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
  'no-shutdown': { type: 'boolean' }, 'vm-start-timeout': { type: 'string' }, 'vm-ping-timeout': { type: 'string' }, 'ssh-timeout': { type: 'string' },
  'marketplace-endpoint-newimage': { type: 'string' },
} as const;

const list = (v: unknown): string[] => ((v as string[] | undefined) ?? []).flatMap(x => x.split(',')).map(x => x.trim()).filter(Boolean);

function seconds(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--${flag} must be a positive number of seconds, not '${v}'`);
  return n;
}

/** True when any recipe-making flag was given (then the argument is a base image, not a recipe file). */
export function hasRecipeFlags(values: Values): boolean {
  return Object.keys(RECIPE_FLAG_OPTIONS).some(k => values[k] !== undefined);
}

/**
 * The recipe the flags stand for, as YAML. Script paths (given relative to the current folder, as the
 * original read them) are written relative to `recipeDir`, the folder the recipe file will be in.
 */
export function recipeFromFlags(base: string, values: Values, recipeDir: string, cwd = process.cwd()): string {
  const scripts = ((values.scripts as string[] | undefined) ?? []).flatMap(s => s.split(',')).map(s => s.trim()).filter(Boolean).map(entry => {
    // each entry may carry arguments after a space: "setup.sh arg1 arg2"
    const [file, ...args] = entry.split(/\s+/);
    const rel = path.relative(recipeDir, path.resolve(cwd, file)) || file;
    const p = rel.split(path.sep).join('/');
    return args.length ? { path: p, args } : p;
  });
  const timeouts: Record<string, number> = {};
  for (const [flag, key] of [['vm-start-timeout', 'vm-start'], ['vm-ping-timeout', 'vm-ping'], ['ssh-timeout', 'ssh']] as const) {
    const n = seconds(values[flag], flag);
    if (n !== undefined) timeouts[key] = n;
  }
  const image: Record<string, string> = {};
  for (const [flag, key] of [['title', 'title'], ['comment', 'comment'], ['author', 'author'], ['author-email', 'author-email'], ['image-version', 'version'], ['marketplace-endpoint-newimage', 'marketplace']] as const) {
    if (typeof values[flag] === 'string') image[key] = values[flag] as string;
  }
  const recipe: Record<string, unknown> = { base };
  if (values.type) recipe.type = values.type;
  if (values.os) recipe.os = values.os;
  if (values.installer) recipe.installer = values.installer;
  if (list(values.packages).length) recipe.packages = list(values.packages);
  if (list(values['extra-os-repos']).length) recipe['extra-repos'] = list(values['extra-os-repos']);
  if (scripts.length) recipe.scripts = scripts;
  recipe.image = image;
  if (list(values.exclude).length) recipe.exclude = list(values.exclude);
  if (Object.keys(timeouts).length) recipe.timeouts = timeouts;
  if (values['no-shutdown']) recipe.shutdown = false;
  return `# Made by: stratus create-image ${base} with flags (the same build as this recipe)\n${stringify(recipe)}`;
}
