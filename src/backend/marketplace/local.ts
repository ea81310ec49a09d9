import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import { serverValidate } from '../../core/metadata/validate';
import { summarize } from '../../core/metadata/summary';
import type { MetadataSummary } from '../../core/metadata/types';
import { EntryKey, keyProblem, keyString, entryUrl, parseKeyString } from '../../core/marketplace/keys';
import { applyQuery, ListQuery } from '../../core/marketplace/query';
import { Endorser, HistoryItem, ListPage, Marketplace, MarketplaceEntry, MarketplaceError, UploadOk } from './marketplace';

/** Saved-instance drafts are valid this long (docs/stratuslab.md#drafts, `_IMAGE_VALIDITY`). */
export const DRAFT_VALIDITY_DAYS = 2;

interface Indexed extends MarketplaceEntry { file: string }

export interface LocalOptions {
  /** Clock for listings (tests pin it; the corpus' dates are in the past). */
  now?: () => Date;
  /** Base URL used in Location headers; 'local:' for the embedded store. */
  baseUrl?: string;
  /** Walk every stored file on open instead of trusting index.json + journal (picks up files copied in by hand). */
  rescan?: boolean;
}

/**
 * The embedded marketplace: `<dir>/metadata/<id>/<email>/<created>.xml` as the original FlatFileStore,
 * drafts under `<dir>/private/…`, and `<dir>/index.json`, a cache of the summaries. Every upload first appends
 * its key to `<dir>/journal`, then writes the entry; the journal is emptied when the index is rewritten. Opening
 * reads the index and replays the journal, so a crash between entry and index loses nothing and a 10,000-entry
 * store opens without walking 20,000 folders; a missing or torn index (or `rescan`) walks them all.
 * Every file is written to `<dir>/.tmp` and renamed into place: readers see the old or the new bytes, never half.
 * Other writers (processes, instances) are noticed through `<dir>/generation`, a token every writer replaces after
 * each upload and index rewrite: each read compares it (one small file read) and, when it changed, re-reads the
 * journals and the index (not the entries' folders). Directory mtimes would not do: a journal append changes none.
 */
export class LocalMarketplace implements Marketplace {
  readonly kind = 'local' as const;
  private readonly index = new Map<string, Indexed>();
  private loading?: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private flushTimer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** The generation token read before the index was last brought up to date with the disk. */
  private seen?: string;
  private catchingUp?: Promise<void>;
  /** The index.json last merged (inode, size, mtime): an upload elsewhere only adds to a journal, so it is not parsed again. */
  private indexSeen?: string;

  constructor(readonly endpoint: string, private readonly opts: LocalOptions = {}) {}

  private get now(): Date { return this.opts.now ? this.opts.now() : new Date(); }
  private tmpDir(): string { return path.join(this.endpoint, '.tmp'); }
  private indexFile(): string { return path.join(this.endpoint, 'index.json'); }
  private journalFile(): string { return path.join(this.endpoint, 'journal'); }
  private generationFile(): string { return path.join(this.endpoint, 'generation'); }

  /** Loads (once) the index and reconciles it with the files. */
  ready(): Promise<void> {
    return (this.loading ??= this.load());
  }

  private async load(): Promise<void> {
    await fs.promises.mkdir(path.join(this.endpoint, 'metadata'), { recursive: true });
    await fs.promises.rm(this.tmpDir(), { recursive: true, force: true });
    this.seen = await this.generation();
    const { cached, journaled } = await this.onDisk();
    if (cached && !this.opts.rescan) {
      this.merge(cached, journaled);
      if (journaled.size) this.scheduleFlush();
      return;
    }
    for (const [area, priv] of [['metadata', false], ['private', true]] as const) {
      for (const rel of await walk(path.join(this.endpoint, area))) {
        const parts = rel.split('/');
        if (parts.length !== 3 || !parts[2].endsWith('.xml')) continue;
        const key: EntryKey = { identifier: parts[0], email: parts[1], created: parts[2].slice(0, -4) };
        if (keyProblem(key)) continue;
        const ks = keyString(key);
        let summary = cached?.[ks] && !!cached[ks].p === priv ? cached[ks].s : undefined;
        if (!summary) {
          try { summary = summarize(await fs.promises.readFile(this.fileOf(key, priv), 'utf8')); } catch { continue; }
        }
        this.index.set(ks, { key, summary, private: priv || undefined, file: this.fileOf(key, priv) });
      }
    }
    this.scheduleFlush();
  }

