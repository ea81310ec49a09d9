import type * as vscode from 'vscode';
import { LocalMarketplace } from '../../backend/marketplace/local';
import type { Marketplace } from '../../backend/marketplace/marketplace';
import type { TrustVerdict } from '../../backend/marketplace/trust';
import type { GroupBy } from '../../core/marketplace/group';
import type { Status } from '../../core/marketplace/query';
import type { UiContext } from '../context';
import type { EntryNode, MpNode } from './nodes';
import { trustedCertificates } from './trust';

/**
 * The marketplaces as the Marketplace view holds them (the embedded store first, then stratus.marketplaces),
 * with the view's filter, status and trust verdicts. The view (trees/marketplace) provides it at registration;
 * commands, builds and editors reach it here.
 */
export interface Marketplaces {
  filter: string;
  status: Status;
  readonly groupBy: GroupBy;
  readonly localMarketplace: LocalMarketplace;
  readonly view?: vscode.TreeView<MpNode>;
  marketplaces(): Marketplace[];
  allEntries(): Promise<EntryNode[]>;
  refresh(mp?: Marketplace): void;
  /** Re-reads the local store from disk (`rescan` walks every file). */
  reload(opts?: { rescan?: boolean }): void;
  /** The trust list changed: every verdict is recomputed. */
  retrust(): void;
  verdictOf(e: EntryNode): TrustVerdict | undefined;
  reverify(e: EntryNode): Promise<TrustVerdict>;
  updateDescription(): void;
}

let provided: Marketplaces | undefined;

/** Called once by the Marketplace view when it registers. */
export function provideMarketplaces(m: Marketplaces): void { provided = m; }

/** The Marketplace view's marketplaces (throws before that view is registered: tests of other areas). */
export function marketplaces(): Marketplaces {
  if (!provided) throw new Error('the Marketplace view is not registered yet');
  return provided;
}

/** The marketplaces the Marketplace view shows (the embedded store alone when that view is not up). */
export function uiMarketplaces(ctx: UiContext): { label: string; mp: Marketplace }[] {
  try { return marketplaces().marketplaces().map(mp => ({ label: mp.kind === 'local' ? 'local' : mp.endpoint, mp })); }
  catch { return [{ label: 'local', mp: new LocalMarketplace(ctx.data.marketplace) }]; }
}

export function uiTrusted(): string[] {
  try { return trustedCertificates(); } catch { return []; }
}
