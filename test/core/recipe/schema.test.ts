import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FIELDS } from '../../../src/core/recipe/fields';
import { parseRecipe } from '../../../src/core/recipe/parse';
import { recipeJsonSchema } from '../../../src/core/recipe/schema';
import { recipeTemplate } from '../../../src/core/recipe/template';

const ROOT = path.resolve(__dirname, '../../../..');
const shipped: any = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/recipe.schema.json'), 'utf8'));

test('the shipped schema is the one derived from the parser\'s field table', () => {
  assert.deepEqual(recipeJsonSchema(), shipped as object, 'regenerate schemas/recipe.schema.json from recipeJsonSchema()');
  assert.deepEqual(Object.keys(shipped.properties).sort(), Object.keys(FIELDS).sort());
  for (const [k, spec] of Object.entries(FIELDS)) if (spec.children) {
    assert.deepEqual(Object.keys(shipped.properties[k].properties).sort(), Object.keys(spec.children).sort(), k);
  }
});

test('the schema is a valid draft-07 schema and agrees with the parser on samples', async t => {
  let Ajv: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] } };
  try { Ajv = require('ajv'); } catch { t.skip('ajv is not installed (it comes with webpack); run scripts/setup.sh'); return; }
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(shipped);
  const good = parseRecipe(recipeTemplate());
  assert.deepEqual(good.diagnostics, []);
  assert.equal(validate(require('yaml').parse(recipeTemplate())), true, JSON.stringify(validate.errors));
  for (const bad of ['bogus: 1\nbase: a\nimage: {title: T, comment: C, author: A, author-email: a@b.c}', 'base: a\ninstaller: pacman\nimage: {title: T, comment: C, author: A, author-email: a@b.c}', 'base: a\nimage: {title: T, comment: C, author: A, author-email: a@b.c}\ntimeouts: {vm-start: -1}']) {
    assert.equal(validate(require('yaml').parse(bad)), false, bad);
    assert.ok(parseRecipe(bad).diagnostics.length > 0, bad);
  }
});
