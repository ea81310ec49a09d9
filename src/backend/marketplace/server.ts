import * as http from 'http';
import type { AddressInfo } from 'net';
import { LocalMarketplace } from './local';
import { MarketplaceError } from './marketplace';
import { entryUrl, parseKeyString, EMAIL_RE } from '../../core/marketplace/keys';
import { hasFilters, parseQuery, QueryError, row, ListQuery } from '../../core/marketplace/query';
import { toRdfJson } from '../../core/marketplace/rdfjson';
import { decodeXml, declareUtf8 } from '../../core/xml';
import { checkUpload } from './uploadCheck';
import { API_CSP, wantsHtml, webRoute, uploadAnswer } from './web';

/** No real limit in the original; refuse absurd bodies before buffering them. */
const MAX_BODY = 10_240_000;

export interface ServeOptions {
  host?: string; port?: number; readOnly?: boolean;
  /** PEM certificates the web pages' trust badges count as trusted (`--trusted`). */
  trusted?: string[];
  /** Allow a non-loopback bind (there is no authentication: anyone who reaches it may read and upload signed entries). */
  public?: boolean;
}
export interface RunningServer { url: string; server: http.Server; close(): Promise<void> }

type Media = 'xml' | 'json' | 'html';

/**
 * The StratusLab Marketplace REST API (docs/stratuslab.md#marketplace-api) over one LocalMarketplace: uploads, lists (XML/JSON, DataTables paging),
 * single entries, tags, endorsers. Private drafts are never served. Binds to 127.0.0.1 unless told otherwise.
 */
export function createHandler(store: LocalMarketplace, opts: ServeOptions = {}): http.RequestListener {
  return (req, res) => {
    // Never rendered as anything but what the Content-Type says; never framed; no referrer leaks to other sites.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');   // 'no-referrer' would make browsers send Origin: null on our own form
    res.setHeader('Content-Security-Policy', API_CSP);
    handle(store, opts, req, res).catch(e => {
      const status = e instanceof MarketplaceError ? e.status : e instanceof QueryError ? 400 : 500;
      sendError(req, res, status, status === 500 ? `internal error: ${(e as Error).message}` : (e as Error).message);
    });
  };
}

export async function serve(store: LocalMarketplace, opts: ServeOptions = {}): Promise<RunningServer> {
  await store.ready();
  const server = http.createServer(createHandler(store, opts));
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.public) throw new MarketplaceError(400, `refusing to serve on ${host} without authentication: bind to 127.0.0.1, or allow it explicitly (public)`);
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(opts.port ?? 0, host, () => { server.off('error', reject); resolve(); }); });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    server,
    close: () => new Promise<void>(r => { server.close(() => r()); server.closeAllConnections?.(); }),
  };
}

function media(req: http.IncomingMessage, url: URL): Media {
  const m = url.searchParams.get('media');
  if (m === 'xml' || m === 'json' || m === 'html') return m;
  const accept = String(req.headers.accept ?? '');
  if (/application\/(sparql-results\+)?json/.test(accept)) return 'json';
  if (/(application|text)\/(rdf\+)?xml/.test(accept)) return 'xml';
  return 'xml';   // the original's default media type
}

export function isLoopback(host: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
}

/**
 * DNS rebinding: a hostile page whose name resolves to 127.0.0.1 reaches a loopback server with its own name
 * in Host. A loopback server answers only to loopback names.
 */
function hostProblem(req: http.IncomingMessage, opts: ServeOptions): string | undefined {
  if (opts.public) return undefined;
  const host = String(req.headers.host ?? '');
  // Only the name matters (the attacker controls it); the port may differ behind an SSH tunnel (ssh -L 9000:127.0.0.1:8081).
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host);
  if (!m || !isLoopback(m[1])) return `Host '${host}' refused: this server answers only to loopback names (127.0.0.1, localhost)`;
  return undefined;
}

