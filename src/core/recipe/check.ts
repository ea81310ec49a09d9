import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_REQUIRED, IMAGE_REQUIRED_MESSAGES, INSTANCE_TYPES, type Installer } from './fields';
import { checkPackageName, checkRepo, installerForOs } from './installer';
import type { ParsedRecipe, Recipe, RecipeDiagnostic } from './parse';

/** What a configured marketplace knows about a base identifier (the UI/CLI adapts the marketplace API to this). */
export interface BaseInfo {
  title?: string;
  os?: string;
  osVersion?: string;
  /** Where the entry was found, for messages. */
  marketplace?: string;
  /** The signature/trust verdict in words, e.g. 'signed by a trusted endorser' or 'signature invalid: …'. */
  trust?: { ok: boolean; message: string; /** Launches from it are refused (bad signature, expired, deprecated). */ refused?: boolean };
}

export interface CheckOptions {
  /** Folder of the recipe: scripts, context files and file bases are relative to it. */
  recipeDir?: string;
  exists?(absPath: string): boolean;
  /** Marketplace lookup of a 27-character identifier; undefined = not found. Omitted = not checked. */
  lookupBase?(identifier: string): Promise<BaseInfo | undefined> | BaseInfo | undefined;
  /** Extra instance types (user-defined, docs/stratuslab.md#instance-types) besides the default table. */
  instanceTypes?: string[];
  /** Known host ids; omitted = not checked. */
  hosts?: string[];
  /** The user (never the recipe) allows scripts and context files outside the recipe's folder. */
  allowOutsidePaths?: boolean;
}

/** How a user allows paths outside the recipe's folder, for messages. */
export const ALLOW_OUTSIDE_HINT = "keep scripts and context files in the recipe's folder, or allow paths outside it (stratus validate-recipe/create-image --allow-outside-paths, or the setting stratus.build.allowPathsOutsideRecipe)";

/**
 * Where a script or context file of the recipe really is (symlinks resolved), and whether that is outside the
 * recipe's folder: a shared recipe must not copy ~/.ssh/id_rsa or /etc/shadow into a build VM and its image.
 */
export function recipeFile(recipeDir: string, p: string): { abs: string; real?: string; outside: boolean } {
  const abs = path.resolve(recipeDir, p);
  let real: string | undefined, dir: string;
  try { real = fs.realpathSync(abs); } catch { /* missing: reported as such */ }
  try { dir = fs.realpathSync(recipeDir); } catch { dir = path.resolve(recipeDir); }
  const at = real ?? abs;
  return { abs, real, outside: at !== dir && !at.startsWith(dir + path.sep) };
}

/** The file to read at build time: refused when it left the recipe's folder since the check (or was never allowed to). */
export function confinedRecipeFile(recipeDir: string, p: string, allowOutside: boolean | undefined, what: string): string {
  const f = recipeFile(recipeDir, p);
  if (f.outside && !allowOutside) throw new Error(`${what} '${p}' is outside the recipe's folder (it resolves to ${f.real ?? f.abs}): ${ALLOW_OUTSIDE_HINT}.`);
  return f.real ?? f.abs;
}

export type BaseKind = 'identifier' | 'url' | 'volume' | 'file';

export const IDENTIFIER_RE = /^[A-Za-z0-9_-]{27}$/;
const VOLUME_RE = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
/** The XSD pattern of slreq:email (docs/stratuslab.md#metadata-elements), anchored as XSD patterns are. */
export const EMAIL_RE = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$/;

