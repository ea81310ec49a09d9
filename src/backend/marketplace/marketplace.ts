import type { EntryKey } from '../../core/marketplace/keys';
import type { ListQuery, ListedEntry } from '../../core/marketplace/query';

/** A listed entry; remote XML listings carry the signed document too, so trust verdicts need no second fetch. */
export interface MarketplaceEntry extends ListedEntry { xml?: string }

export interface ListPage {
  entries: MarketplaceEntry[];
  /** Rows matching the query before paging. */
  matched: number;
}

export interface UploadOk { key: EntryKey; location: string; status: 201 | 202 }

export interface Endorser { email: string; subject?: string; issuer?: string }

export interface HistoryItem { identifier: string; created: string; description?: string; location?: string; deprecated?: string; email: string }

/** The embedded store and a StratusLab endpoint look the same to the tree, the CLI and the KVM launch. */
export interface Marketplace {
  readonly kind: 'local' | 'remote';
  /** Folder path (local) or endpoint URL (remote). */
  readonly endpoint: string;
  list(query?: ListQuery): Promise<ListPage>;
  /** The signed document, byte for byte. Throws MarketplaceError 404 `metadata entry not found.`. */
  get(key: EntryKey): Promise<string>;
  /** Validates in the server's order plus newer-than-latest (docs/stratuslab.md#validation) and stores. Throws MarketplaceError 400 with the server's text. */
  upload(xml: string): Promise<UploadOk>;
  /** Latest non-deprecated entry of this endorser whose dcterms:alternative is `tag`. */
  tag(email: string, tag: string): Promise<string>;
  endorsers(): Promise<Endorser[]>;
}

/** An HTTP-shaped failure: the server's status and its status text (e.g. 400 `invalid metadata: no signature`). */
export class MarketplaceError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** Finds the newest entry of an identifier (optionally one endorser), any status — what launch-by-id and deprecate start from. */
export async function findLatest(mp: Marketplace, identifier: string, opts: { email?: string; status?: ListQuery['status'] } = {}): Promise<MarketplaceEntry | undefined> {
  const statuses = opts.status ? [opts.status] : (['valid', 'expired', 'deprecated'] as const);
  let best: MarketplaceEntry | undefined;
  for (const status of statuses) {
    let page: ListPage;
    try { page = await mp.list({ identifier, email: opts.email, status }); } catch (e) { if (e instanceof MarketplaceError && e.status === 404) continue; throw e; }
    for (const e of page.entries) if (!best || e.key.created > best.key.created) best = e;
  }
  return best;
}
