import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import * as zlib from 'zlib';
import * as crypto from 'crypto';
import { execFileSync } from 'child_process';
import { pathToFileURL } from 'url';
import { downloadImage } from '../../../src/backend/marketplace/download';
import { summarize } from '../../../src/core/metadata/summary';
import { unsignedMetadata } from './fixtures';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-dl-'));
const image = crypto.randomBytes(300_000);

function summaryFor(content: Buffer, locations: string[], extra: { compression?: string; format?: 'raw' | 'qcow2' } = {}) {
  return summarize(unsignedMetadata({ content, valid: '2099-01-01T00:00:00Z', locations, ...extra }));
}

async function withHttp(files: Record<string, Buffer>, fn: (base: string, hits: string[]) => Promise<void>) {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(req.url!);
    const f = files[req.url!];
    if (!f) { res.statusCode = 404; res.end(); return; }
    res.setHeader('Content-Length', f.length);
    res.end(f);
  });
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  try { await fn(`http://127.0.0.1:${(srv.address() as any).port}`, hits); } finally { srv.close(); }
}

test('http download, gzip inflated, verified, cached by SHA-1; a second call is a cache hit', async () => {
  await withHttp({ '/img.gz': zlib.gzipSync(image) }, async (base, hits) => {
    const cache = tmp();
    const s = summaryFor(image, [`${base}/img.gz`], { compression: 'gz' });
    const progress: number[] = [];
    const r = await downloadImage(s, cache, { onProgress: d => progress.push(d) });
    const sha1 = crypto.createHash('sha1').update(image).digest('hex');
    assert.equal(r.path, path.join(cache, `${sha1}.raw`));
    assert.equal(r.format, 'raw');
    assert.ok(fs.readFileSync(r.path).equals(image));
    assert.ok(progress.length > 0 && progress[progress.length - 1] === zlib.gzipSync(image).length);
    const again = await downloadImage(s, cache);
    assert.equal(again.cached, true);
    assert.equal(hits.length, 1);
    assert.deepEqual(fs.readdirSync(cache).sort(), [`${sha1}.raw`, `${sha1}.raw.verified`]);
  });
});

test('file:// and .bz2 (inflated by bzip2), qcow2 naming', async () => {
  const dir = tmp();
  const raw = path.join(dir, 'img.raw');
  fs.writeFileSync(raw, image);
  execFileSync('bzip2', ['-k', raw]);
  const s = summaryFor(image, [pathToFileURL(raw + '.bz2').href], { format: 'qcow2' });
  const r = await downloadImage(s, path.join(dir, 'cache'), { allowFileLocations: true });
  assert.equal(path.basename(r.path), `${crypto.createHash('sha1').update(image).digest('hex')}.qcow2`);
  assert.ok(fs.readFileSync(r.path).equals(image));
});

test('size and SHA-1 mismatches use the original messages and leave nothing in the cache', async () => {
  const other = Buffer.concat([image.subarray(0, image.length - 1), Buffer.from([image[image.length - 1] ^ 1])]);
  const truncated = image.subarray(0, 1000);
  await withHttp({ '/other': other, '/short': truncated }, async base => {
    const cache = tmp();
    const s1 = summaryFor(image, [`${base}/other`]);
    const sha = crypto.createHash('sha1').update(other).digest('hex');
    await assert.rejects(downloadImage(s1, cache), { message: `Manifest hash code different from downloaded image: image=${sha}, matadata=${s1.checksums['SHA-1']}` });
    await assert.rejects(downloadImage(summaryFor(image, [`${base}/short`]), cache), { message: `Downloaded image size (1000) doesn't match size in image manifest (${image.length})` });
    await assert.rejects(downloadImage(summaryFor(image, [`${base}/missing`]), cache), /HTTP 404/);
    assert.deepEqual(fs.readdirSync(cache), []);
  });
});

