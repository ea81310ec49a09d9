// The served marketplace's web list page at 10,000 entries: time to first byte and size of the first page
// (cold: trust verdicts computed; warm: remembered) and of a page deep in the list, against the JSON API's
// page of the same entries as the baseline measured in this run. Goal: a warm page <= 100 ms, paged.
// The newest 100 entries are really signed (their badges need a signature check); the rest are unsigned.
// Needs `npx tsc -p .` first. usage: node bench/marketplace-web.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = p => path.join(root, 'out', p);
if (!fs.existsSync(out('src/backend/marketplace/web.js'))) { console.error('run `npx tsc -p .` first'); process.exit(1); }
const { LocalMarketplace } = require(out('src/backend/marketplace/local.js'));
const { serve } = require(out('src/backend/marketplace/server.js'));
const { sha1ToIdentifier } = require(out('src/core/metadata/identifier.js'));
const { signedEntry, testKey } = require(out('test/backend/marketplace/fixtures.js'));

const N = 10_000, SIGNED = 100;
const OSES = ['ubuntu', 'centos', 'debian', 'fedora', 'ttylinux', 'alpine', 'sl', 'opensuse'];

function unsignedDoc(i) {
  const sha1 = crypto.createHash('sha1').update(`image ${i}`).digest('hex');
  const id = sha1ToIdentifier(sha1);
  const email = `endorser${i % 25}@example.org`;
  const created = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="no"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:slreq="http://mp.stratuslab.eu/slreq#" xmlns:slterms="http://mp.stratuslab.eu/slterms#" xml:base="http://mp.stratuslab.eu/">
<rdf:Description rdf:about="#${id}"><dcterms:identifier>${id}</dcterms:identifier><slreq:bytes>${1 << 20}</slreq:bytes>
<slreq:checksum rdf:parseType="Resource"><slreq:algorithm>SHA-1</slreq:algorithm><slreq:value>${sha1}</slreq:value></slreq:checksum>
<slreq:endorsement rdf:parseType="Resource"><dcterms:created>${created}</dcterms:created><slreq:endorser rdf:parseType="Resource"><slreq:email>${email}</slreq:email><slreq:subject>CN=E ${i % 25}</slreq:subject><slreq:issuer>CN=E ${i % 25}</slreq:issuer></slreq:endorser></slreq:endorsement>
<dcterms:type>base</dcterms:type><slterms:os>${OSES[i % OSES.length]}</slterms:os><slterms:os-version>${i % 7}.0</slterms:os-version><slterms:os-arch>x86_64</slterms:os-arch>
<slterms:location>http://images.example.org/${id}.img.gz</slterms:location><dcterms:valid>2099-01-01T00:00:00Z</dcterms:valid><dcterms:title>Image ${i}</dcterms:title>
</rdf:Description></rdf:RDF>`;
  return { id, email, created, xml };
}

function get(url) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    http.get(url, { headers: { Accept: 'text/html,application/xhtml+xml' } }, res => {
      const ttfb = Number(process.hrtime.bigint() - t0) / 1e6;
      let bytes = 0;
      res.on('data', c => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode, ttfb, total: Number(process.hrtime.bigint() - t0) / 1e6, bytes }));
    }).on('error', reject);
  });
}
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function warm(url, runs = 7) {
  const r = [];
  for (let i = 0; i < runs; i++) r.push(await get(url));
  return { ttfb: median(r.map(x => x.ttfb)), total: median(r.map(x => x.total)), bytes: r[0].bytes, status: r[0].status };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-web-'));
try {
  for (let i = 0; i < N - SIGNED; i++) {
    const d = unsignedDoc(i);
    fs.mkdirSync(path.join(dir, 'metadata', d.id, d.email), { recursive: true });
    fs.writeFileSync(path.join(dir, 'metadata', d.id, d.email, `${d.created}.xml`), d.xml);
  }
  const store = new LocalMarketplace(dir);
  await store.ready();
  for (let i = 0; i < SIGNED; i++) await store.upload(signedEntry({ content: `signed ${i}`, title: `Signed image ${i}`, os: OSES[i % OSES.length], valid: '2099-01-01T00:00:00Z' }, new Date(Date.now() - (SIGNED - i) * 1000)));
  await store.flush();
  const srv = await serve(store, { port: 0, trusted: [testKey().certificatePem] });
  try {
    const first = `${srv.url}/metadata`;
    const cold = await get(first);
    const w = await warm(first);
    const deep = `${srv.url}/metadata?start=5000`;
    const deepCold = await get(deep);
    const deepWarm = await warm(deep);
    const api = await warm(`${srv.url}/metadata?media=json&iDisplayLength=50`);
    const f = x => `ttfb ${x.ttfb.toFixed(1)} ms, total ${x.total.toFixed(1)} ms, ${(x.bytes / 1024).toFixed(1)} KiB`;
    console.log(`web list page, ${N} entries (${SIGNED} signed), 50 per page (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores):`);
    console.log(`  first page, cold (verdicts in a worker): ${f(cold)}`);
    console.log(`  first page, warm:                       ${f(w)}   ratio to API page ${(w.ttfb / api.ttfb).toFixed(2)}x`);
    console.log(`  page at entry 5000, cold:               ${f(deepCold)}`);
    console.log(`  page at entry 5000, warm:               ${f(deepWarm)}`);
    console.log(`  baseline: JSON API page of 50:          ${f(api)}`);
    console.log(`  goal: warm page <= 100 ms — ${w.ttfb <= 100 && deepWarm.ttfb <= 100 ? 'met' : 'NOT met'}; paged: ${w.bytes < 200 * 1024 ? 'yes' : 'no'}`);
  } finally { await srv.close(); }
} finally { fs.rmSync(dir, { recursive: true, force: true }); }
