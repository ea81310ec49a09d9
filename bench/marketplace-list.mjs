// Marketplace listing at 1,000 and 10,000 entries: open (cold = summarise every file; warm = index.json),
// list (default query: latest, valid) and the first tree render (grouping + the row presentation the
// Marketplace view builds, minus vscode). Prints figures, the 10k/1k growth ratio, and the budget check
// (list + first render <= 300 ms at 10,000). Needs `npx tsc -p .` first. usage: node bench/marketplace-list.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = p => path.join(root, 'out', 'src', p);
if (!fs.existsSync(out('backend/marketplace/local.js'))) { console.error('run `npx tsc -p .` first'); process.exit(1); }
const { LocalMarketplace } = require(out('backend/marketplace/local.js'));
const { groupEntries } = require(out('core/marketplace/group.js'));
const { presentEntry } = require(out('core/marketplace/present.js'));
const { sha1ToIdentifier } = require(out('core/metadata/identifier.js'));
const { isoSeconds } = require(out('core/marketplace/keys.js'));

const OSES = ['ubuntu', 'centos', 'debian', 'fedora', 'ttylinux', 'alpine', 'sl', 'opensuse'];
const FIRST_SCREEN = 60;   // rows a tall sidebar shows

function doc(i) {
  const sha1 = crypto.createHash('sha1').update(`image ${i}`).digest('hex');
  const id = sha1ToIdentifier(sha1);
  const email = `endorser${i % 25}@example.org`;
  const created = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const valid = i % 10 === 0 ? '2020-01-01T00:00:00Z' : '2099-01-01T00:00:00Z';   // 10% expired
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="no"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:slreq="http://mp.stratuslab.eu/slreq#" xmlns:slterms="http://mp.stratuslab.eu/slterms#" xml:base="http://mp.stratuslab.eu/">
<rdf:Description rdf:about="#${id}"><dcterms:identifier>${id}</dcterms:identifier><slreq:bytes>${1 << 20}</slreq:bytes>
<slreq:checksum rdf:parseType="Resource"><slreq:algorithm>SHA-1</slreq:algorithm><slreq:value>${sha1}</slreq:value></slreq:checksum>
<slreq:endorsement rdf:parseType="Resource"><dcterms:created>${created}</dcterms:created><slreq:endorser rdf:parseType="Resource"><slreq:email>${email}</slreq:email><slreq:subject>CN=E ${i % 25}</slreq:subject><slreq:issuer>CN=E ${i % 25}</slreq:issuer></slreq:endorser></slreq:endorsement>
<dcterms:type>base</dcterms:type><slterms:os>${OSES[i % OSES.length]}</slterms:os><slterms:os-version>${i % 7}.0</slterms:os-version><slterms:os-arch>x86_64</slterms:os-arch><slterms:version>1.${i % 9}</slterms:version>
<slterms:location>http://images.example.org/${id}.img.gz</slterms:location><dcterms:valid>${valid}</dcterms:valid><dcterms:title>Image ${i}</dcterms:title><dcterms:description>bench entry ${i}</dcterms:description>
</rdf:Description></rdf:RDF>`;
  return { id, email, created, xml };
}

function seed(dir, n) {
  for (let i = 0; i < n; i++) {
    const d = doc(i);
    const p = path.join(dir, 'metadata', d.id, d.email);
    fs.mkdirSync(p, { recursive: true });
    fs.writeFileSync(path.join(p, `${d.created}.xml`), d.xml);
  }
}

const ms = t0 => Number(process.hrtime.bigint() - t0) / 1e6;
function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

async function measure(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stratus-bench-mp-${n}-`));
  try {
    seed(dir, n);
    let t = process.hrtime.bigint();
    const cold = new LocalMarketplace(dir);
    await cold.ready();
    const coldMs = ms(t);
    await cold.flush();
    const runs = [];
    for (let r = 0; r < 5; r++) {
      t = process.hrtime.bigint();
      const mp = new LocalMarketplace(dir);
      await mp.ready();
      const openMs = ms(t);
      t = process.hrtime.bigint();
      const page = await mp.list({});
      const listMs = ms(t);
      t = process.hrtime.bigint();
      const groups = groupEntries(page.entries, 'os');
      const now = isoSeconds(new Date());
      let rows = 0;
      for (const g of groups) { rows++; for (const e of g.entries) { if (rows >= FIRST_SCREEN) break; presentEntry(e, undefined, now); rows++; } if (rows >= FIRST_SCREEN) break; }
      const renderMs = ms(t);
      runs.push({ openMs, listMs, renderMs, listed: page.entries.length });
    }
    return { n, coldMs, openMs: median(runs.map(r => r.openMs)), listMs: median(runs.map(r => r.listMs)), renderMs: median(runs.map(r => r.renderMs)), listed: runs[0].listed };
  } finally { if (process.env.MP_BENCH_KEEP) console.error(`kept ${dir}`); else fs.rmSync(dir, { recursive: true, force: true }); }
}

const small = await measure(1000);
const large = await measure(10000);
const row = r => `${String(r.n).padStart(6)} entries (${r.listed} listed): cold open ${r.coldMs.toFixed(0)} ms, warm open ${r.openMs.toFixed(1)} ms, list ${r.listMs.toFixed(1)} ms, first render ${r.renderMs.toFixed(2)} ms, list+render ${(r.listMs + r.renderMs).toFixed(1)} ms`;
console.log(row(small));
console.log(row(large));
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(1) : 'n/a');
console.log(`growth 10k/1k (baseline = the 1,000-entry run above): list ${ratio(large.listMs, small.listMs)}x, list+render ${ratio(large.listMs + large.renderMs, small.listMs + small.renderMs)}x, warm open ${ratio(large.openMs, small.openMs)}x, cold open ${ratio(large.coldMs, small.coldMs)}x`);
const budget = large.listMs + large.renderMs;
console.log(`budget: list + first render at 10,000 = ${budget.toFixed(1)} ms (target <= 300 ms): ${budget <= 300 ? 'OK' : 'OVER'}`);
