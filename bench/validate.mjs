#!/usr/bin/env node
// bench/validate.mjs — validateMetadata (all layers: signature, schema, constraints, RDF, advice) on a typical
// entry, the same entry signed, and a 1 MiB entry. Measured in the same run against:
//   before:   the former path — xmldom's parseXml, then the same layers over xmldom's DOM (+ the signature check);
//   parseXml: xmldom's parse alone (the floor the former path paid).
// Targets (issue 13): typical ≤ 5 ms, 1 MiB ≤ 100 ms; the signed row shows what the signature check adds (no target).
// Wall-clock medians (and the process's CPU time, which includes V8's GC threads): on a busy machine the wall
// clock counts time others took; compare the ratios, measured in the same run, and the CPU times.
// Needs: npm run -s build (uses out/). Usage: node bench/validate.mjs  (RUNS=50)
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = p => require(path.join(root, 'out', p));
const { validateMetadata } = out('src/core/metadata/validate.js');
const { parseXml } = out('src/core/xml.js');
const { parseXmlLite } = out('src/core/xmlLite.js');
const { SourceMap } = out('src/core/metadata/dom.js');
const { verifySignature } = out('src/core/metadata/verify.js');
const { checkSchema } = out('src/core/metadata/schema.js');
const { checkConstraints } = out('src/core/metadata/constraints.js');
const { checkRdf } = out('src/core/metadata/rdf.js');
const { checkAdvice } = out('src/core/metadata/advice.js');
const { summarize } = out('src/core/metadata/summary.js');
const { signMetadata } = out('src/core/metadata/sign.js');
const { MINIMAL } = out('test/core/metadata/fixtures.js');
const { makeCert } = out('test/core/metadata/testkeys.js');

const RUNS = Number(process.env.RUNS ?? 50);
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/**
 * Median ms of each function: all warmed up first (xml-crypto needs a long warm-up), then each timed in a block of
 * its own, so a call pays for the garbage of calls like itself, not for the large xmldom trees of the former path.
 */
function times(fns, runs) {
  for (let i = 0; i < Math.max(5, runs / 2); i++) for (const fn of fns) fn();
  return fns.map(fn => {
    const wall = [], cpu = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint(), c = process.cpuUsage();
      fn();
      const d = process.cpuUsage(c);
      wall.push(Number(process.hrtime.bigint() - t) / 1e6); cpu.push((d.user + d.system) / 1e3);
    }
    return { wall: median(wall), cpu: median(cpu) };
  });
}

/** What validateMetadata did before the light DOM: xmldom's parse feeds every layer. */
function before(text) {
  const parsed = parseXml(text), doc = parsed.doc, src = new SourceMap(text);
  verifySignature(text, {}, parsed);
  for (const check of [checkSchema, checkConstraints, checkRdf]) check(doc, src);
  checkAdvice(doc, src);
  summarize(doc);
}

// Typical: the minimal sample plus the fields the client needs.
const typical = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', ['<dcterms:type>machine</dcterms:type>', '<slterms:kind>machine</slterms:kind>',
  '<slterms:os>Ubuntu</slterms:os>', '<slterms:os-version>24.04</slterms:os-version>', '<slterms:os-arch>x86_64</slterms:os-arch>', '<slterms:version>1.0</slterms:version>',
  '<dcterms:compression>gz</dcterms:compression>', '<slterms:location>http://example.org/u.img.gz</slterms:location>', '<dcterms:valid>2099-01-01T00:00:00Z</dcterms:valid>',
  '<dcterms:description>An Ubuntu base image</dcterms:description>'].join('\n    '));
const cert = makeCert({ subj: '/CN=Bench Signer/O=Stratus', san: 'bench@example.org' });
const signed = signMetadata(typical, { privateKeyPem: cert.keyPem, certificatePem: cert.certPem });
// 1 MiB: the same entry with many extra (lax, valid) properties.
let extra = '', i = 0;
while (typical.length + extra.length < 1 << 20) extra += `\n    <slterms:inbound-port>${i++ % 65536}</slterms:inbound-port><dcterms:subject>keyword ${i}</dcterms:subject>`;
const big = typical.replace('</rdf:Description>', `${extra}\n  </rdf:Description>`);

const ms = x => `${x.toFixed(2).padStart(7)} ms`;
console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores (wall-clock medians; with other work running compare the ratios and CPU times)`);
for (const [name, text, runs, target] of [['typical', typical, RUNS, 5], ['signed', signed, RUNS, undefined], ['1 MiB', big, Math.max(5, RUNS / 10), 100]]) {
  const r = validateMetadata(text);
  if (r.verdict.layers.schema?.ok !== true || r.verdict.layers.constraints?.ok !== true) throw new Error(`${name} document is not valid: ${JSON.stringify(r.verdict.layers)}`);
  if ((name === 'signed') !== (r.signature?.status === 'valid')) throw new Error(`${name} document: signature ${r.signature?.status} ${r.signature?.message ?? ''}`);
  const [f, o, p, l] = times([() => validateMetadata(text), () => before(text), () => parseXml(text), () => parseXmlLite(text)], runs);
  const [full, old, parse, lite] = [f.wall, o.wall, p.wall, l.wall];
  console.log(`${name.padEnd(8)} ${(text.length / 1024).toFixed(1).padStart(7)} KiB  validateMetadata ${ms(full)} (cpu ${ms(f.cpu).trim()}) ${target === undefined ? '(no target: mostly xml-crypto)' : `(target ≤ ${target} ms: ${full <= target ? 'met' : 'MISSED'})`}` +
    `   before ${ms(old)} (cpu ${ms(o.cpu).trim()}) → ${(old / full).toFixed(1)}x faster   baseline parseXml ${ms(parse)} (ratio ${(full / parse).toFixed(2)}x)   parseXmlLite ${ms(lite)}`);
}
