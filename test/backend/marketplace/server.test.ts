import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import { spawn } from 'child_process';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { serve, RunningServer } from '../../../src/backend/marketplace/server';
import { RemoteMarketplace } from '../../../src/backend/marketplace/remote';
import { MarketplaceError } from '../../../src/backend/marketplace/marketplace';
import { corpus, corpusDir, corpusSkip, signedEntry, isoIn, originalDeprecation, testKey } from './fixtures';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-srv-'));
const AT_2012 = () => new Date('2012-06-01T00:00:00Z');

async function withServer(fn: (s: RunningServer, store: LocalMarketplace) => Promise<void>, now?: () => Date): Promise<void> {
  const store = new LocalMarketplace(tmp(), { now });
  const s = await serve(store, { port: 0 });
  try { await fn(s, store); } finally { await s.close(); }
}

/** Raw HTTP so the status text (the original's message) is visible exactly. */
function request(url: string, opts: { method?: string; body?: string; type?: string; accept?: string } = {}): Promise<{ status: number; text: string; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: { ...(opts.type ? { 'Content-Type': opts.type } : {}), Accept: opts.accept ?? 'application/xml' } }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', c => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, text: res.statusMessage!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
const post = (s: RunningServer, file: string) => request(`${s.url}/metadata`, { method: 'POST', body: corpus(file), type: 'application/rdf+xml' });

test('binds to loopback by default', async () => {
  await withServer(async s => assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/));
});

test('corpus: every "Server upload sequences" row, over HTTP', { skip: corpusSkip }, async () => {
  const verdicts = JSON.parse(fs.readFileSync(path.join(corpusDir, '..', 'verdicts.json'), 'utf8')) as Array<{ sequences?: Array<{ uploads: string[]; expect: number[]; message?: string }> }>;
  const seqs = verdicts.flatMap(v => v.sequences ?? []);
  assert.ok(seqs.length >= 3);
  for (const seq of seqs) {
    await withServer(async s => {
      const got = [];
      for (const f of seq.uploads) got.push(await post(s, f));
      assert.deepEqual(got.map(r => r.status), seq.expect, seq.uploads.join(' → '));
      const last = got[got.length - 1];
      if (seq.message && last.status >= 400) {
        assert.equal(last.text, seq.message);
        assert.equal(last.body, `<?xml version="1.0" encoding="UTF-8"?><error>${seq.message}</error>`);
      }
    }, AT_2012);
  }
});