  private async generation(): Promise<string> {
    return fs.promises.readFile(this.generationFile(), 'utf8').catch(() => '');
  }

  /**
   * Loads, then catches up with what other writers stored since: when the generation token changed, the index is
   * re-read from the disk (index.json and journals; no walk). The token is read first, so a write that lands during
   * the catch-up changes it again and the next read catches up once more.
   */
  private async current(): Promise<void> {
    await this.ready();
    for (;;) {
      const gen = await this.generation();
      if (gen === this.seen) return;
      if (this.catchingUp) { await this.catchingUp; continue; }   // one catch-up at a time; then look again
      this.catchingUp = this.onDisk().then(({ cached, journaled }) => { this.merge(cached ?? {}, journaled); this.seen = gen; })
        .finally(() => { this.catchingUp = undefined; });
      return this.catchingUp;
    }
  }

  /**
   * What index.json and the journals say. Journals first: a flush moves keys from a journal into the index (and only
   * then deletes the journal), so a key flushed meanwhile is still read from one or the other.
   */
  private async onDisk(): Promise<{ cached?: Record<string, { p?: 1; s: MetadataSummary }>; journaled: Map<string, Indexed> }> {
    const journaled = await this.journaled();
    const st = await fs.promises.stat(this.indexFile()).catch(() => undefined);
    if (st && statKey(st) === this.indexSeen) return { journaled };   // merged already
    let cached: Record<string, { p?: 1; s: MetadataSummary }> | undefined;
    try { cached = JSON.parse(await fs.promises.readFile(this.indexFile(), 'utf8')).entries; } catch { /* missing or torn */ }
    // Recorded before the read: if the file was replaced in between, the next catch-up parses it again (never the other way).
    if (cached && st) this.indexSeen = statKey(st);
    return { cached, journaled };
  }

  /** The disk's word over the memory's for every key it names (another writer may have replaced an entry); journals are newer than the index. */
  private merge(cached: Record<string, { p?: 1; s: MetadataSummary }>, journaled: Map<string, Indexed>): void {
    for (const [ks, c] of Object.entries(cached)) {
      const key = !journaled.has(ks) && parseKeyString(ks);
      if (key) this.index.set(ks, { key, summary: c.s, private: c.p ? true : undefined, file: this.fileOf(key, !!c.p) });
    }
    for (const [ks, e] of journaled) this.index.set(ks, e);
  }

