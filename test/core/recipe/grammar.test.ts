import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FIELDS, INSTANCE_TYPES } from '../../../src/core/recipe/fields';

const ROOT = path.resolve(__dirname, '../../../..');
const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, 'syntaxes/recipe.injection.tmLanguage.json'), 'utf8'));
// TextMate patterns are Oniguruma; the ones used here are also valid JavaScript regular expressions.
const re = (name: string) => new RegExp(grammar.repository[name].match, 'm');

test('the injection targets YAML and its patterns match what they name', () => {
  assert.equal(grammar.scopeName, 'stratus.recipe.injection');
  assert.match(grammar.injectionSelector, /source\.yaml/);
  const step = re('step-key');
  for (const k of ['prerecipe', 'recipe', 'packages', 'scripts', 'sysprep', 'readiness']) {
    assert.ok(k in FIELDS, k);
    assert.ok(step.test(`${k}:`), k);
  }
  assert.ok(!step.test('  packages:'), 'only top-level keys');
  const id = re('identifier');
  assert.equal('base: MMZu9WvwKIro-rtBQfDk4PsKO7_'.match(id)?.[0], 'MMZu9WvwKIro-rtBQfDk4PsKO7_');
  assert.equal('base: MMZu9WvwKIro-rtBQfDk4PsKO7_x'.match(id), null, 'not 28 characters');
  assert.equal('base: ZMZu9WvwKIro-rtBQfDk4PsKO7_'.match(id), null, 'first character A–P');
  const types = re('instance-type');
  for (const t of INSTANCE_TYPES) assert.equal(`type: ${t.name}`.match(types)?.[1], t.name);
});
