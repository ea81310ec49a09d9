import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { recipeCommands, parseForward } from '../../src/cli/commands/recipe';

const cmd = (name: string) => recipeCommands.find(c => c.name === name)!;
async function run(name: string, args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await cmd(name).run(args, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('new-recipe writes the template, refuses to overwrite; validate-recipe reports with positions', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-recipe-'));
  process.env.STRATUS_DATA_DIR = path.join(dir, 'data');
  const file = path.join(dir, 'web.recipe.yaml');
  assert.equal((await run('new-recipe', [file, '--author', 'Ann', '--author-email', 'ann@example.org'])).code, 0);
  assert.match(fs.readFileSync(file, 'utf8'), /author-email: ann@example\.org/);
  await assert.rejects(run('new-recipe', [file]), /exists; use --force/);
  // The template's placeholder base is not in the (empty) local marketplace: that is the only error.
  const v = await run('validate-recipe', [file]);
  assert.equal(v.code, 1);
  assert.match(v.out, /web\.recipe\.yaml:6:7: error: Image MMZu9WvwKIro-rtBQfDk4PsKO7_ is not in any configured marketplace/);
  assert.match(v.out, /^1 error\(s\)$/m);
  fs.writeFileSync(path.join(dir, 'base.qcow2'), '');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^base: .*$/m, 'base: base.qcow2'));
  const ok = await run('validate-recipe', [file]);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /web\.recipe\.yaml: ok/);
});

test('create-image refuses a recipe with errors before starting anything', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-recipe-'));
  process.env.STRATUS_DATA_DIR = path.join(dir, 'data');
  const file = path.join(dir, 'bad.recipe.yaml');
  fs.writeFileSync(file, 'base: missing.qcow2\ninstaller: apt\npackages: ["hello; reboot"]\nimage: {title: T, comment: C, author: A, author-email: a@b.c}\n');
  await assert.rejects(run('create-image', [file]), (e: Error) => /2 error\(s\)/.test(e.message) && /bad\.recipe\.yaml:3:12: Package name/.test(e.message));
  assert.ok(!fs.existsSync(path.join(dir, 'data', 'builds')) || fs.readdirSync(path.join(dir, 'data', 'builds')).length === 0, 'no build record');
});

test('--forward parsing', () => {
  assert.deepEqual(parseForward('10.0.2.100:8080=39000'), { guestAddr: '10.0.2.100', guestPort: 8080, hostPort: 39000 });
  assert.throws(() => parseForward('10.0.2.100:8080'), /GUESTADDR:GUESTPORT=HOSTPORT/);
});
