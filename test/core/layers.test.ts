import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p)); else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

for (const layer of ['src/core', 'src/backend', 'src/cli']) {
  test(`${layer} never imports vscode`, () => {
    const files = sources(path.join(root, layer));
    assert.ok(files.length > 0, `${layer} has sources`);
    const offenders = files.filter(f => /(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map(f => path.relative(root, f)), []);
  });
}

test('src/core never imports src/backend or src/ui', () => {
  const offenders = sources(path.join(root, 'src/core')).filter(f => /from\s+['"](\.\.\/)+(backend|ui)\//.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(offenders.map(f => path.relative(root, f)), []);
});
