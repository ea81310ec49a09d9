#!/usr/bin/env node
// bench/validate.mjs — validateMetadata (all layers: signature, schema, constraints, RDF, advice) on a typical
// entry and on a 1 MiB entry, against parseXml alone on the same text (the floor any validation pays), measured
// in the same run. Needs: npx tsc -p . (uses out/). Usage: node bench/validate.mjs   (RUNS=50)
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { validateMetadata } = require(path.join(root, 'out/src/core/metadata/validate.js'));
const { parseXml } = require(path.join(root, 'out/src/core/xml.js'));
const { MINIMAL } = require(path.join(root, 'out/test/core/metadata/fixtures.js'));

const RUNS = Number(process.env.RUNS ?? 50);
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, runs) {
  for (let i = 0; i < 3; i++) fn();
  const ms = [];
  for (let i = 0; i < runs; i++) { const t = process.hrtime.bigint(); fn(); ms.push(Number(process.hrtime.bigint() - t) / 1e6); }
  return median(ms);
}

// Typical: the minimal sample plus the fields the client needs.
const typical = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', ['<dcterms:type>machine</dcterms:type>', '<slterms:kind>machine</slterms:kind>',
  '<slterms:os>Ubuntu</slterms:os>', '<slterms:os-version>24.04</slterms:os-version>', '<slterms:os-arch>x86_64</slterms:os-arch>', '<slterms:version>1.0</slterms:version>',
  '<dcterms:compression>gz</dcterms:compression>', '<slterms:location>http://example.org/u.img.gz</slterms:location>', '<dcterms:valid>2099-01-01T00:00:00Z</dcterms:valid>',
  '<dcterms:description>An Ubuntu base image</dcterms:description>'].join('\n    '));
// 1 MiB: the same entry with many extra (lax, valid) properties.
let extra = '', i = 0;
while (typical.length + extra.length < 1 << 20) extra += `\n    <slterms:inbound-port>${i++ % 65536}</slterms:inbound-port><dcterms:subject>keyword ${i}</dcterms:subject>`;
const big = typical.replace('</rdf:Description>', `${extra}\n  </rdf:Description>`);

for (const [name, text, runs] of [['typical', typical, RUNS], ['1 MiB', big, Math.max(5, RUNS / 10)]]) {
  const r = validateMetadata(text);
  if (r.verdict.layers.schema?.ok !== true || r.verdict.layers.constraints?.ok !== true) throw new Error(`${name} document is not valid: ${JSON.stringify(r.verdict.layers)}`);
  const full = time(() => validateMetadata(text), runs);
  const parse = time(() => parseXml(text), runs);
  console.log(`${name.padEnd(8)} ${(text.length / 1024).toFixed(1).padStart(7)} KiB  validateMetadata ${full.toFixed(2).padStart(8)} ms   baseline parseXml ${parse.toFixed(2).padStart(8)} ms   ratio ${(full / parse).toFixed(2)}x`);
}
