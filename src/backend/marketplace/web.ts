/**
 * The served marketplace's web pages (what a browser gets): the entry list with filters, paging and trust badges,
 * an entry page, and an upload form. Plain server-rendered HTML: every value escaped (entries are hostile input),
 * no script at all, one same-origin stylesheet under a strict Content-Security-Policy.
 */
import type * as http from 'http';
import type { LocalMarketplace } from './local';
import { trustVerdict, TrustVerdict } from './trust';
import { keyString, parseKeyString, EntryKey, isoSeconds } from '../../core/marketplace/keys';
import { parseQuery, ListQuery } from '../../core/marketplace/query';
import { MarketplaceError } from './marketplace';
import { WEB_CSS } from './webStyle';
import { verdictsInWorker } from './uploadCheck';
import * as crypto from 'crypto';

/** API answers (XML, JSON, text) are data: nothing in them may run or load, even if a browser renders one. */
export const API_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";
/** Pages: our stylesheet, forms posting to us, nothing else (no script of any kind). */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
export const PAGE_SIZE = 50;

interface WebOptions { readOnly?: boolean; trusted?: string[] }

export function wantsHtml(req: http.IncomingMessage, url: URL): boolean {
  const m = url.searchParams.get('media');
  if (m) return m === 'html';
  return /\btext\/html\b/.test(String(req.headers.accept ?? ''));
}

const esc = (s: unknown): string => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Serves a page when the request is for one; false lets the API handle it. */
export async function webRoute(store: LocalMarketplace, opts: WebOptions, req: http.IncomingMessage, res: http.ServerResponse, url: URL, parts: string[]): Promise<boolean> {
  if (parts.length === 2 && parts[0] === 'static' && parts[1] === 'stratus.css') {
    res.setHeader('Cache-Control', 'max-age=3600');
    sendText(res, 200, 'text/css; charset=utf-8', WEB_CSS);
    return true;
  }
  if (parts.length === 1 && parts[0] === 'upload') { page(res, 200, 'Upload', uploadForm(opts)); return true; }
  if (!wantsHtml(req, url)) return false;
  if (parts.length === 0 || (parts[0] === 'metadata' && parts.length === 1)) { await listPage(store, opts, res, url); return true; }
  if (parts[0] === 'metadata' && parts.length === 4) {
    const key = parseKeyString(parts.slice(1).join('/'));
    if (!key) throw new MarketplaceError(404, 'metadata entry not found.');
    await entryPage(store, opts, req, res, key);
    return true;
  }
  return false;
}

/** The upload form's answer: the API's status and message, on a page. */
export function uploadAnswer(res: http.ServerResponse, status: number, message: string, entryPath?: string): void {
  const body = `<p class="${status < 300 ? 'ok' : 'bad'}" role="status" id="answer">${status}: ${esc(message)}</p>`
    + (entryPath ? `<p><a href="${esc(entryPath)}">Open the new entry</a></p>` : '')
    + `<p><a href="/upload">Upload another</a> · <a href="/">Back to the list</a></p>`;
  page(res, status, status < 300 ? 'Uploaded' : 'Upload refused', body);
}

function uploadForm(opts: WebOptions): string {
  if (opts.readOnly) return '<p class="bad">This marketplace is read-only: uploads are refused.</p>';
  return `<p>Upload a signed metadata entry (the XML that <code>stratus sign-metadata</code> writes). It is checked exactly as an API upload: signature, endorser, constraints.</p>
<form method="post" action="/metadata" enctype="multipart/form-data" class="upload">
<label for="file">Signed metadata file</label>
<input type="file" id="file" name="Metadata File" accept=".xml,application/xml,application/rdf+xml" required>
<button type="submit">Upload</button>
</form>`;
}

const STATUSES = ['valid', 'expired', 'deprecated'] as const;

