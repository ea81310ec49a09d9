import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { recipeCommands } from '../../src/cli/commands/recipe';
import { checkpointKeys } from '../../src/backend/build/cache';

const cmd = (name: string) => recipeCommands.find(c => c.name === name)!;
async function run(name: string, args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await cmd(name).run(args, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('build-cache list shows sizes and what is in use; prune keeps a running build\'s checkpoints and removes the rest', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-bcache-'));
  process.env.STRATUS_DATA_DIR = root;
  try {
    const dir = path.join(root, 'images', 'build-cache');
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(root, 'images', 'base.qcow2');
    fs.writeFileSync(base, 'a base image');
    const [k1, k2] = checkpointKeys('b', [{ label: 'x', inputs: 1 }, { label: 'y', inputs: 2 }]);
    const k3 = checkpointKeys('other', [{ label: 'z', inputs: 3 }])[0];
    for (const [k, parent] of [[k1], [k2, k1], [k3]] as [string, string?][]) {
      fs.writeFileSync(path.join(dir, `${k}.qcow2`), Buffer.alloc(3 * 2 ** 20));
      fs.writeFileSync(path.join(dir, `${k}.json`), JSON.stringify({ key: k, parent, build: 'B1', unit: `script ${k.slice(0, 3)}.sh`, createdAt: '2026-01-01T00:00:00Z', lastUsedAt: '2026-01-01T00:00:00Z' }));
    }
    // a build in progress (this process) whose VM reads through k2 (and so k1)
    fs.mkdirSync(path.join(root, 'builds', 'B2'), { recursive: true });
    fs.writeFileSync(path.join(root, 'builds', 'B2', 'build.json'), JSON.stringify({ id: 'B2', recipePath: '/r.recipe.yaml', status: 'running', pid: process.pid, startedAt: '2026-01-02', steps: [], logPath: '', cacheInUse: [k1, k2] }));
    const l = await run('build-cache', ['list']);
    assert.equal(l.code, 0);
    assert.match(l.out, new RegExp(`${k2.slice(0, 12)}\\s+3\\.0 MiB .*\\(in use\\)`));
    assert.match(l.out, /^3 checkpoint\(s\), 0\.01 GiB/m);
    const p = await run('build-cache', ['prune']);
    assert.match(p.out, /Removed 1 checkpoint\(s\)/);
    assert.deepEqual(fs.readdirSync(dir).filter(f => f.endsWith('.qcow2')).sort(), [`${k1}.qcow2`, `${k2}.qcow2`].sort());
    assert.equal(fs.readFileSync(base, 'utf8'), 'a base image', 'base images are never touched');
    await assert.rejects(run('build-cache', ['prune', '--max-size', 'lots']), /usage: build-cache prune \[--max-size GIB\]/);
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
});

test('create-image --resume without an interrupted build of the recipe: one line that says what to do', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-resume-'));
  process.env.STRATUS_DATA_DIR = path.join(root, 'data');
  try {
    const recipe = path.join(root, 'r.recipe.yaml');
    fs.writeFileSync(path.join(root, 'base.qcow2'), '');
    fs.writeFileSync(path.join(root, 's.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(recipe, 'base: base.qcow2\nshutdown: false\nscripts: [s.sh]\n');
    await assert.rejects(run('create-image', ['--resume', recipe]), /No interrupted build of .*r\.recipe\.yaml to resume: build it with create-image r\.recipe\.yaml/);
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
});
