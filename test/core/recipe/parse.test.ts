import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecipe } from '../../../src/core/recipe/parse';

const FULL = `base: MMZu9WvwKIro-rtBQfDk4PsKO7_
type: m1.large
os: Ubuntu
installer: apt
packages:
  - apache2
  - chkconfig
extra-repos:
  - "[trusted=yes] http://10.0.2.100:8080/ ./"
prerecipe: |
  echo pre
recipe: echo post
scripts:
  - setup-ubuntu.sh
  - path: conf.sh
    args: [--port, 8080, true]
context:
  - {type: cloud-config, file: user.yaml}
image:
  title: Apache
  comment: Ubuntu with Apache
  author: Jane
  author-email: jane@example.org
  version: 1.10
exclude: [/var/cache/app/*]
sysprep:
  logs: false
timeouts:
  vm-start: 120
  ssh: 60
shutdown: false
host: local
`;

test('every field is read into the model, defaults filled in', () => {
  const p = parseRecipe(FULL);
  assert.deepEqual(p.diagnostics, []);
  const r = p.recipe;
  assert.equal(r.base, 'MMZu9WvwKIro-rtBQfDk4PsKO7_');
  assert.equal(r.type, 'm1.large');
  assert.equal(r.os, 'Ubuntu');
  assert.equal(r.installer, 'apt');
  assert.deepEqual(r.packages, ['apache2', 'chkconfig']);
  assert.deepEqual(r.extraRepos, ['[trusted=yes] http://10.0.2.100:8080/ ./']);
  assert.equal(r.prerecipe, 'echo pre\n');
  assert.equal(r.recipe, 'echo post');
  // Numbers and booleans in args keep their source spelling.
  assert.deepEqual(r.scripts, [{ path: 'setup-ubuntu.sh', args: [] }, { path: 'conf.sh', args: ['--port', '8080', 'true'] }]);
  assert.deepEqual(r.context, [{ type: 'cloud-config', file: 'user.yaml' }]);
  assert.equal(r.image.version, '1.10', 'version 1.10 must not become 1.1');
  assert.equal(r.image.authorEmail, 'jane@example.org');
  assert.deepEqual(r.exclude, ['/var/cache/app/*']);
  assert.equal(r.sysprep.logs, false);
  assert.equal(r.sysprep['ssh-host-keys'], true);
  assert.deepEqual(r.timeouts, { vmStart: 120, vmPing: 300, ssh: 60 });
  assert.equal(r.shutdown, false);
  assert.equal(r.host, 'local');
});

test('an empty recipe parses to the defaults of §6.1', () => {
  const r = parseRecipe('').recipe;
  assert.equal(r.type, 'm1.small');
  assert.deepEqual(r.timeouts, { vmStart: 600, vmPing: 300, ssh: 240 });
  assert.equal(r.shutdown, true);
  assert.ok(Object.values(r.sysprep).every(v => v === true));
});

test('ranges are exact (1-based, end exclusive)', () => {
  const p = parseRecipe(FULL);
  assert.deepEqual(p.rangeOf('packages.1'), { line: 7, column: 5, endLine: 7, endColumn: 14 });
  assert.deepEqual(p.rangeOf('image.author-email'), { line: 23, column: 17, endLine: 23, endColumn: 33 });
  assert.deepEqual(p.rangeOf('image.author-email', 'key'), { line: 23, column: 3, endLine: 23, endColumn: 15 });
  assert.deepEqual(p.rangeOf('scripts.1.args.1'), { line: 16, column: 20, endLine: 16, endColumn: 24 });
  // A missing child points at its parent's key.
  assert.deepEqual(p.rangeOf('image.marketplace'), { line: 19, column: 1, endLine: 19, endColumn: 6 });
  assert.deepEqual(p.pathAt(7, 6), { path: 'packages.1', onKey: false });
  assert.deepEqual(p.pathAt(23, 4), { path: 'image.author-email', onKey: true });
});

test('shape errors: unknown fields, wrong types, bad installer, timeouts — each at its range', () => {
  const p = parseRecipe('base: x.img\nbogus: 1\npackages: hello\nimage:\n  titel: T\ninstaller: pacman\ntimeouts:\n  vm-start: -5\nshutdown: maybe\n');
  const byCode = (c: string) => p.diagnostics.filter(d => d.code === c);
  assert.deepEqual(byCode('recipe/unknown-field').map(d => [d.range.line, d.range.column, d.range.endColumn]), [[2, 1, 6], [5, 3, 8]]);
  assert.match(byCode('recipe/unknown-field')[1].message, /Unknown field 'titel'\. Known fields of 'image': title/);
  const types = byCode('recipe/type');
  assert.deepEqual(types.map(d => d.range.line), [3, 9]);
  assert.match(types[0].message, /'packages' must be a list/);
  assert.equal(byCode('recipe/installer')[0].range.line, 6);
  assert.match(byCode('recipe/installer')[0].message, /Unknown installer 'pacman'/);
  assert.equal(byCode('recipe/timeout')[0].range.line, 8);
});

test('YAML syntax errors are reported with their position', () => {
  const p = parseRecipe('base: a\npackages: [hello\n');
  const d = p.diagnostics.find(x => x.code === 'recipe/yaml');
  assert.ok(d, 'a yaml diagnostic');
  assert.equal(d!.severity, 'error');
  assert.ok(d!.range.line >= 2);
  const dup = parseRecipe('base: a\nbase: b\n').diagnostics.find(x => x.code === 'recipe/yaml');
  assert.match(dup!.message, /unique/i);
  assert.equal(dup!.range.line, 2);
});

test('a recipe that is not a mapping is refused', () => {
  const p = parseRecipe('- a\n- b\n');
  assert.equal(p.diagnostics[0].code, 'recipe/not-mapping');
});

test('readiness: ids to require and waive; check on by default, switchable', () => {
  const on = parseRecipe('base: /tmp/base.qcow2\n');
  assert.deepEqual(on.recipe.readiness, { check: true, require: [], waive: [] });
  const p = parseRecipe('readiness:\n  check: false\n  require: [ssh.password-auth-off]\n  waive:\n    - firewall.active\n');
  assert.deepEqual(p.recipe.readiness, { check: false, require: ['ssh.password-auth-off'], waive: ['firewall.active'] });
  const bad = parseRecipe('readiness:\n  check: maybe\n');
  assert.ok(bad.diagnostics.some(d => d.message.includes("'readiness.check' must be true or false")), JSON.stringify(bad.diagnostics));
});