test('corpus: MDataResourceTest / MDatumResourceTest behaviours', { skip: corpusSkip }, async () => {
  await withServer(async s => {
    const bad = await post(s, 'valid.xml');
    assert.deepEqual([bad.status, bad.text], [400, 'invalid metadata: no signature']);
    const j = await request(`${s.url}/metadata`, { method: 'POST', body: corpus('valid.xml'), type: 'application/xml', accept: 'application/json' });
    assert.deepEqual(JSON.parse(j.body), { 400: 'invalid metadata: no signature' });

    const ok = await post(s, 'valid-indate-signature.xml');
    assert.equal(ok.status, 201);
    assert.equal(ok.body, 'metadata entry created');
    assert.equal(ok.headers.location, `${s.url}/metadata/BEE8-MMAw-Lk_IgsEExAy3d9R8h/jane.tester@example.org/2014-03-08T14:10:40Z`, 'keyed by the endorsement created');
    assert.equal((await post(s, 'valid-indate-newer-signature.xml')).status, 201);
    const byId = await request(`${s.url}/metadata/BEE8-MMAw-Lk_IgsEExAy3d9R8h`);
    assert.equal(byId.status, 200);
    assert.equal((byId.body.match(/<rdf:RDF/g) ?? []).length, 1, 'latest only');
    assert.match(byId.body, /2014-03-08T14:23:18Z/);
    const one = await request(ok.headers.location!);
    assert.equal(one.body, corpus('valid-indate-signature.xml'), 'GET of a key returns the stored bytes');
    assert.equal(one.headers['content-disposition'], 'attachment; filename=BEE8-MMAw-Lk_IgsEExAy3d9R8h.xml');
    const rdfJson = JSON.parse((await request(`${ok.headers.location}?media=json`)).body);
    assert.equal(rdfJson['http://mp.stratuslab.eu/#BEE8-MMAw-Lk_IgsEExAy3d9R8h']['http://mp.stratuslab.eu/slterms#os'][0].value, 'ttylinux');
    const missing = await request(`${s.url}/metadata/BEE8-MMAw-Lk_IgsEExAy3d9R8h/jane.tester@example.org/2000-01-01T00:00:00Z`);
    assert.deepEqual([missing.status, missing.text], [404, 'metadata entry not found.']);
  }, AT_2012);

  await withServer(async s => {
    await post(s, 'valid-indate-deprecated-signature.xml');
    assert.equal((await request(`${s.url}/metadata/BEE8-MMAw-Lk_IgsEExAy3d9R8h`)).status, 404);
    assert.equal((await request(`${s.url}/metadata/BEE8-MMAw-Lk_IgsEExAy3d9R8h?status=deprecated`)).status, 200);
    await post(s, 'valid-expired-signature.xml');
    const e = await request(`${s.url}/metadata/Ce3uQbAaxJMbTBaCXWO2FZPRFTT`);
    assert.deepEqual([e.status, e.text], [404, 'no metadata matching query found']);
    assert.equal((await request(`${s.url}/metadata/Ce3uQbAaxJMbTBaCXWO2FZPRFTT?status=expired`)).status, 200);
  }, AT_2012);

  await withServer(async s => {
    await post(s, 'invalid-special-characters-signature.xml');
    // the DataTables POST (form-encoded) is a query, not an upload
    const r = await request(`${s.url}/metadata`, { method: 'POST', type: 'application/x-www-form-urlencoded', body: 'sEcho=3&status=valid&iDisplayStart=0&iDisplayLength=10&sSortDir_0=asc', accept: 'application/json' });
    const data = JSON.parse(r.body);
    assert.equal(data.sEcho, 3);
    assert.equal(data.aaData.length, 1);
    assert.equal(data.aaData[0][7], 'BEE8-MMAw-Lk_IgsEExAy3d9R8h');
    assert.equal(data.aaData[0].length, 11);
  }, () => new Date('2011-12-01T00:00:00Z'));

  await withServer(async s => {
    for (const f of ['valid-alternative.xml', 'valid-alternative-newid.xml', 'valid-alternative-deprecated-signed.xml']) assert.equal((await post(s, f)).status, 201);
    for (const u of [`${s.url}/metadata/jane.tester@example.org?tag=Alternative`, `${s.url}/tag/jane.tester@example.org/Alternative`]) {
      assert.equal((await request(u)).body, corpus('valid-alternative-newid.xml'), u);
    }
    const tags = await request(`${s.url}/endorsers/jane.tester@example.org/tags`);
    assert.match(tags.body, /<literal>Alternative<\/literal>/);
  }, AT_2012);
});

