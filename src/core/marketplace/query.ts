import type { MetadataSummary } from '../metadata/types';
import { EntryKey, isoSeconds, classifySegment } from './keys';

/** One stored entry as the listing sees it: its key, its indexed fields, and whether it is a private draft. */
export interface ListedEntry {
  key: EntryKey;
  summary: MetadataSummary;
  /** Drafts from a saved instance (docs/stratuslab.md#drafts): kept locally, never served to others. */
  private?: boolean;
}

export type Status = 'valid' | 'expired' | 'deprecated';
export type LocationFilter = 'all' | 'web' | 'pdisk';

/** The original's list parameters (docs/stratuslab.md#marketplace-api), plus friendly names for the per-column filters. */
export interface ListQuery {
  status?: Status;
  location?: LocationFilter;
  identifier?: string;
  email?: string;
  created?: string;
  /** Case-insensitive literal text on one column each (sSearch_1..5); never compiled as regexes. */
  os?: string; osVersion?: string; arch?: string; endorser?: string; kind?: string;
  /** Free text (sSearch): every word must match one of the listed columns. */
  text?: string;
  start?: number;
  length?: number;
  /** DataTables column number (see COLUMNS); default 6 = created. */
  sortColumn?: number;
  sortDir?: 'asc' | 'desc';
}

/** aaData column order of the JSON list; index 0 is the DataTables details column. */
export const COLUMNS = ['', 'os', 'osversion', 'arch', 'email', 'kind', 'created', 'identifier', 'location', 'description', 'title'] as const;

export function row(e: ListedEntry): string[] {
  const s = e.summary;
  const v = (x: string | undefined) => (x === undefined ? 'null' : x);
  return ['', v(s.os), v(s.osVersion), v(s.osArch), v(e.key.email), v(s.kind), e.key.created, e.key.identifier, v(s.locations[0]), v(s.description), v(s.title)];
}

/** Listable only with identifier, valid, endorsement created and e-mail (the server's mandatory WHERE block). */
export function listable(e: ListedEntry): boolean {
  return !!(e.key.identifier && e.summary.valid && e.key.created && e.key.email);
}

export function statusOf(s: MetadataSummary, now: string): Status | undefined {
  if (s.deprecated !== undefined) return 'deprecated';
  if (!s.valid) return undefined;
  if (s.valid > now) return 'valid';
  if (s.valid < now) return 'expired';
  return undefined;   // valid == now: neither '>' nor '<' in the original query
}

/**
 * A case-insensitive literal matcher. The original compiled these fields as regular expressions; from user input
 * that lets one search (`(.*){10}Q`) spin the server for seconds, so the text is matched as text.
 */
function literal(text: string): { test(s: string): boolean } {
  const needle = text.toLowerCase();
  return { test: (s: string) => s.toLowerCase().includes(needle) };
}

function locationOk(s: MetadataSummary, f: LocationFilter | undefined): boolean {
  if (!f || f === 'all') return true;
  if (f === 'web') return s.locations.length === 0 || s.locations.some(l => /^(https?|ftp):\/\/.*$/.test(l));
  return s.locations.some(l => /^pdisk/.test(l));
}

/** Keeps the newest entry per (identifier, e-mail): the original's `latest` tag. */
export function latestOnly<T extends ListedEntry>(entries: readonly T[]): T[] {
  const best = new Map<string, T>();
  for (const e of entries) {
    const k = `${e.key.identifier}\u0000${e.key.email}`;
    const cur = best.get(k);
    if (!cur || e.key.created > cur.key.created) best.set(k, e);
  }
  return [...best.values()];
}

function sortValue(e: ListedEntry, col: number): string {
  return row(e)[col] ?? '';
}