/** Writes are accepted only from this origin: browsers name the page's origin in Origin (and Sec-Fetch-Site) on every POST. */
function originProblem(req: http.IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) return `cross-origin upload refused (origin ${origin}): use the upload page of this server, or POST application/xml from a client`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site upload refused (${site})`;
  return undefined;
}

async function handle(store: LocalMarketplace, opts: ServeOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const hostBad = hostProblem(req, opts);
  if (hostBad) throw new MarketplaceError(403, hostBad);
  const url = new URL(req.url ?? '/', 'http://localhost');
  let parts: string[];
  try { parts = url.pathname.replace(/\/{2,}/g, '/').split('/').filter(Boolean).map(decodeURIComponent); } catch { throw new MarketplaceError(400, 'malformed percent-escape in the path'); }
  const base = `http://${req.headers.host ?? 'localhost'}/`;
  if (parts[0] === 'metadata' && req.method === 'POST' && parts.length === 1) return post(store, opts, req, res, url, base);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new MarketplaceError(405, 'method not allowed');
  if (await webRoute(store, opts, req, res, url, parts)) return;
  if (parts[0] === 'metadata') {
    const tag = url.searchParams.get('tag');
    if (parts.length === 2 && tag && EMAIL_RE.test(parts[1])) return sendEntry(req, res, url, await store.tag(parts[1], tag));
    if (parts.length === 4) {
      const key = parseKeyString(parts.slice(1).join('/'));
      if (!key) throw new MarketplaceError(404, 'metadata entry not found.');
      return sendEntry(req, res, url, await store.get(key));
    }
    if (parts.length > 4) throw new MarketplaceError(404, 'not found');
    return list(store, req, res, url, parseQuery(url.searchParams, parts.slice(1)), parts.length > 1);
  }
  if (parts[0] === 'tag' && parts.length === 3) return sendEntry(req, res, url, await store.tag(parts[1], parts[2]));
  if (parts[0] === 'endorsers') {
    if (parts.length === 1) return sparql(req, res, url, ['email', 'subject', 'issuer'], (await store.endorsers()).map(e => ({ ...e })));
    if (parts.length === 2) {
      const range = Number(url.searchParams.get('range') ?? 30);
      if (!Number.isFinite(range) || range < 0) throw new MarketplaceError(400, 'range must be a non-negative number of days');
      return sparql(req, res, url, ['identifier', 'created', 'description', 'location', 'deprecated', 'email'], (await store.history(parts[1], range)).map(h => ({ ...h })));
    }
    if (parts.length === 3 && parts[2] === 'tags') return sparql(req, res, url, ['tag'], (await store.tags(parts[1])).map(tag => ({ tag })));
  }
  if (parts.length === 0) return send(res, 200, 'text/plain; charset=utf-8', 'StratusLab-compatible marketplace (Stratus). Try GET /metadata or /metadata?media=json.\n');
  throw new MarketplaceError(404, 'not found');
}

async function post(store: LocalMarketplace, opts: ServeOptions, req: http.IncomingMessage, res: http.ServerResponse, url: URL, base: string): Promise<void> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    // A DataTables query, not an upload (docs/stratuslab.md#marketplace-api).
    const params = new URLSearchParams((await readBody(req)).toString('utf8'));
    return listJson(store, res, parseQuery(params), params.get('sEcho'));
  }
  const html = wantsHtml(req, url);
  try {
    const ok = await upload(store, opts, req, type, base);
    res.setHeader('Location', entryUrl(base, ok.key));
    if (html) return uploadAnswer(res, 201, 'metadata entry created', entryUrl('/', ok.key));
    send(res, 201, 'text/plain; charset=utf-8', 'metadata entry created');
  } catch (e) {
    if (!html || !(e instanceof MarketplaceError)) throw e;
    res.statusMessage = e.message.replace(/[^\t\x20-\x7e]/g, ' ').slice(0, 1000);
    uploadAnswer(res, e.status, e.message);
  }
}

async function upload(store: LocalMarketplace, opts: ServeOptions, req: http.IncomingMessage, type: string, base: string) {
  const originBad = originProblem(req);
  if (originBad) throw new MarketplaceError(403, originBad);
  if (opts.readOnly) throw new MarketplaceError(403, 'read-only repository');
  if (!/^(multipart\/form-data|application\/(rdf\+)?xml|text\/xml)/.test(type)) throw new MarketplaceError(415, `unsupported content type ${type || '(none)'}: POST the signed XML as application/xml`);
  const body = await readBody(req);
  let xml: string;
  if (type.startsWith('multipart/form-data')) {
    const file = firstFilePart(body, String(req.headers['content-type']));
    if (file === undefined) throw new MarketplaceError(400, 'no valid file uploaded');
    xml = file;
  } else {
    if (!body.length) throw new MarketplaceError(400, 'post with null entity');
    try { xml = declareUtf8(decodeXml(body)); } catch (e) { throw new MarketplaceError(400, `invalid metadata: ${(e as Error).message}`); }
  }
  return store.upload(xml, await checkUpload(xml));
}

