import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkRecipe, classifyBase } from '../../../src/core/recipe/check';
import { parseRecipe } from '../../../src/core/recipe/parse';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recipe-check-'));
fs.writeFileSync(path.join(dir, 'setup.sh'), '#!/bin/sh\n');
fs.writeFileSync(path.join(dir, 'base.qcow2'), '');
const IMAGE = 'image:\n  title: T\n  comment: C\n  author: A\n  author-email: a@example.org\n';
const codes = (ds: { code: string }[]) => ds.map(d => d.code);

test('a complete recipe against a file base has no diagnostics', async () => {
  const ds = await checkRecipe(parseRecipe(`base: base.qcow2\ninstaller: apt\npackages: [hello]\nscripts: [setup.sh]\n${IMAGE}`), { recipeDir: dir });
  assert.deepEqual(ds, []);
});

test('base: form of the identifier, marketplace lookup and trust verdict', async () => {
  const lookup = (id: string) => id === 'MMZu9WvwKIro-rtBQfDk4PsKO7_' ? { title: 'Ubuntu', os: 'ubuntu', trust: { ok: false, message: 'signed by an untrusted endorser' } } : undefined;
  const short = await checkRecipe(parseRecipe(`base: MMZu9WvwKIro-rtBQfDk4PsKO7\n${IMAGE}`), { recipeDir: dir, lookupBase: lookup });
  const d = short.find(x => x.code === 'recipe/base-identifier')!;
  assert.match(d.message, /has 26 characters, an identifier has 27/);
  assert.deepEqual(d.range, { line: 1, column: 7, endLine: 1, endColumn: 33 });
  const first = await checkRecipe(parseRecipe(`base: ZMZu9WvwKIro-rtBQfDk4PsKO7_\n${IMAGE}`), { recipeDir: dir });
  assert.match(first.find(x => x.code === 'recipe/base-identifier')!.message, /always A–P/);
  const unknown = await checkRecipe(parseRecipe(`base: No5o-5ea0sNMlW_75VgGJCv2AcJ\n${IMAGE}`), { recipeDir: dir, lookupBase: lookup });
  assert.match(unknown.find(x => x.code === 'recipe/base-unknown')!.message, /not in any configured marketplace/);
  const untrusted = await checkRecipe(parseRecipe(`base: MMZu9WvwKIro-rtBQfDk4PsKO7_\npackages: [hello]\n${IMAGE}`), { recipeDir: dir, lookupBase: lookup });
  const u = untrusted.find(x => x.code === 'recipe/base-untrusted')!;
  assert.equal(u.severity, 'warning');
  assert.match(u.message, /Ubuntu.*untrusted endorser/);
  // The OS from the marketplace chose apt: no installer error.
  assert.ok(!codes(untrusted).includes('recipe/installer-unknown'));
  const missing = await checkRecipe(parseRecipe(`base: nothere.qcow2\n${IMAGE}`), { recipeDir: dir });
  assert.deepEqual(codes(missing), ['recipe/base-file']);
  assert.deepEqual(codes(await checkRecipe(parseRecipe(IMAGE), { recipeDir: dir })), ['recipe/base-missing']);
});

test('classifyBase', () => {
  assert.equal(classifyBase('MMZu9WvwKIro-rtBQfDk4PsKO7_'), 'identifier');
  assert.equal(classifyBase('https://example.org/a.img.gz'), 'url');
  assert.equal(classifyBase('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'), 'volume');
  assert.equal(classifyBase('images/debian.qcow2'), 'file');
});

test('required image fields use the original messages; e-mail pattern', async () => {
  const ds = await checkRecipe(parseRecipe('base: base.qcow2\nimage:\n  title: T\n  author-email: "jane@@x"\n'), { recipeDir: dir });
  const req = ds.filter(d => d.code === 'recipe/image-required').map(d => d.message);
  assert.deepEqual(req, ['Provide a comment describing the new image (image.comment).', 'Provide an author for the new image (image.author).']);
  const email = ds.find(d => d.code === 'recipe/email')!;
  assert.deepEqual(email.range, { line: 4, column: 17, endLine: 4, endColumn: 26 });
  // No image section at all: the diagnostics sit on the first line.
  const none = await checkRecipe(parseRecipe('base: base.qcow2\n'), { recipeDir: dir });
  assert.equal(none.filter(d => d.code === 'recipe/image-required').length, 4);
  // shutdown: false saves nothing, so nothing is required.
  assert.deepEqual(await checkRecipe(parseRecipe('base: base.qcow2\nshutdown: false\n'), { recipeDir: dir }), []);
});

test('scripts and context files must exist relative to the recipe', async () => {
  const ds = await checkRecipe(parseRecipe(`base: base.qcow2\nscripts:\n  - setup.sh\n  - path: gone.sh\ncontext:\n  - {type: cloud-config, file: nope.yaml}\n${IMAGE}`), { recipeDir: dir });
  assert.deepEqual(codes(ds), ['recipe/script-missing', 'recipe/context-file']);
  assert.deepEqual([ds[0].range.line, ds[0].range.column], [4, 11]);
  assert.match(ds[0].message, /Script 'gone.sh' not found/);
});

test('installer fits the OS; unknown OS needs an installer', async () => {
  const misfit = await checkRecipe(parseRecipe(`base: base.qcow2\nos: centos\ninstaller: apt\npackages: [httpd]\n${IMAGE}`), { recipeDir: dir });
  assert.deepEqual(codes(misfit), ['recipe/installer-os']);
  assert.match(misfit[0].message, /does not fit the base's OS 'centos', which uses yum/);
  const unknown = await checkRecipe(parseRecipe(`base: base.qcow2\npackages: [hello]\n${IMAGE}`), { recipeDir: dir });
  assert.deepEqual(codes(unknown), ['recipe/installer-unknown']);
  const unsupported = await checkRecipe(parseRecipe(`base: base.qcow2\nos: plan9\npackages: [hello]\n${IMAGE}`), { recipeDir: dir });
  assert.match(unsupported[0].message, /Unsupported OS: plan9/);
  // 'ubuntu' is matched as a whole name, not as a substring (the original's bug).
  const sub = await checkRecipe(parseRecipe(`base: base.qcow2\nos: ubu\npackages: [hello]\n${IMAGE}`), { recipeDir: dir });
  assert.deepEqual(codes(sub), ['recipe/installer-unknown']);
});

test('instance types, hosts, repositories and exclude paths', async () => {
  const ds = await checkRecipe(parseRecipe(`base: base.qcow2\ntype: m9.huge\nhost: far\ninstaller: apt\nextra-repos:\n  - http://10.0.2.100:8080/\n  - "http://x/ ./\\nevil"\nexclude:\n  - /*\n  - relative/path\n  - /var/cache/app/*\n${IMAGE}`), { recipeDir: dir, hosts: ['local'], instanceTypes: ['my.type'] });
  assert.deepEqual(codes(ds), ['recipe/type-unknown', 'recipe/host-unknown', 'recipe/extra-repo', 'recipe/extra-repo', 'recipe/exclude', 'recipe/exclude']);
  assert.match(ds[0].message, /^Unknown instance type: m9\.huge\. Known types: t1\.micro.*my\.type\.$/);
  assert.match(ds[3].message, /line breaks/);
  assert.deepEqual(ds.filter(d => d.code === 'recipe/exclude').map(d => d.range.line), [9, 10]);
});