async function listPage(store: LocalMarketplace, opts: WebOptions, res: http.ServerResponse, url: URL): Promise<void> {
  const p = url.searchParams;
  const q: ListQuery = parseQuery(p);
  const start = Math.max(0, Math.floor(Number(p.get('start') ?? 0)) || 0);
  q.start = start; q.length = PAGE_SIZE;
  q.sortColumn = 6; q.sortDir = 'desc';
  const page0 = await store.list(q, { includePrivate: false });
  const docs = await Promise.all(page0.entries.map(e => store.get(e.key).catch(() => undefined)));
  const verdicts = await pageVerdicts(docs, opts.trusted);
  const rows = page0.entries.map((e, i) => {
    const v = verdicts[i];
    const s = e.summary;
    const href = `/metadata/${keyString(e.key)}`;
    return `<tr><td><a href="${esc(href)}">${esc(s.title || s.identifier)}</a><div class="sub mono">${esc(s.identifier)}</div></td>`
      + `<td>${esc([s.os, s.osVersion, s.osArch].filter(Boolean).join(' '))}</td><td>${esc(e.key.email)}</td>`
      + `<td class="mono">${esc(e.key.created)}</td><td class="mono">${esc(s.valid)}</td><td>${esc(statusText(s))}</td><td>${badge(v)}</td></tr>`;
  });
  const status = q.status ?? 'valid';
  const form = `<form method="get" action="/metadata" class="filters" role="search">
<label>Search <input type="search" name="q" value="${esc(q.text)}"></label>
<label>OS <input type="text" name="os" value="${esc(q.os)}" size="10"></label>
<label>Endorser <input type="text" name="endorser" value="${esc(q.endorser)}" size="16"></label>
<label>Status <select name="status">${STATUSES.map(st => `<option value="${st}"${st === status ? ' selected' : ''}>${st}</option>`).join('')}</select></label>
<button type="submit">Filter</button> <a href="/metadata">Clear</a>
</form>`;
  const keep = new URLSearchParams();
  for (const [k, v] of [['q', q.text], ['os', q.os], ['endorser', q.endorser], ['status', q.status]] as const) if (v) keep.set(k, v);
  const link = (s: number) => { const l = new URLSearchParams(keep); if (s) l.set('start', String(s)); const t = l.toString(); return `/metadata${t ? `?${t}` : ''}`; };
  const last = Math.min(start + PAGE_SIZE, page0.matched);
  const nav = `<nav class="paging" aria-label="pages">${start > 0 ? `<a rel="prev" href="${esc(link(Math.max(0, start - PAGE_SIZE)))}">‹ Previous</a>` : ''}
<span id="count">${page0.matched ? `${start + 1}–${last} of ${page0.matched}` : '0'} ${esc(status)} entries</span>${last < page0.matched ? `<a rel="next" href="${esc(link(start + PAGE_SIZE))}">Next ›</a>` : ''}</nav>`;
  const table = rows.length
    ? `<table class="entries"><thead><tr><th>Title</th><th>OS</th><th>Endorser</th><th>Created</th><th>Valid until</th><th>Status</th><th>Trust</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '<p class="empty">No metadata matching query found.</p>';
  page(res, 200, 'Marketplace', form + nav + table);
}

/**
 * Verdicts for a page: remembered by document hash; when several are new (a cold page: ~30 ms each), they are
 * computed in one worker round trip so the event loop stays free for other clients.
 */
const known = new Map<string, TrustVerdict>();
const KNOWN_MAX = 20_000;
const VERDICT_TTL_MS = 10 * 60_000;
async function pageVerdicts(docs: Array<string | undefined>, trusted: string[] | undefined): Promise<Array<TrustVerdict | undefined>> {
  const slot = Math.floor(Date.now() / VERDICT_TTL_MS);   // dates (expiring, expired) move on: recompute now and then
  const keyOf = (d: string) => crypto.createHash('sha256').update(d).update(`\u0000${slot}\u0000${(trusted ?? []).join('\u0000')}`).digest('hex');
  const keys = docs.map(d => (d === undefined ? undefined : keyOf(d)));
  const missing = docs.map((d, i) => ({ d, i })).filter(x => x.d !== undefined && !known.has(keys[x.i]!));
  if (missing.length > 2) {
    const got = await verdictsInWorker(missing.map(x => x.d!), trusted);
    missing.forEach((x, j) => { if (got[j]) remember(keys[x.i]!, got[j]!); });
  } else {
    for (const x of missing) { try { remember(keys[x.i]!, trustVerdict(x.d!, { trusted })); } catch { /* shown as unreadable */ } }
  }
  return keys.map(k => (k === undefined ? undefined : known.get(k)));
}
function remember(k: string, v: TrustVerdict): void {
  if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value!);
  known.set(k, v);
}

function statusText(s: { deprecated?: string; valid?: string }): string {
  if (s.deprecated !== undefined) return 'deprecated';
  if (!s.valid) return 'undated';
  return s.valid > isoSeconds(new Date()) ? 'valid' : 'expired';
}

function badgeLabel(v: TrustVerdict): string {
  if (v.signature === 'absent') return 'unsigned';
  if (v.signature === 'invalid') return 'signature invalid';
  if (!v.endorserMatches) return 'endorser mismatch';
  if (v.level === 'bad' && !v.trusted && v.problems.some(p => p.startsWith('signer '))) return 'untrusted signer';
  if (v.trusted) return 'trusted';
  return 'signature valid';
}

function badge(v: TrustVerdict | undefined): string {
  if (!v) return '<span class="badge bad">unreadable</span>';
  const label = badgeLabel(v);
  const cls = v.signature !== 'valid' || !v.endorserMatches || label === 'untrusted signer' ? 'bad' : v.trusted ? 'good' : 'warning';
  const mark = cls === 'good' ? '✓' : cls === 'bad' ? '✗' : '!';
  return `<span class="badge ${cls}" title="${esc(v.problems.join('; ') || 'signature valid, endorser matches, signer trusted')}">${mark} ${esc(label)}</span>`;
}

async function entryPage(store: LocalMarketplace, opts: WebOptions, req: http.IncomingMessage, res: http.ServerResponse, key: EntryKey): Promise<void> {
  const xml = await store.get(key);
  const v = trustVerdict(xml, { trusted: opts.trusted });
  const s = v.summary;
  const path = `/metadata/${keyString(key)}`;
  const origin = `http://${req.headers.host}`;
  const vscodeUri = `vscode://stratus.stratus/entry?${new URLSearchParams({ identifier: key.identifier, email: key.email, created: key.created, endpoint: origin })}`;
  const row = (k: string, val: string) => `<tr><th scope="row">${esc(k)}</th><td>${val}</td></tr>`;
  const text = (k: string, val: unknown) => (val === undefined || val === '' ? '' : row(k, esc(val)));
  const locs = s.locations.map(l => (/^(https?|ftp):\/\//i.test(l) ? `<a href="${esc(l)}" rel="noreferrer nofollow">${esc(l)}</a>` : `<span class="mono">${esc(l)}</span>`)).join('<br>');
  const sums = Object.entries(s.checksums).map(([a, h]) => `${esc(a)} <span class="mono">${esc(h)}</span>`).join('<br>');
  const fields = [
    text('Identifier', s.identifier), text('Title', s.title), text('Description', s.description), text('Alternative (tag)', s.alternative),
    text('OS', s.os), text('OS version', s.osVersion), text('Architecture', s.osArch), text('Version', s.version),
    text('Kind', s.kind), text('Type', s.type), text('Format', s.format), text('Compression', s.compression),
    text('Bytes', s.bytes), sums ? row('Checksums', sums) : '', locs ? row('Location', locs) : '',
    text('Endorser', key.email), text('Endorser subject', s.endorserSubject), text('Endorser issuer', s.endorserIssuer),
    text('Created', key.created), text('Valid until', s.valid), text('Deprecated', s.deprecated), text('Creator', s.creator),
  ].join('');
  const verdict = `<section class="verdict ${esc(v.level)}" id="verdict"><h2>Verdict: ${badge(v)}</h2>`
    + `<ul>${(v.problems.length ? v.problems : ['signature valid, endorser matches the signing certificate, in date']).map(p => `<li>${esc(p)}</li>`).join('')}</ul>`
    + `<table class="fields">${text('Signer', v.signer)}${text('Signer issuer', v.signerIssuer)}${row('Trusted by this server', v.trusted ? 'yes' : opts.trusted?.length ? 'no' : 'no trusted certificates configured (<code>--trusted</code>)')}</table></section>`;
  const use = `<section><h2>Use it</h2><pre class="cmd">stratus-run-instance ${esc(key.identifier)}</pre>`
    + `<p><a href="${esc(path)}?media=xml" id="xml" download>XML</a> (the signed document exactly as stored) · <a href="${esc(path)}?media=json">JSON</a> · <a href="${esc(vscodeUri)}" id="vscode">Open in VS Code</a> (Stratus Marketplace view)</p></section>`;
  page(res, 200, s.title || key.identifier, `<p><a href="/metadata">‹ All entries</a></p><table class="fields">${fields}</table>${verdict}${use}`);
}

function page(res: http.ServerResponse, status: number, title: string, body: string): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<meta name="color-scheme" content="light dark"><title>${esc(title)} · Stratus marketplace</title><link rel="stylesheet" href="/static/stratus.css"></head>`
    + `<body><header><a href="/" class="brand">Stratus marketplace</a><nav><a href="/metadata">Entries</a><a href="/upload">Upload</a></nav></header>`
    + `<main><h1>${esc(title)}</h1>${body}</main></body></html>`;
  sendText(res, status, 'text/html; charset=utf-8', html);
}

function sendText(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}
