import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { BuildCache, checkpointKeys } from '../../../src/backend/build/cache';
import { checkpointsInUse } from '../../../src/backend/build/build';
import type { BuildRecord } from '../../../src/backend/build/steps';

/** A cache folder with chains a←b←c (a oldest) and d (alone), each checkpoint 1 MiB, made by hand. */
function fixture(): { dir: string; cache: BuildCache; keys: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cache-'));
  const keys: Record<string, string> = {};
  const mk = (name: string, parent: string | undefined, day: number) => {
    const key = checkpointKeys(name, [{ label: name, inputs: name }])[0];
    keys[name] = key;
    fs.writeFileSync(path.join(dir, `${key}.qcow2`), Buffer.alloc(2 ** 20));
    const at = `2026-01-0${day}T00:00:00.000Z`;
    fs.writeFileSync(path.join(dir, `${key}.json`), JSON.stringify({ key, parent: parent && keys[parent], build: `b-${name}`, unit: `script ${name}.sh`, createdAt: at, lastUsedAt: at }));
  };
  mk('a', undefined, 1); mk('b', 'a', 2); mk('c', 'b', 3); mk('d', undefined, 4);
  return { dir, cache: new BuildCache(new LocalHost(), dir), keys };
}

test('checkpoint keys: the same inputs give the same key, a changed step changes its key and every later one only', () => {
  const units = (last: string) => [{ label: '1', inputs: { script: 'x' } }, { label: '2', inputs: { script: 'y' } }, { label: '3', inputs: { script: last } }];
  const k1 = checkpointKeys('base', units('z')), k2 = checkpointKeys('base', units('w'));
  assert.deepEqual(k1.slice(0, 2), k2.slice(0, 2));
  assert.notEqual(k1[2], k2[2]);
  assert.notEqual(checkpointKeys('other base', units('z'))[0], k1[0], 'the base is part of every key');
});

test('prune never removes a checkpoint a build in progress uses, nor the ones under it', async () => {
  const { dir, cache, keys } = fixture();
  try {
    assert.equal((await cache.list()).length, 4);
    // a build runs on c (it reads through b and a): pruning everything keeps the whole chain, removes d
    const { removed, kept } = await cache.prune(0, [keys.c]);
    assert.deepEqual(removed.map(c => c.key), [keys.d]);
    assert.deepEqual(kept.map(c => c.key).sort(), [keys.a, keys.b, keys.c].sort());
    for (const k of [keys.a, keys.b, keys.c]) assert.ok(fs.existsSync(path.join(dir, `${k}.qcow2`)));
    assert.ok(!fs.existsSync(path.join(dir, `${keys.d}.qcow2`)));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('prune to a size bound removes least recently used first, with the checkpoints built on them', async () => {
  const { dir, cache, keys } = fixture();
  try {
    // 4 MiB held, bound 2 MiB: a is oldest, and b, c stand on it, so the chain goes; d (1 MiB) stays
    const { removed, kept } = await cache.prune(2 * 2 ** 20, []);
    assert.deepEqual(removed.map(c => c.key).sort(), [keys.a, keys.b, keys.c].sort());
    assert.deepEqual(kept.map(c => c.key), [keys.d]);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('checkpoints in use: a running build (live process) and any build whose VM still exists; not a finished one', () => {
  const rec = (over: Partial<BuildRecord>): BuildRecord => ({ id: 'x', recipePath: '/r', status: 'running', startedAt: '', steps: [], logPath: '', ...over });
  const used = checkpointsInUse([
    rec({ pid: process.pid, cacheInUse: ['k1'] }),
    rec({ status: 'failed', instanceId: 'vm-1', cacheInUse: ['k2'] }),
    rec({ status: 'succeeded', cacheInUse: ['k3'] }),
    rec({ pid: 2 ** 22 + 12345, cacheInUse: ['k4'] }),   // a pid that is not running: an interrupted build without a VM
  ]);
  assert.deepEqual(used, ['k1', 'k2']);
});
