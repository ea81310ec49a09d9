import * as fs from 'fs';
import * as path from 'path';
import type { CliCommand, CliIO } from '../command';
import { parseOptions as parse, type Parsed } from '../args';
import { CliError, inputError } from '../command';
import { argvSecretWarning, askPassword } from './metadataSign';
import { dataLayout } from '../../backend/paths';
import { LocalMarketplace } from '../../backend/marketplace/local';
import { serve, isLoopback } from '../../backend/marketplace/server';
import { openMarketplace, deprecateEntry, LOCAL_ENDPOINT } from '../../backend/marketplace/open';
import { findLatest, Marketplace, MarketplaceError } from '../../backend/marketplace/marketplace';
import { downloadImage } from '../../backend/marketplace/download';
import { trustVerdict, verdictProblem } from '../../backend/marketplace/trust';
import { parseKeyString, IDENTIFIER_RE } from '../../core/marketplace/keys';
import { ListQuery, Status, LocationFilter, row } from '../../core/marketplace/query';
import { decodeXml, declareUtf8 } from '../../core/xml';
import { signMetadata, loadPkcs12, loadPem, KeyMaterial } from '../../core/metadata/sign';

const str = (p: Parsed, ...names: string[]) => { for (const n of names) if (typeof p.opts[n] === 'string') return p.opts[n] as string; return undefined; };

function endpointOf(p: Parsed): string | undefined {
  return str(p, 'endpoint', 'marketplace-endpoint') ?? process.env.STRATUSLAB_MARKETPLACE_ENDPOINT;
}
function open(p: Parsed): Marketplace {
  const ep = endpointOf(p);
  try { return openMarketplace(ep, str(p, 'dir') ?? dataLayout().marketplace); } catch (e) { throw new CliError((e as Error).message); }
}
/** The original's `Failed to upload: <status>: <text>` as one user-error line, with what to do. */
function fail(e: unknown, _io: CliIO, what: string): number {
  if (e instanceof MarketplaceError) {
    const todo = e.status >= 500 ? 'the marketplace failed; try again later or ask its operator'
      : e.status === 404 ? 'check the identifier and the endpoint (marketplace list)' : 'the marketplace refused it; fix the request and try again';
    throw inputError(`${what}: ${e.status}: ${e.message} — ${todo}`);
  }
  throw e;
}

/** A secret from FILE (first line), the environment, or — with a warning — the original's argv option. */
function secret(p: Parsed, io: CliIO, o: { argv: string; file: string; env: string[] }): string | undefined {
  const v = str(p, o.argv);
  if (v !== undefined) { io.err(argvSecretWarning(`--${o.argv}`, `--${o.file} FILE`, o.env[0])); return v; }
  const f = str(p, o.file);
  if (f) { try { return fs.readFileSync(f, 'utf8').replace(/\r?\n$/, ''); } catch { throw inputError(`cannot read the password file ${f} — check the path`); } }
  for (const e of o.env) if (process.env[e] !== undefined) return process.env[e];
  return undefined;
}

function readOrFail(file: string, what: string): Buffer {
  try { return fs.readFileSync(file); } catch { throw inputError(`cannot read the ${what} ${file} — check the path`); }
}

async function loadKey(p: Parsed, io: CliIO): Promise<KeyMaterial> {
  const p12 = str(p, 'p12-cert') ?? process.env.STRATUSLAB_P12_CERTIFICATE;
  if (p12) {
    const pw = secret(p, io, { argv: 'p12-password', file: 'password-file', env: ['STRATUS_P12_PASSWORD', 'STRATUSLAB_P12_PASSWORD'] });
    return loadPkcs12(readOrFail(p12, 'certificate file'), pw ?? await askPassword('the PKCS#12 certificate'));
  }
  const key = str(p, 'key'), cert = str(p, 'cert');
  if (key && cert) {
    const pw = secret(p, io, { argv: 'key-password', file: 'key-password-file', env: ['STRATUS_KEY_PASSPHRASE'] });
    return loadPem(readOrFail(key, 'key file').toString('utf8'), readOrFail(cert, 'certificate file').toString('utf8'), pw);
  }
  throw new CliError('a signing key is needed: --p12-cert FILE with --password-file FILE (or $STRATUS_P12_PASSWORD), or --key KEY.pem --cert CERT.pem');
}

