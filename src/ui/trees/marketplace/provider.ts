import * as vscode from 'vscode';
import * as fs from 'fs';
import type { UiContext } from '../../context';
import { config } from '../../context';
import { trustedCertificates as configuredTrust } from '../../services/trust';
import type { Marketplaces } from '../../services/marketplaces';
import { contextValue } from '../contextValue';
import { LocalMarketplace } from '../../../backend/marketplace/local';
import { RemoteMarketplace } from '../../../backend/marketplace/remote';
import { Marketplace, MarketplaceEntry } from '../../../backend/marketplace/marketplace';
import { trustVerdict, TrustVerdict } from '../../../backend/marketplace/trust';
import { cachedImagePath } from '../../../backend/marketplace/download';
import { groupEntries, GroupBy } from '../../../core/marketplace/group';
import { presentEntry } from '../../../core/marketplace/present';
import { isoSeconds, keyString } from '../../../core/marketplace/keys';
import type { Status } from '../../../core/marketplace/query';
import type { EntryNode, MpNode } from '../../services/nodes';

export type { EntryNode, MpNode } from '../../services/nodes';

/**
 * The Marketplace view: one node per marketplace (the embedded one first), entries grouped by OS or endorser.
 * Rows render at once from the index; signatures are verified afterwards in small batches that yield to the
 * event loop, and each row's icon is updated as its verdict arrives (cached by document hash in trust.ts).
 */
export class MarketplaceTree implements vscode.TreeDataProvider<MpNode>, Marketplaces {
  private readonly changed = new vscode.EventEmitter<MpNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  filter = '';
  status: Status = 'valid';
  private local: LocalMarketplace;
  private remotes = new Map<string, RemoteMarketplace>();
  private loaded = new Map<Marketplace, Promise<MpNode[]>>();
  private verdicts = new Map<string, TrustVerdict>();
  private pending: EntryNode[] = [];
  private verifying?: Promise<void>;
  private idle: Array<() => void> = [];
  view?: vscode.TreeView<MpNode>;

  constructor(private readonly ctx: UiContext) {
    this.local = new LocalMarketplace(ctx.data.marketplace);
  }

  get localMarketplace(): LocalMarketplace { return this.local; }
  get groupBy(): GroupBy { return config().get<string>('marketplace.groupBy') === 'endorser' ? 'endorser' : 'os'; }

  marketplaces(): Marketplace[] {
    const urls = (config().get<string[]>('marketplaces') ?? []).filter(u => u && u !== 'local');
    const out: Marketplace[] = [this.local];
    for (const u of urls) {
      let r = this.remotes.get(u);
      if (!r) { try { r = new RemoteMarketplace(u, { timeoutMs: 10000, retries: 1 }); } catch { continue; } this.remotes.set(u, r); }
      out.push(r);
    }
    return out;
  }

  /** Re-lists (after a filter, status or settings change, or an upload through this tree's stores). */
  refresh(mp?: Marketplace): void {
    if (mp) this.loaded.delete(mp); else this.loaded.clear();
    this.updateDescription();
    this.changed.fire();
  }

  /** The trust list changed (setting, local builder trust): every verdict is recomputed. */
  retrust(): void {
    this.verdicts.clear();
    this.refresh();
  }

