import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
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

// --- hostile recipes, through the built CLI (bin/stratus.js) ---
const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'stratus.js');
function stratus(args: string[], data: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, STRATUS_DATA_DIR: data }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const IMAGE = 'image: {title: T, comment: C, author: A, author-email: a@b.c}\n';

test('scripts and context files outside the recipe\'s folder (.., absolute, symlinks) are refused unless --allow-outside-paths', () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-recipe-confine-'));
  const dir = path.join(top, 'recipe');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(top, 'private.txt'), 'a host secret\n');
  fs.writeFileSync(path.join(dir, 'base.qcow2'), '');
  fs.writeFileSync(path.join(dir, 'ok.sh'), 'true\n');
  fs.symlinkSync(path.join(top, 'private.txt'), path.join(dir, 'innocent.yaml'));
  const file = path.join(dir, 'r.recipe.yaml');
  fs.writeFileSync(file, `base: base.qcow2\nscripts: [ok.sh, ../private.txt, ${path.join(top, 'private.txt')}]\ncontext: [{type: cloud-config, file: innocent.yaml}]\n${IMAGE}`);
  const data = path.join(top, 'data');
  const v = stratus(['validate-recipe', file], data);
  assert.equal(v.code, 1, v.out + v.err);
  assert.match(v.out, /r\.recipe\.yaml:2:\d+: error: Script '\.\.\/private\.txt' is outside the recipe's folder/);
  assert.match(v.out, /error: Script '\/[^']*private\.txt' is outside the recipe's folder/);
  assert.match(v.out, /r\.recipe\.yaml:3:\d+: error: Context file 'innocent\.yaml' is outside the recipe's folder \(it resolves to [^)]*private\.txt\)/);
  assert.match(v.out, /--allow-outside-paths/);
  assert.match(v.out, /^3 error\(s\)$/m);
  const allowed = stratus(['validate-recipe', '--allow-outside-paths', file], data);
  assert.equal(allowed.code, 0, allowed.out + allowed.err);
  const c = stratus(['create-image', file], data);
  assert.equal(c.code, 1, c.out + c.err); // a user error in the input (2 is for usage)
  assert.match(c.err, /outside the recipe's folder/);
  assert.doesNotMatch(c.err, /\n\s+at /, 'no stack trace');
  assert.ok(!fs.existsSync(path.join(data, 'builds')) || fs.readdirSync(path.join(data, 'builds')).length === 0, 'no build started');
});

test('a YAML alias bomb is one clear diagnostic; exclude paths with .. or that mean / are refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-recipe-hostile-'));
  fs.writeFileSync(path.join(dir, 'base.qcow2'), '');
  const lol = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) lol.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
  const bomb = path.join(dir, 'bomb.recipe.yaml');
  fs.writeFileSync(bomb, `base: base.qcow2\n${IMAGE}${lol.join('\n')}\n`);
  const b = stratus(['validate-recipe', bomb], path.join(dir, 'data'));
  assert.equal(b.code, 1, b.out + b.err);
  assert.match(b.out, /bomb\.recipe\.yaml:\d+:\d+: error: [^\n]*alias/i);
  assert.doesNotMatch(b.out + b.err, /\n\s+at |ReferenceError/, 'no stack trace');
  const ex = path.join(dir, 'ex.recipe.yaml');
  fs.writeFileSync(ex, `base: base.qcow2\n${IMAGE}exclude: ["/bin/../*", "/var/./..", "/tmp/ok*"]\n`);
  const e = stratus(['validate-recipe', ex], path.join(dir, 'data'));
  assert.equal(e.code, 1, e.out + e.err);
  assert.match(e.out, /ex\.recipe\.yaml:3:\d+: error: '\/bin\/\.\.\/\*' [^\n]*\.\./);
  assert.match(e.out, /error: '\/var\/\.\/\.\.' /);
  assert.match(e.out, /^2 error\(s\)$/m);
});
