import type { ListedEntry } from './query';

export type GroupBy = 'os' | 'endorser';

export interface EntryGroup { label: string; entries: ListedEntry[] }

/** Groups for the Marketplace tree: by OS or by endorser e-mail, groups and entries sorted for display. */
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export function groupEntries(entries: readonly ListedEntry[], by: GroupBy): EntryGroup[] {
  const groups = new Map<string, ListedEntry[]>();
  for (const e of entries) {
    const label = (by === 'os' ? e.summary.os : e.key.email) || (by === 'os' ? '(no OS)' : '(no endorser)');
    let g = groups.get(label);
    if (!g) groups.set(label, (g = []));
    g.push(e);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => collator.compare(a, b))
    .map(([label, list]) => ({ label, entries: list.sort((x, y) => collator.compare(entryLabel(x), entryLabel(y)) || (x.key.created < y.key.created ? 1 : -1)) }));
}

export function entryLabel(e: ListedEntry): string {
  return e.summary.title || e.key.identifier;
}

/** "OS version/arch · version", e.g. "9.3/i686 · 1.0". */
export function entryDescription(e: ListedEntry): string {
  const s = e.summary;
  const osPart = [s.osVersion, s.osArch].filter(Boolean).join('/');
  return [osPart, s.version ? `v${s.version}` : ''].filter(Boolean).join(' · ');
}
