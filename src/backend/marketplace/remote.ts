import * as http from 'http';
import * as https from 'https';
import { summarize } from '../../core/metadata/summary';
import { parseXml } from '../../core/xml';
import { EntryKey, keyString } from '../../core/marketplace/keys';
import { ListQuery, queryParams, ListedEntry } from '../../core/marketplace/query';
import { Endorser, ListPage, Marketplace, MarketplaceEntry, MarketplaceError, UploadOk } from './marketplace';

export interface RemoteOptions {
  /** Per-request time limit (connect + response). */
  timeoutMs?: number;
  /** Extra attempts for reads (GET) on network errors, timeouts and 5xx; POST is never retried. */
  retries?: number;
}

interface Response { status: number; statusText: string; headers: http.IncomingHttpHeaders; body: string }

/** A StratusLab-compatible endpoint (the original server or `stratus marketplace serve`). */
export class RemoteMarketplace implements Marketplace {
  readonly kind = 'remote' as const;
  readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(endpoint: string, opts: RemoteOptions = {}) {
    let u: URL;
    try { u = new URL(endpoint); } catch { throw new Error(`'${endpoint}' is not a URL; give the marketplace endpoint as http(s)://host[:port]`); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`'${endpoint}' must be an http:// or https:// URL`);
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15000;
    this.retries = opts.retries ?? 2;
  }

  /** The XML form: full signed documents, so verdicts can be computed without more requests. */
  async list(query: ListQuery = {}): Promise<ListPage> {
    const r = await this.read(`/metadata?${queryParams(query)}`, 'application/xml');
    if (r.status === 404) return { entries: [], matched: 0 };
    this.check(r);
    const entries: MarketplaceEntry[] = [];
    for (const xml of splitMetadataList(r.body)) {
      const summary = summarize(xml);
      if (!summary.email || !summary.created) continue;
      entries.push({ key: { identifier: summary.identifier, email: summary.email, created: summary.created }, summary, xml });
    }
    return { entries, matched: entries.length };
  }

  /** The JSON (DataTables) form: one row per entry, fewer fields, and the server's total for paging. */
  async listRows(query: ListQuery = {}): Promise<{ entries: ListedEntry[]; matched: number; message?: string }> {
    const r = await this.read(`/metadata?${queryParams(query)}&media=json`, 'application/json');
    this.check(r);
    let data: { iTotalDisplayRecords?: number; rMsg?: string; aaData?: string[][] };
    try { data = JSON.parse(r.body); } catch { throw new MarketplaceError(502, `${this.endpoint} answered with something that is not JSON`); }
    const nul = (v: string | undefined) => (v === undefined || v === 'null' ? undefined : v);
    const entries = (data.aaData ?? []).map(a => ({
      key: { identifier: a[7], email: a[4], created: a[6] },
      summary: { identifier: a[7], os: nul(a[1]), osVersion: nul(a[2]), osArch: nul(a[3]), email: a[4], kind: nul(a[5]), created: a[6], locations: nul(a[8]) ? [a[8]] : [], description: nul(a[9]), title: nul(a[10]), checksums: {} },
    }));
    return { entries, matched: data.iTotalDisplayRecords ?? entries.length, message: entries.length ? undefined : data.rMsg };
  }

  async get(key: EntryKey): Promise<string> {
    const r = await this.read(`/metadata/${keyString(key).split('/').map(encodeURIComponent).join('/')}`, 'application/xml');
    this.check(r);
    return unwrapOne(r.body);
  }

  async tag(email: string, tag: string): Promise<string> {
    const r = await this.read(`/tag/${encodeURIComponent(email)}/${encodeURIComponent(tag)}`, 'application/xml');
    this.check(r);
    return unwrapOne(r.body);
  }

  async endorsers(): Promise<Endorser[]> {
    const r = await this.read('/endorsers?media=xml', 'application/sparql-results+xml');
    this.check(r);
    const { doc } = parseXml(r.body);
    if (!doc) throw new MarketplaceError(502, `${this.endpoint}/endorsers did not answer with SPARQL results XML`);
    const out: Endorser[] = [];
    const results = doc.getElementsByTagNameNS('http://www.w3.org/2005/sparql-results#', 'result');
    for (let i = 0; i < results.length; i++) {
      const b = results[i].getElementsByTagNameNS('http://www.w3.org/2005/sparql-results#', 'binding');
      const rec: Record<string, string> = {};
      for (let j = 0; j < b.length; j++) rec[b[j].getAttribute('name') ?? ''] = b[j].textContent ?? '';
      if (rec.email) out.push({ email: rec.email, subject: rec.subject, issuer: rec.issuer });
    }
    return out;
  }

  /** POST /metadata, unchanged bytes, never retried (an upload is not idempotent for the caller). */
  async upload(xml: string): Promise<UploadOk> {
    const r = await this.request('POST', '/metadata', 'application/xml', Buffer.from(xml, 'utf8'));
    this.check(r);
    const s = summarize(xml);
    const key = { identifier: s.identifier, email: s.email ?? '', created: s.created ?? '' };
    const location = typeof r.headers.location === 'string' ? r.headers.location : `${this.endpoint}/metadata/${keyString(key)}`;
    return { key, location, status: r.status === 202 ? 202 : 201 };
  }

  private check(r: Response): void {
    if (r.status >= 200 && r.status < 300) return;
    const fromBody = /<error>([\s\S]*?)<\/error>/.exec(r.body)?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    throw new MarketplaceError(r.status, fromBody || r.statusText || `HTTP ${r.status} from ${this.endpoint}`);
  }

  private async read(pathAndQuery: string, accept: string): Promise<Response> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt) await new Promise(r => setTimeout(r, 200 * 2 ** (attempt - 1)));
      try {
        const r = await this.request('GET', pathAndQuery, accept);
        if (r.status < 500 || attempt === this.retries) return r;
        last = new MarketplaceError(r.status, r.statusText);
      } catch (e) { last = e; }
    }
    throw last;
  }

  private request(method: string, pathAndQuery: string, accept: string, body?: Buffer): Promise<Response> {
    const url = new URL(this.endpoint + pathAndQuery);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { Accept: accept, 'User-Agent': 'stratus' };
      if (body) { headers['Content-Type'] = accept; headers['Content-Length'] = body.length; }
      const req = mod.request(url, { method, headers, timeout: this.timeoutMs }, res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${this.endpoint} did not answer within ${this.timeoutMs} ms — check the endpoint URL and that the server is running`)));
      req.on('error', e => reject((e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? new Error(`cannot connect to ${this.endpoint} (connection refused) — check the endpoint URL and that the marketplace server is running`) : e));
      req.end(body);
    });
  }
}

/** Splits `<metadata>doc doc …</metadata>` into the signed documents (declarations restored; the signature covers the element only). */
export function splitMetadataList(body: string): string[] {
  const out: string[] = [];
  const re = /<([A-Za-z_][\w.-]*:)?RDF[\s>][\s\S]*?<\/\1RDF\s*>/g;
  for (let m = re.exec(body); m; m = re.exec(body)) out.push('<?xml version="1.0" encoding="UTF-8" standalone="no"?>' + m[0]);
  return out;
}

/** One entry may come back wrapped in `<metadata>` (docs/stratuslab.md#deprecation); a bare document is returned byte for byte. */
function unwrapOne(body: string): string {
  if (!/^\s*(<\?xml[^?]*\?>)?\s*<metadata[\s>]/.test(body)) return body;
  const docs = splitMetadataList(body);
  if (!docs.length) throw new MarketplaceError(404, 'metadata entry not found.');
  return docs[0];
}
