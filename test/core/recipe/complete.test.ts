import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionsAt, hoverAt } from '../../../src/core/recipe/complete';
import { parseRecipe } from '../../../src/core/recipe/parse';

test('instance types complete with their sizes', () => {
  const items = completionsAt('base: x\ntype: m', 1, 7);
  assert.equal(items.length, 7);
  assert.deepEqual(items.find(i => i.label === 'm1.large'), { label: 'm1.large', kind: 'value', detail: '2 CPU, 6144 MB RAM, 6144 MB swap' });
  assert.match(items.find(i => i.label === 'm1.small')!.detail!, /\(default\)/);
});

test('installers and marketplace bases complete as values', () => {
  assert.deepEqual(completionsAt('installer: ', 0, 11).map(i => i.label), ['apt', 'yum', 'dnf', 'zypper', 'apk']);
  const bases = [{ identifier: 'MMZu9WvwKIro-rtBQfDk4PsKO7_', title: 'Ubuntu base', os: 'ubuntu', osVersion: '14.04', marketplace: 'local' }];
  assert.deepEqual(completionsAt('base: ', 0, 6, bases), [{ label: 'MMZu9WvwKIro-rtBQfDk4PsKO7_', kind: 'value', detail: 'Ubuntu base — ubuntu 14.04', documentation: 'in local' }]);
});

test('keys complete per level, without the ones already present', () => {
  const top = completionsAt('base: x\npackages: []\n\n', 2, 0).map(i => i.label);
  assert.ok(top.includes('image') && top.includes('scripts'));
  assert.ok(!top.includes('base') && !top.includes('packages'));
  const image = completionsAt('image:\n  title: T\n  \n', 2, 2).map(i => i.label);
  assert.deepEqual(image, ['comment', 'author', 'author-email', 'version', 'marketplace']);
  assert.deepEqual(completionsAt('sysprep:\n  ', 1, 2).map(i => i.label).slice(0, 2), ['ssh-host-keys', 'udev-net-rules']);
});

test('hovers: field docs on keys, instance type sizes, base entries from the marketplace', async () => {
  const p = parseRecipe('base: MMZu9WvwKIro-rtBQfDk4PsKO7_\ntype: c1.xlarge\ninstaller: yum\n');
  assert.match((await hoverAt(p, 2, 1))!.markdown, /^\*\*type\*\* — Instance type/);
  assert.equal((await hoverAt(p, 2, 8))!.markdown, 'Instance type **c1.xlarge**: 4 CPU, 6144 MB RAM, 6144 MB swap');
  assert.match((await hoverAt(p, 3, 12))!.markdown, /\*\*yum\*\* — CentOS/);
  const h = await hoverAt(p, 1, 10, id => (id === 'MMZu9WvwKIro-rtBQfDk4PsKO7_' ? { title: 'Ubuntu base', os: 'ubuntu', trust: { ok: true, message: 'valid, trusted endorser' } } : undefined));
  assert.equal(h!.markdown, '**Ubuntu base**\n\nOS: ubuntu\n\nSignature: valid, trusted endorser');
});
