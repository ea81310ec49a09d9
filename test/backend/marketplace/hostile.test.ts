// Hostile requests against the served marketplace over loopback HTTP: each must be refused (or answered) without
// freezing the server for everyone else, which a GET issued meanwhile proves by answering within a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import * as net from 'net';
import { spawn } from 'child_process';
import { signedEntry, isoIn } from './fixtures';
import { checkUpload } from '../../../src/backend/marketplace/uploadCheck';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-hostile-'));

interface Reply { status: number; text: string; body: string; headers: http.IncomingHttpHeaders }
function request(url: string, opts: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: { Accept: 'application/xml', ...opts.headers } }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', c => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, text: res.statusMessage!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * The server runs in its own process (`stratus marketplace serve`, as a user runs it): a client in the same
 * process would be frozen along with it and could not measure the freeze.
 */
async function withServer(fn: (s: { url: string }) => Promise<void>): Promise<void> {
  const home = tmp();
  const p = spawn(process.execPath, [CLI, 'marketplace', 'serve', '--port', '0', '--dir', path.join(home, 'mp')], { env: { ...process.env, HOME: home } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '', err = '';
      p.stdout.on('data', d => { out += d; const m = /at (http:\/\/\S+?)\/ /.exec(out); if (m) resolve(m[1]); });
      p.stderr.on('data', d => (err += d));
      p.once('exit', c => reject(new Error(`serve exited ${c}: ${err}`)));
    });
    await fn({ url });
  } finally { p.kill('SIGTERM'); }
}

/** Starts `hostile`, then 150 ms later a plain GET; returns the GET's latency and the hostile reply. */
async function whileHostile(s: { url: string }, hostile: () => Promise<Reply>): Promise<{ getMs: number; reply: Reply }> {
  const pending = hostile().catch(e => ({ status: -1, text: String(e), body: '', headers: {} }) as Reply);
  await new Promise(r => setTimeout(r, 150));
  const t0 = Date.now();
  const got = await request(`${s.url}/metadata?media=json`, { headers: { Accept: 'application/json' } });
  const getMs = Date.now() - t0;
  assert.equal(got.status, 200);
  return { getMs, reply: await pending };
}

const typical = () => signedEntry({ content: 'hostile-test-image', title: 'Typical', valid: isoIn(30) });

test('a large forged upload (many elements) is refused without freezing the server', async () => {
  const filler = '<slterms:note>x</slterms:note>'.repeat(40_000);
  const forged = typical().replace('</rdf:Description>', `${filler}</rdf:Description>`);
  await withServer(async s => {
    const { getMs, reply } = await whileHostile(s, () => request(`${s.url}/metadata`, { method: 'POST', body: forged, headers: { 'Content-Type': 'application/xml' } }));
    assert.ok(getMs < 1000, `a GET took ${getMs} ms while the forged upload was processed`);
    assert.equal(reply.status, 400);
    assert.match(reply.text, /element/);
  });
});

test('a forged document under the element limit is verified off the event loop (worker with a deadline)', async () => {
  // ~2 s of verification work: on the event loop it would hold the GET back that long.
  const filler = '<slterms:note>x</slterms:note>'.repeat(2_500);
  const forged = typical().replace('</rdf:Description>', `${filler}</rdf:Description>`);
  await withServer(async s => {
    const { getMs, reply } = await whileHostile(s, () => request(`${s.url}/metadata`, { method: 'POST', body: forged, headers: { 'Content-Type': 'application/xml' } }));
    assert.ok(getMs < 1000, `a GET took ${getMs} ms while the forged upload was verified`);
    assert.equal(reply.status, 400);
    assert.match(reply.text, /signature validation/);
  });
  // The deadline: a worker still verifying when it passes is terminated and the upload refused.
  const t0 = Date.now();
  const late = await checkUpload(typical().replace('</rdf:Description>', `${'<slterms:note>x</slterms:note>'.repeat(8_000)}</rdf:Description>`), 500);
  assert.equal(late.ok, false);
  assert.match(late.message ?? '', /within 0\.5 s/);
  assert.ok(Date.now() - t0 < 3000, 'terminated at the deadline');
});

test('a 100k-deep unsigned document is refused without freezing the server', async () => {
  const deep = '<?xml version="1.0"?>' + '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
  await withServer(async s => {
    const { getMs, reply } = await whileHostile(s, () => request(`${s.url}/metadata`, { method: 'POST', body: deep, headers: { 'Content-Type': 'application/xml' } }));
    assert.ok(getMs < 1000, `a GET took ${getMs} ms while the deep document was processed`);
    assert.equal(reply.status, 400);
    assert.match(reply.text, /deep|depth/);
  });
});

test('a typical signed entry still uploads (inline, no worker) and lists', async () => {
  await withServer(async s => {
    const r = await request(`${s.url}/metadata`, { method: 'POST', body: typical(), headers: { 'Content-Type': 'application/xml' } });
    assert.equal(r.status, 201, r.text);
    const l = await request(`${s.url}/metadata?media=json`, { headers: { Accept: 'application/json' } });
    assert.equal(JSON.parse(l.body).aaData.length, 1);
  });
});

