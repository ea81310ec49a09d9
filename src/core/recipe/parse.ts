import type { Node, Pair } from 'yaml';
import type { SourceRange } from '../metadata/types';
import { parseNetworkMode, type NetworkMode } from '../network';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_TIMEOUTS, FIELDS, INSTALLERS, SYSPREP_OPS, type FieldSpec, type Installer, type SysprepOp } from './fields';

export type { SourceRange };

export interface RecipeDiagnostic {
  severity: 'error' | 'warning' | 'info';
  /** Stable code, e.g. 'recipe/package-name'. */
  code: string;
  message: string;
  range: SourceRange;
}

export interface ScriptRef { path: string; args: string[] }
export interface ContextPart { type: string; file: string }

export interface RecipeImage { title?: string; comment?: string; author?: string; authorEmail?: string; version?: string; marketplace?: string }

/** A recipe with every default filled in: what the build runs. */
export interface Recipe {
  base?: string;
  type: string;
  os?: string;
  installer?: Installer;
  packages: string[];
  extraRepos: string[];
  prerecipe?: string;
  recipe?: string;
  scripts: ScriptRef[];
  context: ContextPart[];
  image: RecipeImage;
  exclude: string[];
  sysprep: Record<SysprepOp, boolean>;
  readiness: { check: boolean; require: string[]; waive: string[] };
  timeouts: { vmStart: number; vmPing: number; ssh: number };
  shutdown: boolean;
  host?: string;
  /** The build VM's network; absent = nat. */
  network?: NetworkMode;
}

/** Where each value sits: paths are dotted, list items by index ('scripts.1.args.0', 'image.title'). */
export interface Located { key?: SourceRange; value: SourceRange }

export interface ParsedRecipe {
  text: string;
  recipe: Recipe;
  /** Syntax and shape problems; `checkRecipe` adds the semantic ones. */
  diagnostics: RecipeDiagnostic[];
  ranges: Map<string, Located>;
  /** Range for a diagnostic about `path`: its value, else its key, else the nearest parent, else the first line. */
  rangeOf(path: string, part?: 'key' | 'value'): SourceRange;
  /** The innermost path at a 1-based position, and whether the position is on a key. */
  pathAt(line: number, column: number): { path: string; onKey: boolean } | undefined;
}

const FIRST_LINE: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 2 };

export function parseRecipe(text: string): ParsedRecipe {
  // yaml loads with the first recipe, not when the extension activates
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = require('yaml') as typeof import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  const diagnostics: RecipeDiagnostic[] = [];
  const ranges = new Map<string, Located>();
  const toRange = (start: number, end: number): SourceRange => {
    const a = lc.linePos(start), b = lc.linePos(Math.max(end, start + 1));
    return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  };
  const nodeRange = (n: Node | null | undefined): SourceRange | undefined => (n?.range ? toRange(n.range[0], n.range[1]) : undefined);

  for (const e of [...doc.errors, ...doc.warnings]) {
    diagnostics.push({ severity: doc.errors.includes(e as never) ? 'error' : 'warning', code: 'recipe/yaml', message: e.message.split('\n')[0], range: toRange(e.pos[0], e.pos[1]) });
  }

  const walk = (node: Node | null, path: string, key?: SourceRange) => {
    const value = nodeRange(node) ?? key;
    if (path && value) ranges.set(path, { key, value });
    if (isMap(node)) for (const p of node.items as Pair<Node, Node>[]) {
      const k = isScalar(p.key) ? String(p.key.value) : undefined;
      if (k !== undefined) walk(p.value ?? null, path ? `${path}.${k}` : k, nodeRange(p.key));
    } else if (isSeq(node)) node.items.forEach((it, i) => walk(it as Node, `${path}.${i}`));
  };
  walk(doc.contents as Node | null, '');

  const rangeOf = (path: string, part: 'key' | 'value' = 'value'): SourceRange => {
    for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const r = ranges.get(p);
      if (r) return (part === 'key' && r.key) || (p === path ? r.value : r.key ?? r.value);
    }
    return FIRST_LINE;
  };
  const pathAt = (line: number, column: number) => {
    let best: { path: string; onKey: boolean; size: number } | undefined;
    const inside = (r: SourceRange) => (line > r.line || (line === r.line && column >= r.column)) && (line < r.endLine || (line === r.endLine && column <= r.endColumn));
    const size = (r: SourceRange) => (r.endLine - r.line) * 10000 + (r.endColumn - r.column);
    for (const [path, loc] of ranges) for (const [r, onKey] of [[loc.key, true], [loc.value, false]] as const) {
      if (r && inside(r) && (!best || size(r) < best.size)) best = { path, onKey, size: size(r) };
    }
    return best && { path: best.path, onKey: best.onKey };
  };

  const problem = (path: string, message: string, code = 'recipe/type', part: 'key' | 'value' = 'value') =>
    diagnostics.push({ severity: 'error', code, message, range: rangeOf(path, part) });
  let js: unknown;
  try { js = doc.toJS({ maxAliasCount: MAX_ALIASES }); } catch (e) {
    // yaml refuses a document whose aliases would expand past the limit (a "billion laughs" bomb)
    if (!doc.errors.length) diagnostics.push({ severity: 'error', code: 'recipe/yaml', range: FIRST_LINE,
      message: /alias/i.test((e as Error).message) ? `The recipe repeats YAML aliases (*name) too often (more than ${MAX_ALIASES} expansions): write the values out instead.` : `The recipe cannot be read: ${(e as Error).message.split('\n')[0]}` });
  }
  const recipe = toRecipe(js, text, ranges, problem);
  return { text, recipe, diagnostics, ranges, rangeOf, pathAt };
}