/** Applies the original's list query (docs/stratuslab.md#marketplace-api): latest-only unless `created` is given, then status, location, equality and literal text filters, sort, page. */
export function applyQuery<T extends ListedEntry>(entries: readonly T[], q: ListQuery, now: Date = new Date()): { total: number; matched: number; page: T[] } {
  const nowS = isoSeconds(now);
  const status = q.status ?? 'valid';
  const base = q.created ? entries : latestOnly(entries);
  const cols: Array<[number, { test(s: string): boolean }]> = [];
  const add = (i: number, v?: string) => { if (v) cols.push([i, literal(v)]); };
  add(1, q.os); add(2, q.osVersion); add(3, q.arch); add(4, q.endorser); add(5, q.kind);
  const words = (q.text ?? '').split(/\s+/).filter(Boolean).map(literal);
  const searchCols = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const matched = base.filter(e => {
    if (!listable(e)) return false;
    if (statusOf(e.summary, nowS) !== status) return false;
    if (!locationOk(e.summary, q.location)) return false;
    if (q.identifier && e.key.identifier !== q.identifier) return false;
    if (q.email && e.key.email !== q.email) return false;
    if (q.created && e.key.created !== q.created) return false;
    if (!cols.length && !words.length) return true;
    const r = row(e);
    if (!cols.every(([i, re]) => re.test(r[i]))) return false;
    return words.every(w => searchCols.some(i => w.test(r[i])));
  });
  const col = q.sortColumn ?? 6;
  const dir = q.sortDir === 'desc' ? -1 : 1;
  // Sort keys computed once per row, not per comparison (10,000 entries).
  const keyed = matched.map(e => ({ e, k: col === 6 ? e.key.created : sortValue(e, col) }));
  keyed.sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : 0));
  const start = Math.max(0, q.start ?? 0);
  const sorted = keyed.map(x => x.e);
  const page = q.length !== undefined && q.length >= 0 ? sorted.slice(start, start + q.length) : sorted.slice(start);
  return { total: entries.length, matched: matched.length, page };
}

/** True when the query narrows the list (the XML form then answers 404 on no match). */
export function hasFilters(q: ListQuery): boolean {
  return !!(q.identifier || q.email || q.created || q.os || q.osVersion || q.arch || q.endorser || q.kind || q.text || q.status || (q.location && q.location !== 'all'));
}

/** Reads the original's query parameters (and the friendly aliases) plus /metadata/{a}/{b} path segments. */
export function parseQuery(params: URLSearchParams, segments: string[] = []): ListQuery {
  const q: ListQuery = {};
  const get = (...names: string[]) => { for (const n of names) { const v = params.get(n); if (v !== null && v !== '') return v; } return undefined; };
  const st = get('status');
  if (st) {
    if (st !== 'valid' && st !== 'expired' && st !== 'deprecated') throw new QueryError(`invalid status '${st}': use valid, expired or deprecated`);
    q.status = st;
  }
  const loc = get('location');
  if (loc) {
    if (loc !== 'all' && loc !== 'web' && loc !== 'pdisk') throw new QueryError(`invalid location '${loc}': use all, web or pdisk`);
    q.location = loc;
  }
  q.identifier = get('identifier'); q.email = get('email'); q.created = get('created');
  for (const seg of segments) q[classifySegment(seg)] = seg;
  q.os = get('sSearch_1', 'os'); q.osVersion = get('sSearch_2', 'osversion'); q.arch = get('sSearch_3', 'arch');
  q.endorser = get('sSearch_4', 'endorser'); q.kind = get('sSearch_5', 'kind'); q.text = get('sSearch', 'q');
  const int = (n: string) => { const v = get(n); if (v === undefined) return undefined; const i = Number(v); if (!Number.isInteger(i) || i < 0) throw new QueryError(`${n} must be a non-negative integer`); return i; };
  q.start = int('iDisplayStart'); q.length = int('iDisplayLength'); q.sortColumn = int('iSortCol_0');
  const dir = get('sSortDir_0');
  if (dir) q.sortDir = dir.toLowerCase() === 'desc' ? 'desc' : 'asc';
  for (const k of Object.keys(q) as Array<keyof ListQuery>) if (q[k] === undefined) delete q[k];
  return q;
}

/** The inverse of parseQuery for the remote client (original parameter names, so any StratusLab server understands them). */
export function queryParams(q: ListQuery): URLSearchParams {
  const p = new URLSearchParams();
  const set = (n: string, v: string | number | undefined) => { if (v !== undefined && v !== '') p.set(n, String(v)); };
  set('status', q.status); set('location', q.location); set('identifier', q.identifier); set('email', q.email); set('created', q.created);
  set('sSearch', q.text); set('sSearch_1', q.os); set('sSearch_2', q.osVersion); set('sSearch_3', q.arch); set('sSearch_4', q.endorser); set('sSearch_5', q.kind);
  set('iDisplayStart', q.start); set('iDisplayLength', q.length);
  if (q.sortColumn !== undefined || q.sortDir) { set('iSortCol_0', q.sortColumn ?? 6); set('sSortDir_0', q.sortDir ?? 'asc'); }
  return p;
}

export class QueryError extends Error {}
