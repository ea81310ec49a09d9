import { DEFAULT_INSTANCE_TYPE, FIELDS, INSTALLER_DOCS, INSTALLERS, INSTANCE_TYPES, type FieldSpec } from './fields';
import type { BaseInfo } from './check';
import type { ParsedRecipe } from './parse';

/** Completion and hover content for recipes, independent of the editor API (the UI maps it). */

export interface RecipeCompletion { label: string; kind: 'field' | 'value'; detail?: string; documentation?: string; insertText?: string }
export interface BaseCandidate extends BaseInfo { identifier: string }

export function instanceTypeDetail(name: string): string | undefined {
  const t = INSTANCE_TYPES.find(x => x.name === name);
  return t && `${t.vcpu} CPU, ${t.memoryMiB} MB RAM, ${t.swapMiB} MB swap${t.name === DEFAULT_INSTANCE_TYPE ? ' (default)' : ''}`;
}

function fieldsAt(parentPath: string): Record<string, FieldSpec> | undefined {
  if (!parentPath) return FIELDS;
  return FIELDS[parentPath]?.children;
}

/**
 * Completions for the cursor at (0-based line, character) of `text`. Works on the raw lines, so it also
 * helps while the document is half-typed and not valid YAML.
 */
export function completionsAt(text: string, line: number, character: number, bases: BaseCandidate[] = []): RecipeCompletion[] {
  const lines = text.split('\n');
  const before = (lines[line] ?? '').slice(0, character);
  const valueMatch = /^(\s*)(?:-\s+)?([A-Za-z-]+):\s+(\S*)$/.exec(before) ?? /^(\s*)(?:-\s+)?([A-Za-z-]+):()$/.exec(before);
  if (valueMatch) {
    const parent = parentKey(lines, line, valueMatch[1].length);
    return valueCompletions(parent ? `${parent}.${valueMatch[2]}` : valueMatch[2], bases);
  }
  const keyMatch = /^(\s*)([A-Za-z-]*)$/.exec(before);
  if (keyMatch) {
    const parent = parentKey(lines, line, keyMatch[1].length);
    if (parent === 'packages' || parent === 'extra-repos' || parent === 'exclude') return [];
    const fields = fieldsAt(parent ?? '');
    if (!fields) return [];
    const present = siblingKeys(lines, line, keyMatch[1].length);
    return Object.entries(fields).filter(([k]) => !present.has(k)).map(([k, spec]) => ({
      label: k, kind: 'field', documentation: spec.doc,
      insertText: spec.kind === 'mapping' ? `${k}:\n${' '.repeat(keyMatch[1].length + 2)}` : spec.kind.endsWith('list') ? `${k}:\n${' '.repeat(keyMatch[1].length)}  - ` : `${k}: `,
    }));
  }
  return [];
}

function valueCompletions(path: string, bases: BaseCandidate[]): RecipeCompletion[] {
  switch (path) {
    case 'type': return INSTANCE_TYPES.map(t => ({ label: t.name, kind: 'value', detail: instanceTypeDetail(t.name) }));
    case 'installer': return INSTALLERS.map(i => ({ label: i, kind: 'value', detail: INSTALLER_DOCS[i] }));
    case 'base': return bases.map(b => ({ label: b.identifier, kind: 'value', detail: [b.title, b.os && `${b.os}${b.osVersion ? ' ' + b.osVersion : ''}`].filter(Boolean).join(' — '), documentation: b.marketplace && `in ${b.marketplace}` }));
    case 'shutdown': return ['true', 'false'].map(v => ({ label: v, kind: 'value' }));
    default:
      if (path.startsWith('sysprep.')) return ['true', 'false'].map(v => ({ label: v, kind: 'value' }));
      return [];
  }
}

/** The key of the mapping that a line indented by `indent` belongs to ('' at top level). */
function parentKey(lines: string[], line: number, indent: number): string | undefined {
  const chain: string[] = [];
  let limit = indent;
  for (let i = line - 1; i >= 0 && limit > 0; i--) {
    const m = /^(\s*)(?:-\s+)?([A-Za-z-]+):\s*(#.*)?$/.exec(lines[i]);
    const ind = /^\s*/.exec(lines[i])![0].length;
    if (lines[i].trim() === '' || lines[i].trim().startsWith('#')) continue;
    if (ind < limit) { if (!m) return undefined; chain.unshift(m[2]); limit = ind; }
  }
  return chain.join('.') || undefined;
}

function siblingKeys(lines: string[], line: number, indent: number): Set<string> {
  const keys = new Set<string>();
  const scan = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      if (lines[i].trim() === '' || lines[i].trim().startsWith('#')) continue;
      const ind = /^\s*/.exec(lines[i])![0].length;
      if (ind < indent) break;
      const m = /^(\s*)([A-Za-z-]+):/.exec(lines[i]);
      if (ind === indent && m) keys.add(m[2]);
    }
  };
  scan(line - 1, -1); scan(line + 1, 1);
  return keys;
}

/** Markdown for a hover at a 1-based position, or undefined. */
export async function hoverAt(parsed: ParsedRecipe, line: number, column: number, lookupBase?: (id: string) => Promise<BaseInfo | undefined> | BaseInfo | undefined): Promise<{ markdown: string; path: string } | undefined> {
  const at = parsed.pathAt(line, column);
  if (!at) return undefined;
  const parts = at.path.split('.');
  const spec = parts.length === 1 ? FIELDS[parts[0]] : FIELDS[parts[0]]?.children?.[parts[1]];
  if (at.onKey) return spec && { markdown: `**${parts.filter(p => !/^\d+$/.test(p)).join('.')}** — ${spec.doc}`, path: at.path };
  if (at.path === 'type') {
    const d = instanceTypeDetail(parsed.recipe.type);
    return { markdown: d ? `Instance type **${parsed.recipe.type}**: ${d}` : `Unknown instance type **${parsed.recipe.type}**`, path: at.path };
  }
  if (at.path === 'installer' && parsed.recipe.installer) return { markdown: `**${parsed.recipe.installer}** — ${INSTALLER_DOCS[parsed.recipe.installer]}`, path: at.path };
  if (at.path === 'base' && parsed.recipe.base && lookupBase) {
    const info = await lookupBase(parsed.recipe.base);
    if (!info) return { markdown: `Image **${parsed.recipe.base}** is not in any configured marketplace.`, path: at.path };
    const lines = [`**${info.title ?? parsed.recipe.base}**`, info.os && `OS: ${info.os}${info.osVersion ? ' ' + info.osVersion : ''}`, info.marketplace && `Marketplace: ${info.marketplace}`, info.trust && `Signature: ${info.trust.message}`];
    return { markdown: lines.filter(Boolean).join('\n\n'), path: at.path };
  }
  return spec && { markdown: spec.doc, path: at.path };
}