const MAX_ALIASES = 50;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toRecipe(js: unknown, text: string, ranges: Map<string, Located>, problem: (path: string, msg: string, code?: string, part?: 'key' | 'value') => void): Recipe {
  const r: Recipe = {
    type: DEFAULT_INSTANCE_TYPE, packages: [], extraRepos: [], scripts: [], context: [], image: {}, exclude: [],
    sysprep: Object.fromEntries(SYSPREP_OPS.map(o => [o, true])) as Record<SysprepOp, boolean>,
    readiness: { check: true, require: [], waive: [] },
    timeouts: { vmStart: DEFAULT_TIMEOUTS['vm-start'], vmPing: DEFAULT_TIMEOUTS['vm-ping'], ssh: DEFAULT_TIMEOUTS.ssh },
    shutdown: true,
  };
  if (js === undefined || js === null) return r;
  if (!isObj(js)) { problem('', 'A recipe is a YAML mapping of fields (base, packages, scripts, image, …).', 'recipe/not-mapping'); return r; }

  // Numbers and booleans where text is wanted keep their source spelling (version 1.10 stays "1.10").
  const str = (v: unknown, path: string): string | undefined => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') {
      const loc = ranges.get(path);
      return loc ? sourceText(text, loc.value) : String(v);
    }
    if (v !== null && v !== undefined) problem(path, `'${lastKey(path)}' must be text.`);
    return undefined;
  };
  const list = (v: unknown, path: string): string[] => {
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v)) { problem(path, `'${lastKey(path)}' must be a list (one item per line starting with '- ').`); return []; }
    return v.map((x, i) => str(x, `${path}.${i}`)).filter((x): x is string => x !== undefined);
  };
  const unknownKeys = (obj: Record<string, unknown>, spec: Record<string, FieldSpec>, prefix: string) => {
    for (const k of Object.keys(obj)) if (!(k in spec)) {
      const known = Object.keys(spec).join(', ');
      problem(prefix + k, `Unknown field '${k}'. Known fields${prefix ? ` of '${prefix.slice(0, -1)}'` : ''}: ${known}.`, 'recipe/unknown-field', 'key');
    }
  };
  unknownKeys(js, FIELDS, '');

  r.base = str(js.base, 'base');
  r.type = str(js.type, 'type') ?? r.type;
  r.os = str(js.os, 'os');
  const inst = str(js.installer, 'installer');
  if (inst !== undefined) {
    if ((INSTALLERS as readonly string[]).includes(inst)) r.installer = inst as Installer;
    else problem('installer', `Unknown installer '${inst}': use one of ${INSTALLERS.join(', ')}.`, 'recipe/installer');
  }
  r.packages = list(js.packages, 'packages');
  r.extraRepos = list(js['extra-repos'], 'extra-repos');
  r.exclude = list(js.exclude, 'exclude');
  r.prerecipe = str(js.prerecipe, 'prerecipe');
  r.recipe = str(js.recipe, 'recipe');
  r.host = str(js.host, 'host');
  const network = str(js.network, 'network');
  if (network !== undefined) {
    try { r.network = parseNetworkMode(network); } catch (e) { problem('network', (e as Error).message, 'recipe/network'); }
  }

  if (js.scripts !== undefined && js.scripts !== null) {
    if (!Array.isArray(js.scripts)) problem('scripts', "'scripts' must be a list of script paths or {path, args} entries.");
    else js.scripts.forEach((s, i) => {
      const p = `scripts.${i}`;
      if (isObj(s)) {
        unknownKeys(s, { path: FIELDS.base, args: FIELDS.base }, `${p}.`);
        const path = str(s.path, `${p}.path`);
        if (path === undefined) problem(p, "A script entry needs a 'path'.", 'recipe/script-path');
        else r.scripts.push({ path, args: list(s.args, `${p}.args`) });
      } else {
        const path = str(s, p);
        if (path !== undefined) r.scripts.push({ path, args: [] });
      }
    });
  }

  if (js.context !== undefined && js.context !== null) {
    if (!Array.isArray(js.context)) problem('context', "'context' must be a list of {type, file} cloud-init parts.");
    else js.context.forEach((c, i) => {
      const p = `context.${i}`;
      if (!isObj(c)) { problem(p, 'A context part is a mapping: {type: cloud-config, file: user-data.yaml}.'); return; }
      unknownKeys(c, { type: FIELDS.base, file: FIELDS.base }, `${p}.`);
      const type = str(c.type, `${p}.type`), file = str(c.file, `${p}.file`);
      if (type === undefined || file === undefined) problem(p, "A context part needs both 'type' and 'file'.", 'recipe/context-part');
      else r.context.push({ type, file });
    });
  }

  const mapping = (name: string): Record<string, unknown> | undefined => {
    const v = js[name];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) { problem(name, `'${name}' must be a mapping of ${Object.keys(FIELDS[name].children!).join(', ')}.`); return undefined; }
    unknownKeys(v, FIELDS[name].children!, `${name}.`);
    return v;
  };
  const image = mapping('image');
  if (image) {
    r.image = {
      title: str(image.title, 'image.title'), comment: str(image.comment, 'image.comment'), author: str(image.author, 'image.author'),
      authorEmail: str(image['author-email'], 'image.author-email'), version: str(image.version, 'image.version'),
      marketplace: str(image.marketplace, 'image.marketplace'),
    };
  }
  const sysprep = mapping('sysprep');
  if (sysprep) for (const op of SYSPREP_OPS) {
    const v = sysprep[op];
    if (v === undefined || v === null) continue;
    if (typeof v === 'boolean') r.sysprep[op] = v;
    else problem(`sysprep.${op}`, `'sysprep.${op}' must be true or false.`);
  }
  const readiness = mapping('readiness');
  if (readiness) {
    if (readiness.check !== undefined && readiness.check !== null) {
      if (typeof readiness.check === 'boolean') r.readiness.check = readiness.check;
      else problem('readiness.check', "'readiness.check' must be true or false.");
    }
    r.readiness.require = list(readiness.require, 'readiness.require');
    r.readiness.waive = list(readiness.waive, 'readiness.waive');
  }
  const timeouts = mapping('timeouts');
  if (timeouts) for (const [key, field] of [['vm-start', 'vmStart'], ['vm-ping', 'vmPing'], ['ssh', 'ssh']] as const) {
    const v = timeouts[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) r.timeouts[field] = v;
    else problem(`timeouts.${key}`, `'timeouts.${key}' must be a whole number of seconds greater than 0.`, 'recipe/timeout');
  }
  if (js.shutdown !== undefined && js.shutdown !== null) {
    if (typeof js.shutdown === 'boolean') r.shutdown = js.shutdown;
    else problem('shutdown', "'shutdown' must be true or false (false leaves the VM running and saves nothing).");
  }
  return r;
}

function lastKey(path: string): string {
  const parts = path.split('.');
  while (parts.length > 1 && /^\d+$/.test(parts[parts.length - 1])) parts.pop();
  return parts[parts.length - 1] || 'recipe';
}

function sourceText(text: string, r: SourceRange): string {
  const lines = text.split('\n');
  if (r.line !== r.endLine) return lines[r.line - 1].slice(r.column - 1);
  return lines[r.line - 1].slice(r.column - 1, r.endColumn - 1);
}