export function classifyBase(base: string): BaseKind {
  if (/^https?:\/\//i.test(base)) return 'url';
  if (VOLUME_RE.test(base)) return 'volume';
  // Near-misses (20–34 base64url characters, no dot) count as identifiers so the length error is the one shown.
  if (/^[A-Za-z0-9_-]{20,34}$/.test(base)) return 'identifier';
  return 'file';
}

/** The installer the build will use: the recipe's, else the one for the OS (recipe `os`, else the base's). */
export function effectiveInstaller(recipe: Recipe, baseOs?: string): Installer | undefined {
  return recipe.installer ?? installerForOs(recipe.os ?? baseOs);
}

/** The syntax/shape diagnostics of `parsed` plus everything a schema can't say. */
export async function checkRecipe(parsed: ParsedRecipe, opts: CheckOptions = {}): Promise<RecipeDiagnostic[]> {
  const out: RecipeDiagnostic[] = [...parsed.diagnostics];
  const { recipe: r } = parsed;
  const exists = opts.exists ?? fs.existsSync;
  const resolve = (p: string) => path.resolve(opts.recipeDir ?? process.cwd(), p);
  const add = (severity: RecipeDiagnostic['severity'], code: string, pathKey: string, message: string, part: 'key' | 'value' = 'value') =>
    out.push({ severity, code, message, range: parsed.rangeOf(pathKey, part) });

  let baseOs: string | undefined;
  if (r.base === undefined || r.base.trim() === '') {
    add('error', 'recipe/base-missing', 'base', "Missing 'base': the Marketplace identifier, URL, image file or volume to start from.");
  } else {
    const kind = classifyBase(r.base);
    if (kind === 'identifier') {
      if (!IDENTIFIER_RE.test(r.base)) {
        add('error', 'recipe/base-identifier', 'base', `'${r.base}' is not a Marketplace identifier: it has ${r.base.length} characters, an identifier has 27 (A–Z a–z 0–9 - _).`);
      } else if (!/^[A-P]/.test(r.base)) {
        add('error', 'recipe/base-identifier', 'base', `'${r.base}' is not a Marketplace identifier: the first character of an identifier is always A–P.`);
      } else if (opts.lookupBase) {
        const info = await opts.lookupBase(r.base);
        if (!info) add('error', 'recipe/base-unknown', 'base', `Image ${r.base} is not in any configured marketplace. Add its metadata to a marketplace, or use an image file or URL.`);
        else {
          baseOs = info.os;
          if (info.trust && !info.trust.ok) add(info.trust.refused ? 'error' : 'warning', 'recipe/base-untrusted', 'base', `Base image ${r.base}${info.title ? ` (${info.title})` : ''}: ${info.trust.message}.`);
        }
      }
    } else if (kind === 'file' && !exists(resolve(r.base))) {
      add('error', 'recipe/base-file', 'base', `Base image file '${r.base}' not found (relative to the recipe's folder).`);
    }
  }

  const knownTypes = [...INSTANCE_TYPES.map(t => t.name), ...(opts.instanceTypes ?? [])];
  if (!knownTypes.includes(r.type)) add('error', 'recipe/type-unknown', 'type', `Unknown instance type: ${r.type}. Known types: ${knownTypes.join(', ')}.`);
  if (opts.hosts && r.host !== undefined && !opts.hosts.includes(r.host)) add('error', 'recipe/host-unknown', 'host', `Unknown host '${r.host}'. Configured hosts: ${opts.hosts.join(', ') || 'none'}.`);

  const installer = effectiveInstaller(r, baseOs);
  const os = r.os ?? baseOs;
  if (r.installer && os && installerForOs(os) && installerForOs(os) !== r.installer) {
    add('warning', 'recipe/installer-os', 'installer', `Installer '${r.installer}' does not fit the base's OS '${os}', which uses ${installerForOs(os)}.`);
  }
  if (!installer && (r.packages.length || r.extraRepos.length)) {
    add('error', 'recipe/installer-unknown', r.installer ? 'installer' : 'packages', os
      ? `Unsupported OS: ${os}. Set 'installer' (apt, yum, dnf, zypper or apk).`
      : "The base's OS is unknown here: set 'installer' (apt, yum, dnf, zypper or apk) or 'os'.", 'key');
  }
  const seen = new Set<string>();
  r.packages.forEach((p, i) => {
    const problem = checkPackageName(p, installer ?? 'yum');
    if (problem && (problem.severity === 'error' || installer)) add(problem.severity, 'recipe/package-name', `packages.${i}`, problem.message);
    if (seen.has(p)) add('warning', 'recipe/package-duplicate', `packages.${i}`, `Package '${p}' is listed twice.`);
    seen.add(p);
  });
  r.extraRepos.forEach((repo, i) => {
    const problem = checkRepo(repo, installer);
    if (problem) add('error', 'recipe/extra-repo', `extra-repos.${i}`, problem);
  });

  r.scripts.forEach((s, i) => {
    const p = parsed.ranges.has(`scripts.${i}.path`) ? `scripts.${i}.path` : `scripts.${i}`;
    const abs = resolve(s.path);
    const where = recipeFile(opts.recipeDir ?? process.cwd(), s.path);
    if (!exists(abs)) add('error', 'recipe/script-missing', p, `Script '${s.path}' not found (relative to the recipe's folder).`);
    else if (where.outside && !opts.allowOutsidePaths) add('error', 'recipe/path-outside', p, `Script '${s.path}' is outside the recipe's folder (it resolves to ${where.real ?? where.abs}): ${ALLOW_OUTSIDE_HINT}.`);
    else if (fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()) add('error', 'recipe/script-missing', p, `Script '${s.path}' is a folder, not a file.`);
    s.args.forEach((a, j) => { if (a.includes('\0')) add('error', 'recipe/script-arg', `scripts.${i}.args.${j}`, 'A script argument cannot contain a NUL character.'); });
  });
  r.context.forEach((c, i) => {
    if (!/^(ssh|none|[a-z][a-z0-9.+-]*)$/.test(c.type)) add('error', 'recipe/context-type', `context.${i}.type`, `'${c.type}' is not a cloud-init part type: use cloud-config, x-shellscript, ssh, none or another text/* subtype.`);
    const where = recipeFile(opts.recipeDir ?? process.cwd(), c.file);
    if (!exists(resolve(c.file))) add('error', 'recipe/context-file', `context.${i}.file`, `Context file '${c.file}' not found (relative to the recipe's folder).`);
    else if (where.outside && !opts.allowOutsidePaths) add('error', 'recipe/path-outside', `context.${i}.file`, `Context file '${c.file}' is outside the recipe's folder (it resolves to ${where.real ?? where.abs}): ${ALLOW_OUTSIDE_HINT}.`);
  });
  r.exclude.forEach((e, i) => {
    if (!/^\/[A-Za-z0-9_.+@%=:,-]+(\/[A-Za-z0-9_.+@%=:,*?-]+)*\/?$/.test(e)) {
      add('error', 'recipe/exclude', `exclude.${i}`, `'${e}' is not an absolute path: use /dir/name, with * or ? only below the first folder, and no spaces or shell characters.`);
    } else if (e.split('/').some(seg => seg === '.' || seg === '..')) {
      // '/bin/../*' is '/*' once the guest's shell resolves it: the whole root file system would be removed
      add('error', 'recipe/exclude', `exclude.${i}`, `'${e}' contains a '.' or '..' folder: write the path it means without them (a path that climbs up can name /, and everything would be removed).`);
    }
  });

  if (r.shutdown) {
    const keyOf = { title: 'title', comment: 'comment', author: 'author', 'author-email': 'authorEmail' } as const;
    for (const k of IMAGE_REQUIRED) {
      const v = r.image[keyOf[k]];
      if (v === undefined || v.trim() === '') add('error', 'recipe/image-required', parsed.ranges.has(`image.${k}`) ? `image.${k}` : 'image', `${IMAGE_REQUIRED_MESSAGES[k].replace(/\.$/, "")} (image.${k}).`, 'key');
    }
  }
  const email = r.image.authorEmail;
  if (email !== undefined && email.trim() !== '' && !EMAIL_RE.test(email)) {
    add('error', 'recipe/email', 'image.author-email', `'${email}' is not a valid e-mail address (name@domain, letters, digits and . _ % + - only).`);
  }
  for (const k of ['title', 'comment', 'author', 'version'] as const) {
    const v = r.image[k];
    if (v !== undefined && /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(v)) add('error', 'recipe/control-char', `image.${k}`, `image.${k} contains control characters, which metadata cannot carry.`);
  }
  return out;
}
