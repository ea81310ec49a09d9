#!/usr/bin/env node
// bench/save.mjs — the Epilog's save of an instance with 10 MiB changed on the 2 GiB Debian base, against
// the naive way (full `qemu-img convert` of overlay+base to raw, then `sha1sum`), in the same run.
// Ours: the overlay stays a qcow2 overlay on its base (moved, O(delta) bytes written) and the identifier
// comes from one streamed SHA-1 pass over the raw content (nbdcopy ← qemu-nbd), nothing written but the delta.
// "before" is the previous save (the same read feeding MD5/SHA-1/SHA-256/SHA-512), measured in the same run.
// The guest's writes are simulated with qemu-io (same qcow2 clusters a guest would dirty).
// Needs: npx tsc -p . (uses out/), the base image (scripts/setup-kvm.sh or STRATUS_TEST_BASE_IMAGE), nbdcopy.
// Usage: node bench/save.mjs [RUNS=3]
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { LocalHost } = require(path.join(root, 'out/src/backend/host/local.js'));
const { rawDigests, rawSha1 } = require(path.join(root, 'out/src/backend/kvm/images.js'));
const { sha1ToIdentifier } = require(path.join(root, 'out/src/core/metadata/identifier.js'));

const RUNS = Number(process.env.RUNS ?? 3);
const base = process.env.STRATUS_TEST_BASE_IMAGE || execFileSync('bash', [path.join(root, 'scripts/setup-kvm.sh')], { encoding: 'utf8', env: { ...process.env, WITH_LIBVIRT: '0' } }).trim().split('\n').pop();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-save-'));
const host = new LocalHost();
const secs = t0 => Number(process.hrtime.bigint() - t0) / 1e9;
const du = f => Number(execFileSync('du', ['-B1', f], { encoding: 'utf8' }).split('\t')[0]);

function dirtyOverlay(name) {
  const ov = path.join(tmp, `${name}.qcow2`);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, ov]);
  // 10 MiB in 16 scattered 640 KiB writes of pseudo-random data
  const cmds = [];
  for (let i = 0; i < 16; i++) cmds.push('-c', `write -P ${(i * 37 + 11) % 255} ${(i * 97 + 5) * 1024 * 1024} 640k`);
  execFileSync('qemu-io', [...cmds, ov], { stdio: 'ignore' });
  return ov;
}

async function ours(i, digest = rawSha1, name = 'ours') {
  const ov = dirtyOverlay(`${name}-${i}`);
  const t0 = process.hrtime.bigint();
  const d = await digest(host, ov, 'qcow2');
  const saved = path.join(tmp, `saved-${name}-${i}.qcow2`);
  fs.renameSync(ov, saved);           // into the volume store: same filesystem, no copy
  execFileSync('sync');
  return { s: secs(t0), id: sha1ToIdentifier(d.sha1), written: du(saved) };
}

function naive(i) {
  const ov = dirtyOverlay(`naive-${i}`);
  const t0 = process.hrtime.bigint();
  const flat = path.join(tmp, `flat-${i}.img`);
  execFileSync('qemu-img', ['convert', '-O', 'raw', ov, flat]);
  const sha1 = execFileSync('sha1sum', [flat], { encoding: 'utf8' }).split(' ')[0];
  execFileSync('sync');
  const r = { s: secs(t0), id: sha1ToIdentifier(sha1), written: du(flat) };
  fs.rmSync(flat);
  return r;
}

const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', base], { encoding: 'utf8' }));
console.log(`base ${base}: ${(info['virtual-size'] / 2 ** 30).toFixed(1)} GiB virtual, ${(du(base) / 2 ** 20).toFixed(0)} MiB allocated; 10 MiB changed; ${RUNS} runs each, alternating`);
const rows = { ours: [], naive: [], before: [] };
const run = { ours: i => ours(i), before: i => ours(i, rawDigests, 'before'), naive: i => naive(i) };
try {
  for (let i = 0; i < RUNS; i++) {
    const order = [['ours', 'naive', 'before'], ['naive', 'before', 'ours'], ['before', 'ours', 'naive']][i % 3];
    for (const w of order) rows[w].push(await run[w](i));
    for (const w of ['ours', 'before']) if (rows[w][i].id !== rows.naive[i].id) throw new Error(`identifiers differ: ${w} ${rows[w][i].id} vs naive ${rows.naive[i].id}`);
  }
  const med = a => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const o = med(rows.ours.map(r => r.s)), n = med(rows.naive.map(r => r.s));
  const ow = med(rows.ours.map(r => r.written)), nw = med(rows.naive.map(r => r.written));
  console.log(`identifier (both ways): ${rows.ours[0].id}`);
  const b = med(rows.before.map(r => r.s));
  console.log(`stratus save (streamed SHA-1 only + keep overlay): ${o.toFixed(2)} s, ${(ow / 2 ** 20).toFixed(1)} MiB on disk`);
  console.log(`before (streamed MD5/SHA-1/SHA-256/SHA-512 + keep overlay): ${b.toFixed(2)} s`);
  console.log(`naive (qemu-img convert -O raw + sha1sum):  ${n.toFixed(2)} s, ${(nw / 2 ** 20).toFixed(1)} MiB written`);
  console.log(`ratio time stratus/naive = ${(o / n).toFixed(2)} (before this change: ${(b / n).toFixed(2)}; goal <= 0.70)   bytes written stratus/naive = ${(ow / nw).toFixed(3)}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
