#!/usr/bin/env node
// bench/build-metadata.mjs — build-metadata's one-pass digests (bytes, MD5, SHA-1, SHA-256, SHA-512 over two
// worker threads) on a 1 GiB file, against md5sum, sha1sum, sha256sum and sha512sum run one after another on
// the same file in the same run. Target: ≤ 0.6× the four commands' total on a 2-core machine.
// Needs: npx tsc -p . (uses out/). Usage: node bench/build-metadata.mjs [FILE]   (SIZE_MIB=1024 for the generated file)
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { computeDigests } = require(path.join(root, 'out/src/core/metadata/digests.js'));

let file = process.argv[2], made;
if (!file) {
  const mib = Number(process.env.SIZE_MIB ?? 1024);
  file = made = path.join(os.tmpdir(), `stratus-bench-${process.pid}.img`);
  const block = crypto.randomBytes(1 << 20);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < mib; i++) { block[0] = i & 255; fs.writeSync(fd, block); }
  fs.closeSync(fd);
}
const size = fs.statSync(file).size;
const secs = t => Number(process.hrtime.bigint() - t) / 1e9;
try {
  // Warm the page cache once so every contender reads from memory, not the disk.
  spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tools = {};
  for (const tool of ['md5sum', 'sha1sum', 'sha256sum', 'sha512sum']) {
    const t = process.hrtime.bigint();
    const r = spawnSync(tool, [file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
    tools[tool] = { s: secs(t), hex: r.stdout.split(/\s/)[0] };
  }
  const t = process.hrtime.bigint();
  const d = await computeDigests(file);
  const ours = secs(t);
  for (const [tool, key] of [['md5sum', 'md5'], ['sha1sum', 'sha1'], ['sha256sum', 'sha256'], ['sha512sum', 'sha512']]) {
    if (tools[tool].hex !== d[key]) throw new Error(`${key} differs from ${tool}`);
  }
  const total = Object.values(tools).reduce((a, x) => a + x.s, 0);
  const slowest = Math.max(...Object.values(tools).map(x => x.s));
  console.log(`file ${(size / 1048576).toFixed(0)} MiB, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`);
  for (const [tool, x] of Object.entries(tools)) console.log(`  ${tool.padEnd(10)} ${x.s.toFixed(2).padStart(7)} s`);
  console.log(`  four tools, one after another: ${total.toFixed(2)} s`);
  console.log(`  computeDigests (one pass, 2 workers): ${ours.toFixed(2)} s  (${(size / 1048576 / ours).toFixed(0)} MiB/s)`);
  console.log(`ratio to the four tools' total: ${(ours / total).toFixed(2)}x (target ≤ 0.60x)`);
  console.log(`ratio to the slowest single tool: ${(ours / slowest).toFixed(2)}x`);
} finally {
  if (made) fs.rmSync(made, { force: true });
}
