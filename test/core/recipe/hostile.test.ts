import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkRecipe } from '../../../src/core/recipe/check';
import { checkPackageName } from '../../../src/core/recipe/installer';
import { parseRecipe } from '../../../src/core/recipe/parse';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recipe-hostile-'));
fs.writeFileSync(path.join(dir, 'base.qcow2'), '');

const HOSTILE_PACKAGES = ['hello; rm -rf /', 'hello && reboot', '$(reboot)', '`id`', 'a|b', 'x>y', "it's", 'two words', '-oAPT::Get::AllowUnauthenticated=1', 'pkg\nnext', 'glob*'];

test('hostile package names are refused with an error at the item', async () => {
  const yaml = `base: base.qcow2\ninstaller: apt\npackages:\n${HOSTILE_PACKAGES.map(p => `  - ${JSON.stringify(p)}`).join('\n')}\nimage: {title: T, comment: C, author: A, author-email: a@b.c}\n`;
  const ds = (await checkRecipe(parseRecipe(yaml), { recipeDir: dir })).filter(d => d.code === 'recipe/package-name');
  assert.equal(ds.length, HOSTILE_PACKAGES.length);
  ds.forEach((d, i) => { assert.equal(d.severity, 'error'); assert.equal(d.range.line, 4 + i); });
  for (const inst of ['apt', 'yum', 'dnf', 'zypper', 'apk'] as const) for (const p of HOSTILE_PACKAGES) {
    assert.equal(checkPackageName(p, inst)?.severity, 'error', `${inst} ${JSON.stringify(p)}`);
  }
});

test('plausible names pass, implausible ones warn per installer', () => {
  for (const p of ['hello', 'libc6:amd64', 'hello=2.10-3', 'g++', 'python3.11']) assert.equal(checkPackageName(p, 'apt'), undefined, p);
  for (const p of ['httpd', 'hello-2.10-1.el7', 'perl-Data-Dumper']) assert.equal(checkPackageName(p, 'yum'), undefined, p);
  assert.equal(checkPackageName('Hello_World', 'apt')?.severity, 'warning');
  assert.equal(checkPackageName('py3-pip', 'apk'), undefined);
});

test('hostile titles and e-mails: an e-mail with shell syntax is invalid; control characters are refused', async () => {
  const p = parseRecipe(`base: base.qcow2\nimage:\n  title: "$(reboot)\\u0007"\n  comment: "; rm -rf /"\n  author: "\`id\`"\n  author-email: "a@b.c; reboot"\n`);
  const ds = await checkRecipe(p, { recipeDir: dir });
  assert.deepEqual(ds.map(d => d.code).sort(), ['recipe/control-char', 'recipe/email']);
  // The values themselves are kept verbatim: they only ever reach metadata, never a shell.
  assert.equal(p.recipe.image.comment, '; rm -rf /');
});