async function serveCmd(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, ['read-only', 'public']);
  const known = ['port', 'host', 'dir', 'read-only', 'trusted', 'public'];
  // A typo (`--prot 9999`) must not silently serve on the default port.
  const unknown = Object.keys(p.opts).find(o => !known.includes(o));
  if (unknown !== undefined) throw new CliError(`unknown option --${unknown}; usage: stratus ${SERVE_USAGE}`);
  if (p.pos.length) throw new CliError(`unexpected argument '${p.pos[0]}'; usage: stratus ${SERVE_USAGE}`);
  const port = Number(str(p, 'port') ?? 8081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0-65535, not ${str(p, 'port')}`);
  const dir = path.resolve(str(p, 'dir') ?? dataLayout().marketplace);
  const host = str(p, 'host') ?? '127.0.0.1';
  const isPublic = !!p.opts.public;
  if (!isLoopback(host) && !isPublic) throw new CliError(`--host ${host} would let anyone who reaches it read and upload without authentication; add --public to mean it (with --read-only to refuse uploads), or keep 127.0.0.1`);
  let trusted: string[];
  try { trusted = trustedFrom(p); } catch (e) { throw new CliError(`cannot read --trusted: ${(e as Error).message}`); }
  const srv = await serve(new LocalMarketplace(dir), { host, port, readOnly: !!p.opts['read-only'], trusted, public: isPublic });
  if (!isLoopback(host)) io.err(`WARNING: serving on ${host} with no authentication: anyone who reaches ${srv.url} can read${p.opts['read-only'] ? '' : ' and upload signed entries (--read-only refuses uploads)'}`);
  io.out(`serving ${dir} at ${srv.url}/ (Ctrl-C stops)`);
  await new Promise<void>(resolve => {
    const stop = () => { srv.close().then(resolve); };
    process.once('SIGINT', stop); process.once('SIGTERM', stop);
  });
  return 0;
}

async function listCmd(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, ['json', 'all-versions'], ['endpoint', 'marketplace-endpoint', 'dir', 'status', 'location', 'identifier', 'email', 'created', 'os', 'arch', 'endorser', 'search', 'start', 'limit']);
  const status = str(p, 'status');
  if (status && !['valid', 'expired', 'deprecated'].includes(status)) throw new CliError(`--status must be valid, expired or deprecated`);
  const location = str(p, 'location');
  if (location && !['all', 'web', 'pdisk'].includes(location)) throw new CliError(`--location must be all, web or pdisk`);
  const num = (n: string) => { const v = str(p, n); if (v === undefined) return undefined; const i = Number(v); if (!Number.isInteger(i) || i < 0) throw new CliError(`--${n} must be a non-negative integer`); return i; };
  const q: ListQuery = {
    status: status as Status | undefined, location: location as LocationFilter | undefined,
    identifier: str(p, 'identifier'), email: str(p, 'email'), created: str(p, 'created'),
    os: str(p, 'os'), arch: str(p, 'arch'), endorser: str(p, 'endorser'), text: str(p, 'search') ?? (p.pos.join(' ') || undefined),
    start: num('start'), length: num('limit'),
  };
  const mp = open(p);
  let page;
  try { page = await mp.list(q); } catch (e) { return fail(e, io, 'Failed to list'); }
  if (p.opts.json) { io.out(JSON.stringify(page.entries.map(e => ({ ...e.key, ...e.summary, private: e.private || undefined })), null, 2)); return 0; }
  if (!page.entries.length) { io.out('no metadata matching query found'); return 0; }
  for (const e of page.entries) {
    const r = row(e);
    io.out(`${e.key.identifier}  ${e.key.email}  ${e.key.created}  ${[r[1], r[2], r[3]].filter(x => x !== 'null').join(' ')}  ${e.summary.title ?? ''}${e.private ? '  (private draft)' : ''}`);
  }
  io.out(`${page.entries.length} of ${page.matched} entries`);
  return 0;
}

async function getCmd(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, ['verify'], ['endpoint', 'marketplace-endpoint', 'dir', 'email', 'trusted']);
  const ref = p.pos[0];
  if (!ref) throw new CliError('give an entry: IDENTIFIER or IDENTIFIER/EMAIL/CREATED');
  const mp = open(p);
  try {
    let xml: string;
    const key = parseKeyString(ref);
    if (key) xml = await mp.get(key);
    else {
      if (!IDENTIFIER_RE.test(ref)) throw new CliError(`'${ref}' is neither an identifier (27 characters) nor IDENTIFIER/EMAIL/CREATED`);
      const latest = await findLatest(mp, ref, { email: str(p, 'email') });
      if (!latest) { io.err(`no entry for ${ref} in ${mp.endpoint}`); return 1; }
      xml = latest.xml ?? await mp.get(latest.key);
    }
    if (p.opts.verify) {
      const v = trustVerdict(xml, { trusted: trustedFrom(p) });
      io.out(`${v.level}: ${v.problems.join('; ') || 'signature valid, endorser matches, in date'}`);
      return v.level === 'bad' ? 1 : 0;
    }
    io.out(xml);
    return 0;
  } catch (e) { return fail(e, io, 'Failed to get'); }
}

function trustedFrom(p: Parsed): string[] {
  const t = str(p, 'trusted');
  return t ? t.split(',').map(f => fs.readFileSync(f, 'utf8')) : [];
}

async function deprecateCmd(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, [], ['endpoint', 'marketplace-endpoint', 'dir', 'email', 'created', 'reason', 'p12-cert', 'p12-password', 'password-file', 'key', 'cert', 'key-password', 'key-password-file']);
  const id = p.pos[0];
  const email = str(p, 'email');
  if (!id || !IDENTIFIER_RE.test(id)) throw new CliError('give the image identifier (27 characters)');
  if (!email) throw new CliError('--email (the endorser e-mail of the entry to deprecate) is required');
  const key = await loadKey(p, io);
  const mp = open(p);
  try {
    const ok = await deprecateEntry(mp, { identifier: id, email, created: str(p, 'created') }, str(p, 'reason'), xml => signMetadata(xml, key, { email }));
    if (mp instanceof LocalMarketplace) await mp.flush();   // as upload-metadata: the index is current when the command ends
    io.out(ok.location);
    return 0;
  } catch (e) { return fail(e, io, 'Failed to deprecate'); }
}

const SERVE_USAGE = 'marketplace serve [--port 8081] [--host 127.0.0.1 [--public]] [--dir DIR] [--read-only] [--trusted a.pem,b.pem]';

const marketplaceCmd: CliCommand = {
  name: 'marketplace',
  summary: 'the embedded marketplace and StratusLab endpoints: serve, list, get, deprecate',
  usage: [
    SERVE_USAGE,
    '       stratus marketplace list [--endpoint URL|local] [--status valid|expired|deprecated] [--location all|web|pdisk] [--identifier ID] [--email E] [--created DATE] [--os TEXT] [--arch TEXT] [--endorser TEXT] [--search WORDS] [--start N] [--limit N] [--json]',
    '       stratus marketplace get ID|ID/EMAIL/CREATED [--endpoint URL] [--email E] [--verify [--trusted a.pem,b.pem]]',
    '       stratus marketplace deprecate ID --email E [--created DATE] [--reason TEXT] (--p12-cert F [--password-file PW] | --key K --cert C [--key-password-file PW]) [--endpoint URL]',
    '         passwords: --password-file / $STRATUS_P12_PASSWORD (P12), --key-password-file / $STRATUS_KEY_PASSPHRASE (PEM key)',
  ].join('\n'),
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'serve': return serveCmd(rest, io);
      case 'list': return listCmd(rest, io);
      case 'get': return getCmd(rest, io);
      case 'deprecate': return deprecateCmd(rest, io);
      default: throw new CliError(`unknown subcommand '${sub ?? ''}': use serve, list, get or deprecate`);
    }
  },
};

const uploadCmd: CliCommand = {
  name: 'upload-metadata',
  summary: 'upload a signed metadata file to a marketplace (the embedded one by default)',
  usage: 'upload-metadata FILE [--marketplace-endpoint URL|local] [--dir DIR]',
  async run(args, io) {
    const p = parse(args, [], ['endpoint', 'marketplace-endpoint', 'dir']);
    const file = p.pos[0];
    if (!file) throw new CliError('give the signed metadata file to upload');
    let xml: string;
    let bytes: Buffer;
    try { bytes = fs.readFileSync(file); } catch { throw inputError(`Cannot read ${file} — check the path`); }
    try { xml = declareUtf8(decodeXml(bytes)); } catch (e) { throw new CliError(`${file}: ${(e as Error).message}`); }
    const mp = open(p);
    try {
      const ok = await mp.upload(xml);
      if (mp instanceof LocalMarketplace) await mp.flush();
      io.out(ok.location);
      return 0;
    } catch (e) { return fail(e, io, 'Failed to upload'); }
  },
};

const downloadCmd: CliCommand = {
  name: 'download-image',
  summary: 'download (and verify) the image of a marketplace entry into the image cache',
  usage: 'download-image ID [--endpoint URL|local] [--email E] [--cache DIR] [--trusted a.pem,b.pem] [--force-untrusted]',
  async run(args, io) {
    const p = parse(args, ['force-untrusted'], ['endpoint', 'marketplace-endpoint', 'dir', 'email', 'cache', 'trusted']);
    const id = p.pos[0];
    if (!id || !IDENTIFIER_RE.test(id)) throw new CliError('give the image identifier (27 characters)');
    const mp = open(p);
    try {
      const latest = await findLatest(mp, id, { email: str(p, 'email') });
      if (!latest) { io.err(`no entry for ${id} in ${endpointOf(p) ?? LOCAL_ENDPOINT}`); return 1; }
      const xml = latest.xml ?? await mp.get(latest.key);
      const verdict = trustVerdict(xml, { trusted: trustedFrom(p) });
      const problem = verdictProblem(verdict);
      if (problem && !p.opts['force-untrusted']) { io.err(`refusing ${id}: ${problem} (--force-untrusted overrides)`); return 1; }
      let last = 0;
      // verdict.summary is read from the bytes the signature covers (the raw text only when it does not verify and the user forced it)
      const r = await downloadImage(verdict.summary, str(p, 'cache') ?? dataLayout().images, {
        allowFileLocations: mp.kind === 'local',
        onProgress: (done, total) => { const now = Date.now(); if (now - last > 1000) { last = now; io.err(`${done}${total ? `/${total}` : ''} bytes`); } },
      });
      io.out(r.path);
      return 0;
    } catch (e) {
      if (e instanceof MarketplaceError) return fail(e, io, 'Failed to download');
      io.err(`Failed to download: ${(e as Error).message}`); return 1;
    }
  },
};

export const marketplaceCommands: CliCommand[] = [marketplaceCmd, uploadCmd, downloadCmd];