async function list(store: LocalMarketplace, req: http.IncomingMessage, res: http.ServerResponse, url: URL, q: ListQuery, pathFilters: boolean): Promise<void> {
  if (media(req, url) === 'json') return listJson(store, res, q, url.searchParams.get('sEcho'));
  const page = await store.list(q, { includePrivate: false });
  if (!page.entries.length && (pathFilters || hasFilters(q))) throw new MarketplaceError(404, 'no metadata matching query found');
  const docs = await Promise.all(page.entries.map(e => store.get(e.key)));
  const body = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><metadata>' + docs.map(d => d.replace(/^\uFEFF?\s*<\?xml[^?]*\?>/, '')).join('') + '</metadata>';
  // Entries may carry XHTML; a browser must never render this list on our origin.
  res.setHeader('Content-Disposition', 'attachment; filename=metadata.xml');
  send(res, 200, 'application/xml; charset=utf-8', body);
}

async function listJson(store: LocalMarketplace, res: http.ServerResponse, q: ListQuery, sEcho: string | null): Promise<void> {
  const page = await store.list(q, { includePrivate: false });
  const out = { sEcho: Number(sEcho ?? 0) || 0, iTotalRecords: page.matched, iTotalDisplayRecords: page.matched, rMsg: 'no metadata matching query found', aaData: page.entries.map(row) };
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(out));
}

function sendEntry(req: http.IncomingMessage, res: http.ServerResponse, url: URL, xml: string): void {
  const id = /<(?:\w+:)?identifier[^>]*>([A-Za-z0-9_-]{27})</.exec(xml)?.[1] ?? 'metadata';
  if (media(req, url) === 'json') {
    res.setHeader('Content-Disposition', `attachment; filename=${id}.json`);
    return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(toRdfJson(xml)));
  }
  res.setHeader('Content-Disposition', `attachment; filename=${id}.xml`);
  send(res, 200, 'application/rdf+xml; charset=utf-8', xml);
}

function sparql(req: http.IncomingMessage, res: http.ServerResponse, url: URL, vars: string[], rows: Array<Record<string, unknown>>): void {
  if (media(req, url) === 'json') {
    const bindings = rows.map(r => Object.fromEntries(vars.filter(v => r[v] !== undefined).map(v => [v, { type: 'literal', value: String(r[v]) }])));
    return send(res, 200, 'application/sparql-results+json; charset=utf-8', JSON.stringify({ head: { vars }, results: { bindings } }));
  }
  const results = rows.map(r => '<result>' + vars.filter(v => r[v] !== undefined).map(v => `<binding name="${v}"><literal>${esc(String(r[v]))}</literal></binding>`).join('') + '</result>').join('');
  send(res, 200, 'application/sparql-results+xml; charset=utf-8',
    `<?xml version="1.0" encoding="UTF-8"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>${vars.map(v => `<variable name="${v}"/>`).join('')}</head><results>${results}</results></sparql>`);
}

function sendError(req: http.IncomingMessage, res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) { res.destroy(); return; }
  if (status === 413) res.setHeader('Connection', 'close');
  res.statusMessage = message.replace(/[^\t\x20-\x7e]/g, ' ').slice(0, 1000);
  const accept = String(req.headers.accept ?? '');
  if (/application\/json/.test(accept)) return send(res, status, 'application/json; charset=utf-8', `{"${status}" : ${JSON.stringify(message)}}`);
  if (/(application|text)\/(rdf\+)?xml/.test(accept)) return send(res, status, 'application/xml; charset=utf-8', `<?xml version="1.0" encoding="UTF-8"?><error>${esc(message)}</error>`);
  send(res, status, 'text/plain; charset=utf-8', message);
}

export function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

export function esc(s: string): string { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }

/** Over-limit bodies get a 413 answer (and the connection closes after it), not a reset. */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooBig = () => {
      req.removeAllListeners('data');
      req.resume();
      reject(new MarketplaceError(413, `request body larger than ${MAX_BODY} bytes; metadata entries are a few KiB`));
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return tooBig();
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) return tooBig();
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The first multipart part that carries a filename (the web form's "Metadata File"). */
function firstFilePart(body: Buffer, type: string): string | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!boundary) return undefined;
  const text = body.toString('latin1');
  for (const part of text.split(`--${boundary[1] ?? boundary[2]}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    if (!/filename="[^"]+"/i.test(head)) continue;
    const content = part.slice(sep + 4).replace(/\r\n$/, '');
    return Buffer.from(content, 'latin1').toString('utf8');
  }
  return undefined;
}