test('query fields are literal text, never regular expressions', async () => {
  await withServer(async s => {
    assert.equal((await request(`${s.url}/metadata`, { method: 'POST', body: typical(), headers: { 'Content-Type': 'application/xml' } })).status, 201);
    const evil = encodeURIComponent('(.*){10}Q');
    for (const field of ['q', 'os', 'arch', 'endorser', 'kind']) {
      const { getMs, reply } = await whileHostile(s, () => request(`${s.url}/metadata?media=json&${field}=${evil}`, { headers: { Accept: 'application/json' } }));
      assert.ok(getMs < 1000, `${field}: a GET took ${getMs} ms during the search`);
      assert.equal(JSON.parse(reply.body).aaData.length, 0, field);
    }
    const lit = await request(`${s.url}/metadata?media=json&os=TTYLIN`, { headers: { Accept: 'application/json' } });
    assert.equal(JSON.parse(lit.body).aaData.length, 1, 'case-insensitive substring');
    const dot = await request(`${s.url}/metadata?media=json&os=tty.inux`, { headers: { Accept: 'application/json' } });
    assert.equal(JSON.parse(dot.body).aaData.length, 0, '. is a dot, not any character');
  });
});

test('writes: cross-origin posts, foreign Host headers and non-XML types are refused', async () => {
  await withServer(async s => {
    const port = new URL(s.url).port;
    const boundary = 'B0und';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.xml"\r\nContent-Type: application/xml\r\n\r\n${typical()}\r\n--${boundary}--\r\n`;
    const cross = await request(`${s.url}/metadata`, { method: 'POST', body: multipart, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Origin: 'http://evil.example' } });
    assert.equal(cross.status, 403, 'cross-origin multipart');
    assert.match(cross.text, /origin/i);
    const crossXml = await request(`${s.url}/metadata`, { method: 'POST', body: typical(), headers: { 'Content-Type': 'application/xml', Origin: `http://127.0.0.1:${Number(port) + 1}` } });
    assert.equal(crossXml.status, 403, 'another loopback port is another origin');
    const rebind = await request(`${s.url}/metadata`, { method: 'POST', body: typical(), headers: { 'Content-Type': 'application/xml', Host: `evil.example:${port}` } });
    assert.equal(rebind.status, 403, 'DNS rebinding: foreign Host on a write');
    assert.match(rebind.text, /Host/);
    assert.equal((await request(`${s.url}/metadata`, { headers: { Host: `evil.example:${port}` } })).status, 403, 'DNS rebinding: foreign Host on a read');
    assert.equal((await request(`${s.url}/metadata`, { method: 'POST', body: typical(), headers: { 'Content-Type': 'text/plain' } })).status, 415);
    assert.equal((await request(`${s.url}/metadata`, { method: 'POST', body: typical() })).status, 415, 'no content type');
    assert.equal((await request(`${s.url}/metadata?media=json`, { headers: { Accept: 'application/json' } })).body.includes('"aaData":[]'), true, 'nothing was stored');
    const same = await request(`${s.url}/metadata`, { method: 'POST', body: multipart, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Origin: s.url, Host: `localhost:${port}` } });
    assert.equal(same.status, 403, 'the Origin must match the Host the browser used');
    const ok = await request(`${s.url}/metadata`, { method: 'POST', body: multipart, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Origin: s.url } });
    assert.equal(ok.status, 201, `same-origin form: ${ok.text}`);
  });
});

test('XML lists are not rendered inline; over-limit bodies get 413; malformed escapes get 400', async () => {
  await withServer(async s => {
    const list = await request(`${s.url}/metadata`);
    assert.equal(list.headers['x-content-type-options'], 'nosniff');
    assert.match(String(list.headers['content-disposition']), /^attachment/);
    assert.match(String(list.headers['content-security-policy']), /sandbox/);
    const big = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(new URL(s.url).port), '127.0.0.1', () => {
        sock.write(`POST /metadata HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nContent-Type: application/xml\r\nContent-Length: 50000000\r\n\r\n`);
        sock.write(Buffer.alloc(64 * 1024, 0x20));
      });
      let got = '';
      sock.on('data', d => (got += d));
      sock.on('close', () => resolve(got));
      sock.on('error', e => (got ? resolve(got) : reject(e)));
    });
    assert.match(big, /^HTTP\/1\.1 413 /);
    const esc = await request(`${s.url}/metadata/%E0%A4%A`);
    assert.equal(esc.status, 400);
    assert.match(esc.text, /escape/);
  });
});

function cli(args: string[], waitMs = 3000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise(resolve => {
    const home = tmp();
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HOME: home, STRATUS_DATA_DIR: path.join(home, 'data') } });
    let out = '', err = '';
    p.stdout.on('data', d => (out += d));
    p.stderr.on('data', d => (err += d));
    const timer = setTimeout(() => p.kill('SIGTERM'), waitMs);
    p.on('close', code => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

test('marketplace serve: unknown options refused with the usage line; a non-loopback bind needs --public and warns', async () => {
  const typo = await cli(['marketplace', 'serve', '--prot', '9999']);
  assert.equal(typo.code, 2, typo.out + typo.err);
  assert.match(typo.err, /unknown option --prot/);
  assert.match(typo.err, /marketplace serve \[--port/);
  assert.doesNotMatch(typo.out, /serving/);
  const open = await cli(['marketplace', 'serve', '--port', '0', '--host', '0.0.0.0']);
  assert.equal(open.code, 2, open.out + open.err);
  assert.match(open.err, /--public/);
  const pub = await cli(['marketplace', 'serve', '--port', '0', '--host', '0.0.0.0', '--public']);
  assert.match(pub.out, /serving .* at http:\/\/0\.0\.0\.0:\d+/);
  assert.match(pub.err, /WARNING: .*no authentication/);
});
