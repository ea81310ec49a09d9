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

test('http download, gzip inflated, verified, cached by identifier; a second call is a cache hit', async () => {
  await withHttp({ '/img.gz': zlib.gzipSync(image) }, async (base, hits) => {
    const cache = tmp();
    const s = summaryFor(image, [`${base}/img.gz`], { compression: 'gz' });
    const progress: number[] = [];
    const r = await downloadImage(s, cache, { onProgress: d => progress.push(d) });
    assert.equal(r.path, path.join(cache, `${s.identifier}.raw`));
    assert.equal(r.format, 'raw');
    assert.ok(fs.readFileSync(r.path).equals(image));
    assert.ok(progress.length > 0 && progress[progress.length - 1] === zlib.gzipSync(image).length);
    const again = await downloadImage(s, cache);
    assert.equal(again.cached, true);
    assert.equal(hits.length, 1);
    assert.deepEqual(fs.readdirSync(cache), [`${s.identifier}.raw`]);
  });
});

test('file:// and .bz2 (inflated by bzip2), qcow2 naming', async () => {
  const dir = tmp();
  const raw = path.join(dir, 'img.raw');
  fs.writeFileSync(raw, image);
  execFileSync('bzip2', ['-k', raw]);
  const s = summaryFor(image, [pathToFileURL(raw + '.bz2').href], { format: 'qcow2' });
  const r = await downloadImage(s, path.join(dir, 'cache'));
  assert.equal(path.basename(r.path), `${s.identifier}.qcow2`);
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