  private fileOf(key: EntryKey, priv: boolean): string {
    return path.join(this.endpoint, priv ? 'private' : 'metadata', key.identifier, key.email, `${key.created}.xml`);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async list(query: ListQuery = {}, opts: { includePrivate?: boolean } = {}): Promise<ListPage> {
    await this.current();
    const all = [...this.index.values()].filter(e => opts.includePrivate !== false || !e.private);
    const r = applyQuery(all, query, this.now);
    return { entries: r.page.map(({ file: _f, ...e }) => e), matched: r.matched };
  }

  /** All entries, every status and version: what the server's tag and endorser routes search. */
  async entries(includePrivate = false): Promise<MarketplaceEntry[]> {
    await this.current();
    return [...this.index.values()].filter(e => includePrivate || !e.private).map(({ file: _f, ...e }) => e);
  }

  /** The file is read on every call, so its bytes are always the disk's; the index is caught up only when it misses. */
  async get(key: EntryKey): Promise<string> {
    await this.ready();
    const read = () => { const e = this.index.get(keyString(key)); return e ? fs.promises.readFile(e.file, 'utf8') : undefined; };
    const xml = await read()?.catch(() => undefined);
    if (xml !== undefined) return xml;
    await this.current();   // stored or moved (draft → public) by another writer?
    const again = read();
    if (!again) throw new MarketplaceError(404, 'metadata entry not found.');
    return again;
  }

  /** `checked`: the result of serverValidate(xml) computed elsewhere (the server checks large documents off its event loop). */
  upload(xml: string, checked?: ReturnType<typeof serverValidate>): Promise<UploadOk> { return this.store(xml, false, checked); }

  /**
   * A saved instance's draft (docs/stratuslab.md#drafts): signed with a throw-away certificate, kept private (never served),
   * no e-mail confirmation; the same validation and newer-than-latest rule as any upload.
   */
  async addDraft(xml: string): Promise<MarketplaceEntry> {
    const ok = await this.store(xml, true);
    return { key: ok.key, summary: this.index.get(keyString(ok.key))!.summary, private: true };
  }

  private store(xml: string, priv: boolean, checked?: ReturnType<typeof serverValidate>): Promise<UploadOk> {
    return this.serial(async () => {
      await this.current();   // newer-than-latest also counts other writers' entries
      const v = checked ?? serverValidate(xml);
      if (!v.ok || !v.summary) {
        const msg = v.message ?? 'unknown error';
        throw new MarketplaceError(400, /^unable to parse metadata/.test(msg) ? msg : `invalid metadata: ${msg}`);
      }
      const s = v.summary;
      const key = { identifier: s.identifier, email: s.email ?? '', created: s.created ?? '' };
      const problem = keyProblem(key);
      if (problem) throw new MarketplaceError(400, `invalid metadata: ${problem}`);
      for (const e of this.index.values()) {
        if (e.key.identifier === key.identifier && e.key.email === key.email && e.key.created > key.created) throw new MarketplaceError(400, 'invalid metadata: older than latest entry');
      }
      const ks = keyString(key);
      const file = this.fileOf(key, priv);
      const j = await fs.promises.open(this.journalFile(), 'a');
      try { await j.appendFile(ks + '\n'); await j.sync(); } finally { await j.close(); }
      await this.atomicWrite(file, xml);
      const prev = this.index.get(ks);
      if (prev && prev.file !== file) await fs.promises.rm(prev.file, { force: true });
      this.index.set(ks, { key, summary: s, private: priv || undefined, file });
      await this.bump();
      this.scheduleFlush();
      return { key, location: entryUrl(this.opts.baseUrl ?? `file://${this.endpoint}`, key), status: 201 as const };
    });
  }

  async tag(email: string, tag: string): Promise<string> {
    await this.current();
    const want = tag.replace(/^["']|["']$/g, '');
    let best: Indexed | undefined;
    for (const e of this.index.values()) {
      if (e.private || e.key.email !== email || e.summary.deprecated !== undefined || e.summary.alternative !== want) continue;
      if (!best || e.key.created > best.key.created) best = e;
    }
    if (!best) throw new MarketplaceError(404, 'metadata entry not found.');
    return fs.promises.readFile(best.file, 'utf8');
  }

  async endorsers(): Promise<Endorser[]> {
    await this.current();
    const seen = new Map<string, Endorser>();
    for (const e of this.index.values()) {
      if (e.private) continue;
      const en = { email: e.key.email, subject: e.summary.endorserSubject, issuer: e.summary.endorserIssuer };
      seen.set(`${en.email}\u0000${en.subject}\u0000${en.issuer}`, en);
    }
    return [...seen.values()].sort((a, b) => a.email.localeCompare(b.email));
  }

  /** Entries of one endorser created in the last `rangeDays` days (GET /endorsers/{email}). */
  async history(email: string, rangeDays = 30): Promise<HistoryItem[]> {
    await this.current();
    const since = new Date(this.now.getTime() - rangeDays * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return [...this.index.values()]
      .filter(e => !e.private && e.key.email === email && e.key.created >= since)
      .sort((a, b) => (a.key.created < b.key.created ? 1 : -1))
      .map(e => ({ identifier: e.key.identifier, created: e.key.created, description: e.summary.description, location: e.summary.locations[0], deprecated: e.summary.deprecated, email }));
  }

  /** Distinct dcterms:alternative values of one endorser (GET /endorsers/{email}/tags). */
  async tags(email: string): Promise<string[]> {
    await this.current();
    return [...new Set([...this.index.values()].filter(e => !e.private && e.key.email === email && e.summary.alternative).map(e => e.summary.alternative!))].sort();
  }

  private async atomicWrite(file: string, data: string, sync = true): Promise<fs.Stats> {
    await fs.promises.mkdir(this.tmpDir(), { recursive: true });
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = path.join(this.tmpDir(), `${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    const fh = await fs.promises.open(tmp, 'w', 0o644);
    let st: fs.Stats;
    try { await fh.writeFile(data, 'utf8'); if (sync) await fh.sync(); st = await fh.stat(); } finally { await fh.close(); }
    await fs.promises.rename(tmp, file);   // keeps inode, size and mtime
    return st;
  }

  /**
   * Tells other instances the files changed; always after the change, so a reader that sees the new token finds it.
   * Any unique token will do (no fsync: a torn token is just another token).
   */
  private async bump(): Promise<void> {
    await this.atomicWrite(this.generationFile(), `${process.pid}-${crypto.randomBytes(8).toString('hex')}\n`, false);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => { this.flushTimer = undefined; this.flushing = this.writeIndex(); }, 50);
    this.flushTimer.unref?.();
  }

  /** Writes the index now (the CLI and tests call it before exiting; uploads are durable without it). */
  async flush(): Promise<void> {
    await this.ready();
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = undefined; this.flushing = this.writeIndex(); }
    await this.flushing;
  }

  /**
   * Several writers share one folder (the extension's view, the KVM save hook, a CLI, a server). Before the index
   * is rewritten, the journal is moved aside and every key other writers put in the index or journals since this
   * instance loaded is merged in, so no writer's flush drops another's entries.
   */
  private writeIndex(): Promise<void> {
    return this.serial(async () => {
      const mine = `${this.journalFile()}.flush-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
      try { await fs.promises.rename(this.journalFile(), mine); } catch { /* no journal */ }
      try {
        const disk = JSON.parse(await fs.promises.readFile(this.indexFile(), 'utf8')).entries as Record<string, { p?: 1; s: MetadataSummary }>;
        for (const [ks, c] of Object.entries(disk ?? {})) {
          const key = !this.index.has(ks) && parseKeyString(ks);
          if (key && fs.existsSync(this.fileOf(key, !!c.p))) this.index.set(ks, { key, summary: c.s, private: c.p ? true : undefined, file: this.fileOf(key, !!c.p) });
        }
      } catch { /* no index yet */ }
      for (const [ks, e] of await this.journaled()) this.index.set(ks, e);
      const entries: Record<string, { p?: 1; s: MetadataSummary }> = {};
      for (const [k, e] of this.index) entries[k] = e.private ? { p: 1, s: e.summary } : { s: e.summary };
      this.indexSeen = statKey(await this.atomicWrite(this.indexFile(), JSON.stringify({ version: 1, entries })));   // our own: nothing to merge
      await fs.promises.rm(mine, { force: true });
      await this.bump();   // a reader that read the journal just before it moved and the index just before it was rewritten looks again
    });
  }

  /** The entries named in `journal` and in journals moved aside by flushes (running, or that did not finish), read from their files. */
  private async journaled(): Promise<Map<string, Indexed>> {
    const out = new Map<string, Indexed>();
    let names: string[] = [];
    try { names = (await fs.promises.readdir(this.endpoint)).filter(n => n === 'journal' || n.startsWith('journal.flush-')); } catch { return out; }
    const keys = new Set<string>();
    for (const n of names) {
      try { for (const line of (await fs.promises.readFile(path.join(this.endpoint, n), 'utf8')).split('\n')) if (line) keys.add(line); } catch { /* removed meanwhile */ }
    }
    for (const ks of keys) {
      const key = parseKeyString(ks);
      if (!key) continue;
      for (const priv of [true, false]) {   // both only while a draft is being published: the public one wins
        const file = this.fileOf(key, priv);
        try { out.set(ks, { key, summary: summarize(await fs.promises.readFile(file, 'utf8')), private: priv || undefined, file }); } catch { /* not written (crash) or in the other area */ }
      }
    }
    return out;
  }
}

const statKey = (st: fs.Stats) => `${st.ino}:${st.size}:${st.mtimeMs}`;

async function walk(dir: string, prefix = ''): Promise<string[]> {
  let items: fs.Dirent[];
  try { items = await fs.promises.readdir(dir, { withFileTypes: true }); } catch { return []; }
  const out: string[] = [];
  for (const d of items) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await walk(path.join(dir, d.name), rel)));
    else if (d.isFile()) out.push(rel);
  }
  return out;
}