test('multipart upload, read-only mode, unknown content type', async () => {
  const doc = signedEntry({ content: 'multipart', title: 'MP', valid: isoIn(10) });
  const store = new LocalMarketplace(tmp());
  const s = await serve(store, { port: 0 });
  const ro = await serve(store, { port: 0, readOnly: true });
  try {
    const boundary = 'XyZ';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}\r\nContent-Disposition: form-data; name="Metadata File"; filename="m.xml"\r\nContent-Type: application/xml\r\n\r\n${doc}\r\n--${boundary}--\r\n`;
    assert.equal((await request(`${s.url}/metadata`, { method: 'POST', type: `multipart/form-data; boundary=${boundary}`, body })).status, 201);
    const none = await request(`${s.url}/metadata`, { method: 'POST', type: `multipart/form-data; boundary=${boundary}`, body: `--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--${boundary}--\r\n` });
    assert.deepEqual([none.status, none.text], [400, 'no valid file uploaded']);
    const r = await request(`${ro.url}/metadata`, { method: 'POST', type: 'application/xml', body: doc });
    assert.deepEqual([r.status, r.text], [403, 'read-only repository']);
    assert.equal((await request(`${s.url}/metadata`, { method: 'POST', type: 'text/plain', body: doc })).status, 415);
  } finally { await s.close(); await ro.close(); }
});

test('RemoteMarketplace against our server: list XML/JSON, get, upload, tag, endorsers, paging, errors', async () => {
  await withServer(async (s, store) => {
    const remote = new RemoteMarketplace(s.url + '/', { retries: 0 });
    const docs = ['alpha', 'beta', 'gamma'].map((c, i) => signedEntry({ content: c, title: `T-${c}`, os: i ? 'ubuntu' : 'centos', valid: isoIn(10), alternative: c }));
    for (const d of docs) assert.equal((await remote.upload(d)).status, 201);
    await assert.rejects(remote.upload(docs[0].replace('T-alpha', 'T-evil')), (e: unknown) => e instanceof MarketplaceError && e.status === 400 && /^invalid metadata: signature validation/.test(e.message));
    const page = await remote.list();
    assert.deepEqual(page.entries.map(e => e.summary.title).sort(), ['T-alpha', 'T-beta', 'T-gamma']);
    const body = (x: string) => x.replace(/^<\?xml[^?]*\?>\s*/, '');
    assert.ok(page.entries.every(e => e.xml && docs.map(body).includes(body(e.xml))), 'the XML list carries each signed document');
    assert.deepEqual((await remote.list({ os: 'ubuntu', sortColumn: 10, sortDir: 'desc', start: 0, length: 1 })).entries.map(e => e.summary.title), ['T-gamma']);
    const rows = await remote.listRows({ os: 'ubuntu', length: 1, sortColumn: 10, sortDir: 'asc' });
    assert.equal(rows.matched, 2);
    assert.equal(rows.entries[0].summary.title, 'T-beta');
    assert.deepEqual((await remote.list({ identifier: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA' })).entries, []);
    const local = (await store.list()).entries[0];
    assert.equal(await remote.get(local.key), await store.get(local.key));
    await assert.rejects(remote.get({ ...local.key, created: '2000-01-01T00:00:00Z' }), (e: unknown) => e instanceof MarketplaceError && e.status === 404 && e.message === 'metadata entry not found.');
    assert.equal(await remote.tag('jane.tester@example.org', 'beta'), docs[1]);
    assert.deepEqual((await remote.endorsers()).map(e => e.email), ['jane.tester@example.org']);
  });
});

test('RemoteMarketplace: unreachable endpoint errors clearly after retries; bad URLs refused', async () => {
  const port = await new Promise<number>(r => { const srv = http.createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as any).port; srv.close(() => r(p)); }); });
  const t0 = Date.now();
  await assert.rejects(new RemoteMarketplace(`http://127.0.0.1:${port}`, { retries: 2 }).list(), /connection refused/);
  assert.ok(Date.now() - t0 >= 500, 'two retries with back-off (200 + 400 ms)');
  assert.throws(() => new RemoteMarketplace('ftp://x'), /http/);
  // a server that never answers: the timeout fires
  const hang = http.createServer(() => { /* never responds */ });
  await new Promise<void>(r => hang.listen(0, '127.0.0.1', r));
  try {
    await assert.rejects(new RemoteMarketplace(`http://127.0.0.1:${(hang.address() as any).port}`, { timeoutMs: 200, retries: 0 }).list(), /did not answer within 200 ms/);
  } finally { hang.closeAllConnections(); hang.close(); }
});

test('a deprecation shaped like the original Deprecator\'s (unqualified parseType, endorsement last), signed by us: 201 and listed as deprecated', async () => {
  const t0 = new Date(Date.now() - 60_000);
  const entry = signedEntry({ content: 'old image', title: 'Old', valid: isoIn(30) }, t0);
  const dep = originalDeprecation(entry, 'superseded by a newer image', new Date());
  assert.match(dep, /<slreq:endorsement parseType="Resource">\s*<dcterms:created>/, 'the signer kept the attribute and filled the endorsement');
  await withServer(async s => {
    assert.equal((await request(`${s.url}/metadata`, { method: 'POST', body: entry, type: 'application/xml' })).status, 201);
    const up = await request(`${s.url}/metadata`, { method: 'POST', body: dep, type: 'application/xml' });
    assert.equal(up.status, 201, `${up.status} ${up.text}`);
    const id = /<dcterms:identifier>([^<]+)</.exec(entry)![1];
    assert.equal((await request(`${s.url}/metadata/${id}`)).status, 404, 'no longer listed as valid');
    const listed = await request(`${s.url}/metadata/${id}?status=deprecated`);
    assert.equal(listed.status, 200);
    assert.match(listed.body, /<slterms:deprecated>superseded by a newer image<\/slterms:deprecated>/);
    const remote = new RemoteMarketplace(s.url + '/', { retries: 0 });
    const page = await remote.list({ status: 'deprecated' } as any);
    assert.equal(page.entries.find(e => e.key.identifier === id)?.summary.deprecated, 'superseded by a newer image');
  });
});