test('no usable location; corrupt gzip; cancellation', async () => {
  const cache = tmp();
  await assert.rejects(downloadImage(summaryFor(image, []), cache), /^Error: Image location\(s\) are not set in manifest for the image with ID /);
  await assert.rejects(downloadImage(summaryFor(image, ['pdisk:h:8445:0b3c7a5e-0000-0000-0000-000000000000']), cache), /only http:\/\/, https:\/\/ and file:\/\//);
  await withHttp({ '/bad.gz': Buffer.from('not gzip at all') }, async base => {
    await assert.rejects(downloadImage(summaryFor(image, [`${base}/bad.gz`]), cache), /incorrect header check|unexpected end/i);
  });
  const slow = http.createServer((_req, res) => { res.setHeader('Content-Length', image.length); res.write(image.subarray(0, 1000)); });
  await new Promise<void>(r => slow.listen(0, '127.0.0.1', r));
  try {
    const ac = new AbortController();
    const p = downloadImage(summaryFor(image, [`http://127.0.0.1:${(slow.address() as any).port}/x`]), cache, { signal: ac.signal, onProgress: () => ac.abort() });
    await assert.rejects(p, /cancelled/);
  } finally { slow.closeAllConnections(); slow.close(); }
  assert.deepEqual(fs.readdirSync(cache), []);
});

// --- hostile entries and caches (issue: image-cache poisoning, decompression bombs, file:// from remote marketplaces) ---

test('an entry claiming a trusted identifier with another image is refused, and cannot plant a file a later genuine download returns', async () => {
  const evil = crypto.randomBytes(300_000);
  await withHttp({ '/genuine': image, '/evil': evil }, async (base, hits) => {
    const cache = tmp();
    const genuine = summaryFor(image, [`${base}/genuine`]);
    const forged = { ...summaryFor(evil, [`${base}/evil`]), identifier: genuine.identifier };
    await assert.rejects(downloadImage(forged, cache), /identifier .* does not match its SHA-1/);
    const r = await downloadImage(genuine, cache);
    assert.ok(fs.readFileSync(r.path).equals(image), 'the genuine download returns the genuine image');
    assert.ok(hits.includes('/genuine'));
  });
});

test('a cache entry changed after it was verified is re-checked on the next hit and replaced by the genuine image', async () => {
  await withHttp({ '/genuine': image }, async (base, hits) => {
    const cache = tmp();
    const s = summaryFor(image, [`${base}/genuine`]);
    const first = await downloadImage(s, cache);
    const planted = Buffer.from(image); planted[0] ^= 0xff;
    fs.writeFileSync(first.path, planted);
    const again = await downloadImage(s, cache);
    assert.equal(again.cached, false, 'the tampered entry is not a cache hit');
    assert.ok(fs.readFileSync(again.path).equals(image));
    assert.equal(hits.length, 2);
    const third = await downloadImage(s, cache);
    assert.equal(third.cached, true, 'a verified, unchanged entry is a hit');
  });
});

test('a decompression bomb is stopped while it inflates, as soon as it passes the size the metadata names', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 << 20));
  await withHttp({ '/bomb.gz': bomb }, async base => {
    const cache = tmp();
    const s = summaryFor(image, [`${base}/bomb.gz`], { compression: 'gz' });
    const err = await downloadImage(s, cache).then(() => undefined, e => e as Error);
    assert.ok(err, 'refused');
    const m = /larger than the size in image manifest \((\d+)\): stopped after (\d+) bytes/.exec(err!.message);
    assert.ok(m, `streamed size check, got: ${err!.message}`);
    assert.ok(Number(m![2]) <= image.length + (1 << 20), `inflation stopped near the limit, not after ${m![2]} bytes`);
    assert.deepEqual(fs.readdirSync(cache), []);
  });
});

test('file:// locations are refused unless the entry comes from the embedded local marketplace', async () => {
  const dir = tmp();
  const raw = path.join(dir, 'img.raw');
  fs.writeFileSync(raw, image);
  const s = summaryFor(image, [pathToFileURL(raw).href]);
  await assert.rejects(downloadImage(s, path.join(dir, 'cache')), /file:\/\/ locations are only followed for entries of the local marketplace/);
  const r = await downloadImage(s, path.join(dir, 'cache'), { allowFileLocations: true });
  assert.ok(fs.readFileSync(r.path).equals(image));
});

test('the .part file of a killed download is swept by the next download; a live one is kept', async () => {
  const slowSrv = http.createServer((_req, res) => { res.setHeader('Content-Length', image.length); res.write(image.subarray(0, 50_000)); });
  await new Promise<void>(r => slowSrv.listen(0, '127.0.0.1', r));
  const cache = tmp();
  try {
    const s = summaryFor(image, [`http://127.0.0.1:${(slowSrv.address() as any).port}/x`]);
    const mod = path.resolve(__dirname, '../../../src/backend/marketplace/download.js');
    const { spawn } = await import('child_process');
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(mod)}).downloadImage(${JSON.stringify(s)}, ${JSON.stringify(cache)})`], { stdio: 'ignore' });
    const parts = () => fs.existsSync(cache) ? fs.readdirSync(cache).filter(f => f.endsWith('.part')) : [];
    for (let i = 0; i < 200 && !parts().length; i++) await new Promise(r => setTimeout(r, 50));
    assert.equal(parts().length, 1, 'the child is downloading');
    child.kill('SIGKILL');
    await new Promise(r => child.once('exit', r));
    const live = `.${'0'.repeat(40)}.${process.pid}.abcd.part`;
    fs.writeFileSync(path.join(cache, live), 'in progress');
    await withHttp({ '/ok': image }, async base => { await downloadImage(summaryFor(image, [`${base}/ok`]), cache); });
    assert.deepEqual(parts(), [live], 'the killed download is swept, the live one kept');
  } finally { slowSrv.closeAllConnections(); slowSrv.close(); }
});