  /**
   * Other writers (the KVM save hook's drafts, a CLI upload, a server) change the local store's journal or index:
   * re-read it shortly after, so their entries appear without a manual Refresh.
   */
  watchLocal(): vscode.Disposable {
    const dir = this.ctx.data.marketplace;
    fs.mkdirSync(dir, { recursive: true });
    let timer: NodeJS.Timeout | undefined;
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(dir, (_ev, name) => {
        if (name !== 'journal' && name !== 'index.json') return;
        clearTimeout(timer);
        timer = setTimeout(() => this.reload(), 1000);
      });
      watcher.on('error', () => undefined);
    } catch (e) { this.ctx.log.warn(`cannot watch ${dir}: ${(e as Error).message}; use Refresh to see entries other processes add`); }
    return new vscode.Disposable(() => { clearTimeout(timer); watcher?.close(); });
  }

  /** The Refresh command: also re-reads the local store from disk (other processes write it; `rescan` walks every file). */
  reload(opts: { rescan?: boolean } = {}): void {
    this.local = new LocalMarketplace(this.ctx.data.marketplace, { rescan: opts.rescan });
    this.refresh();
  }

  updateDescription(): void {
    if (!this.view) return;
    const parts = [this.filter ? `filter: "${this.filter}"` : '', this.status !== 'valid' ? this.status : '', this.groupBy === 'endorser' ? 'by endorser' : ''].filter(Boolean);
    this.view.description = parts.join(' · ') || undefined;
  }

  verdictOf(e: EntryNode): TrustVerdict | undefined { return this.verdicts.get(verdictKey(e)); }

  /** Resolves once every row shown so far has its verdict (tests and Verify use it). */
  whenVerified(): Promise<void> {
    if (!this.pending.length && !this.verifying) return Promise.resolve();
    return new Promise(r => this.idle.push(r));
  }

  async getChildren(node?: MpNode): Promise<MpNode[]> {
    if (!node) {
      const all = this.marketplaces();
      // Nothing to show yet: an empty root lets the view's welcome content (Add a Marketplace…) appear.
      if (all.length === 1 && !(await this.local.entries(true)).length) return [];
      return all.map(mp => ({ kind: 'marketplace' as const, mp, label: mp === this.local ? 'Local marketplace' : mp.endpoint }));
    }
    if (node.kind === 'group') return node.entries;
    if (node.kind !== 'marketplace') return [];
    let p = this.loaded.get(node.mp);
    if (!p) { p = this.load(node); this.loaded.set(node.mp, p); }
    return p;
  }

  private async load(node: MpNode & { kind: 'marketplace' }): Promise<MpNode[]> {
    let entries: MarketplaceEntry[];
    try {
      entries = (await node.mp.list({ status: this.status, text: this.filter || undefined })).entries;
    } catch (e) {
      this.loaded.delete(node.mp);   // retry on the next expand/refresh
      this.ctx.log.warn(`marketplace ${node.mp.endpoint}: ${(e as Error).message}`);
      return [{ kind: 'error', parent: node, message: (e as Error).message }];
    }
    if (!entries.length) return [{ kind: 'empty', parent: node, message: this.filter ? `no ${this.status} entry matches "${this.filter}"` : `no ${this.status} entries` }];
    const byKey = new Map(entries.map(e => [keyString(e.key), { kind: 'entry' as const, mp: node.mp, entry: e }]));
    const groups = groupEntries(entries, this.groupBy).map(g => {
      const group: MpNode = { kind: 'group', parent: node, label: g.label, entries: [] };
      group.entries = g.entries.map(e => { const n = byKey.get(keyString(e.key))!; (n as EntryNode).parentGroup = group; return n; });
      return group;
    });
    for (const n of byKey.values()) if (!this.verdicts.has(verdictKey(n))) this.pending.push(n);
    this.verifyInBackground();
    return groups;
  }

  private verifyInBackground(): void {
    if (this.verifying) return;
    this.verifying = (async () => {
      while (this.pending.length) {
        const batch = this.pending.splice(0, 8);
        for (const n of batch) {
          try {
            const xml = n.entry.xml ?? await n.mp.get(n.entry.key);
            const cached = cachedImagePath(n.entry.summary, this.ctx.data.images);
            // Only verified downloads ever reach the cache (download.ts), so a cached file means the checksum matched.
            const downloaded = fs.existsSync(cached.path) ? { sha1: n.entry.summary.checksums['SHA-1'] ?? '' } : undefined;
            this.verdicts.set(verdictKey(n), trustVerdict(xml, { trusted: configuredTrust(this.ctx.log), downloaded }));
          } catch (e) { this.ctx.log.warn(`verifying ${keyString(n.entry.key)}: ${(e as Error).message}`); }
          this.changed.fire(n);
        }
        await new Promise(r => setImmediate(r));
      }
    })().finally(() => { this.verifying = undefined; for (const r of this.idle.splice(0)) r(); });
  }

  /** Re-verify one entry now (Verify command, after a download). */
  async reverify(n: EntryNode): Promise<TrustVerdict> {
    this.verdicts.delete(verdictKey(n));
    const xml = n.entry.xml ?? await n.mp.get(n.entry.key);
    const cached = cachedImagePath(n.entry.summary, this.ctx.data.images);
    const v = trustVerdict(xml, { trusted: configuredTrust(this.ctx.log), downloaded: fs.existsSync(cached.path) ? { sha1: n.entry.summary.checksums['SHA-1'] ?? '' } : undefined });
    this.verdicts.set(verdictKey(n), v);
    this.changed.fire(n);
    return v;
  }

  /** Every entry node loaded so far (palette quick-picks). */
  async allEntries(): Promise<EntryNode[]> {
    const out: EntryNode[] = [];
    for (const m of await this.getChildren()) for (const g of await this.getChildren(m)) if (g.kind === 'group') out.push(...g.entries);
    return out;
  }

  getParent(node: MpNode): MpNode | undefined {
    if (node.kind === 'entry') return node.parentGroup;
    if (node.kind === 'marketplace') return undefined;
    return node.parent;
  }

  getTreeItem(node: MpNode): vscode.TreeItem {
    switch (node.kind) {
      case 'marketplace': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.contextValue = contextValue('marketplace', node.mp.kind === 'local' ? 'local' : 'remote');
        item.iconPath = new vscode.ThemeIcon(node.mp.kind === 'local' ? 'database' : 'globe');
        item.description = node.mp.kind === 'local' ? 'embedded' : undefined;
        item.tooltip = node.mp.kind === 'local' ? `The embedded marketplace in ${node.mp.endpoint}` : `StratusLab marketplace at ${node.mp.endpoint}`;
        item.id = `mp:${node.mp.endpoint}`;
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.entries.length}`;
        item.contextValue = contextValue('group');
        item.iconPath = new vscode.ThemeIcon(this.groupBy === 'os' ? 'vm' : 'person');
        item.id = `grp:${node.parent.mp.endpoint}:${node.label}`;
        return item;
      }
      case 'error': {
        const item = new vscode.TreeItem('Cannot reach this marketplace', vscode.TreeItemCollapsibleState.None);
        item.description = node.message;
        item.tooltip = `${node.message}\n\nClick to retry, or right-click to edit the marketplace endpoints.`;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.contextValue = contextValue('error', 'unreachable');
        item.command = { command: 'stratus.marketplace.refresh', title: 'Retry', arguments: [node.parent] };
        return item;
      }
      case 'empty': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = contextValue('empty');
        return item;
      }
      case 'entry': {
        const p = presentEntry(node.entry, this.verdictOf(node), isoSeconds(new Date()));
        const item = new vscode.TreeItem(p.label, vscode.TreeItemCollapsibleState.None);
        item.description = p.description;
        item.contextValue = contextValue('entry', p.state, p.trust);
        item.iconPath = new vscode.ThemeIcon(p.icon, p.color ? new vscode.ThemeColor(p.color) : undefined);
        const tip = new vscode.MarkdownString(p.tooltip);
        tip.supportHtml = true;
        item.tooltip = tip;
        item.id = `e:${node.mp.endpoint}:${keyString(node.entry.key)}`;
        item.command = { command: 'stratus.marketplace.openMetadata', title: 'Open Metadata', arguments: [node] };
        return item;
      }
    }
  }
}

function verdictKey(n: EntryNode): string { return `${n.mp.endpoint}\u0000${keyString(n.entry.key)}`; }