/** The built CLI in a separate process, as a user's shell runs it next to a running `stratus marketplace serve`. */
function cli(home: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const main = path.resolve(__dirname, '../../../src/cli/main.js');
  const env = { ...process.env, HOME: home, STRATUS_DATA_DIR: path.join(home, 'data'), STRATUSLAB_MARKETPLACE_ENDPOINT: '', STRATUS_P12_PASSWORD: 'x' };
  return new Promise(resolve => {
    const p = spawn(process.execPath, [main, ...args], { env });
    let out = '', err = '';
    p.stdout.on('data', d => (out += d));
    p.stderr.on('data', d => (err += d));
    p.on('close', code => resolve({ code: code ?? -1, out, err }));
  });
}

test('uploads and deprecations by other processes (the CLI) on the served folder are served on the next request', async () => {
  const home = tmp();
  const dir = path.join(home, 'store');
  const idOf = (xml: string) => /<dcterms:identifier>([^<]+)/.exec(xml)![1];
  const old = signedEntry({ content: 'served before', title: 'Old image', valid: isoIn(30) }, new Date(Date.now() - 120_000));
  const fresh = signedEntry({ content: 'uploaded meanwhile', title: 'Fresh image', valid: isoIn(30) }, new Date(Date.now() - 60_000));
  const store = new LocalMarketplace(dir);
  await store.upload(old);
  await store.flush();
  const s = await serve(store, { port: 0 });
  try {
    const html = (q = '') => request(`${s.url}/metadata${q}`, { accept: 'text/html' });
    const json = async (q = '') => JSON.parse((await request(`${s.url}/metadata?media=json${q}`)).body) as { iTotalRecords: number; aaData: string[][] };
    const count = async (q = '') => /<span id="count">([^<]*)<\/span>/.exec((await html(q)).body)![1];
    // warm every path first: list index, entry bytes, verdicts
    assert.match(await count(), /^1–1 of 1 valid entries/);
    assert.equal((await json()).iTotalRecords, 1);
    assert.equal((await request(`${s.url}/metadata/${idOf(old)}`)).body.includes('Old image'), true);

    const file = path.join(home, 'fresh.xml');
    fs.writeFileSync(file, fresh);
    const up = await cli(home, 'upload-metadata', file, '--dir', dir);
    assert.equal(up.code, 0, up.err);
    assert.match(await count(), /^1–2 of 2 valid entries/, 'the HTML list shows the upload');
    assert.match((await html()).body, /Fresh image/);
    const listed = await json();
    assert.equal(listed.iTotalRecords, 2, 'the JSON API lists the upload');
    assert.ok(JSON.stringify(listed.aaData).includes(idOf(fresh)));
    assert.match((await request(`${s.url}/metadata/${idOf(fresh)}`)).body, /Fresh image/, 'the latest entry of the identifier');
    const one = await request(`${s.url}/metadata/${idOf(fresh)}/jane.tester@example.org/${/<dcterms:created>([^<]+)/.exec(fresh)![1]}`);
    assert.equal(one.status, 200);
    assert.equal(one.body, fresh, 'the entry\'s XML is served byte for byte');

    const p12 = path.join(home, 'k.p12');
    fs.writeFileSync(p12, (testKey() as ReturnType<typeof testKey> & { p12: Buffer }).p12);
    const dep = await cli(home, 'marketplace', 'deprecate', idOf(old), '--email', 'jane.tester@example.org', '--reason', 'superseded', '--p12-cert', p12, '--dir', dir);
    assert.equal(dep.code, 0, dep.err);
    assert.equal(fs.existsSync(path.join(dir, 'journal')), false, 'the CLI wrote the index before it ended (as upload-metadata does)');
    assert.match(await count(), /^1–1 of 1 valid entries/, 'the deprecated entry is no longer listed as valid');
    assert.doesNotMatch((await html()).body, /Old image/);
    assert.match(await count('?status=deprecated'), /^1–1 of 1 deprecated entries/);
    assert.match((await html('?status=deprecated')).body, /Old image/);
    assert.equal((await json('&status=deprecated')).iTotalRecords, 1);
    assert.equal((await json()).iTotalRecords, 1);
    assert.equal((await request(`${s.url}/metadata/${idOf(old)}`)).status, 404, 'the latest valid entry of the identifier: none');
    assert.match((await request(`${s.url}/metadata/${idOf(old)}?status=deprecated`)).body, /<slterms:deprecated>superseded<\/slterms:deprecated>/);
  } finally { await s.close(); }
});
