// extensionTestsPath of the workbench tier: VS Code's extension host requires this module and calls
// run(). It loads every compiled test/ui/**/*.test.js (BDD: describe/it) into one mocha run.
//
// To add workbench tests for your area: create test/ui/<area>/<something>.test.ts using
// `describe`/`it`, `import * as vscode from 'vscode'`, and the helpers in test/ui/api.ts and test/ui/screenshot.ts
// (stratusApi(); screenshot(name, selector?), sleep). Nothing to register: `npx tsc -p .` compiles it and
// this runner picks it up. Run just yours with
//   npm run build && STRATUS_UI_GREP='<describe title>' node test/host/run-tests.mjs
// The host gives each run a fresh STRATUS_DATA_DIR and a workspace folder copied from
// test/ui/fixtures/workspace; reset any state your tests change in before/beforeEach.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { screenshot } from './screenshot';

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'fixtures') out.push(...testFiles(p));
    else if (e.isFile() && e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 60000, grep: process.env.STRATUS_UI_GREP || undefined });
  // foundation/ first: it checks what a fresh data folder shows, before other areas add content.
  const first = (f: string) => (f.includes(`${path.sep}foundation${path.sep}`) ? 0 : 1);
  for (const f of testFiles(__dirname).sort((a, b) => first(a) - first(b) || a.localeCompare(b))) mocha.addFile(f);
  // A picture of the workbench at each failure: test-results/screenshots/failed-<title>.png.
  mocha.suite.afterEach(async function () {
    const t = this.currentTest;
    if (t?.state === 'failed') await screenshot(`failed-${t.fullTitle().replace(/[^\w.-]+/g, '_').slice(0, 120)}`).catch(() => undefined);
  });
  const failures: string[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run(failed => {
      const s = runner.stats ?? { passes: 0, pending: 0 };
      const result = { passed: s.passes, failed, skipped: s.pending, failures };
      if (process.env.STRATUS_WB_RESULT) fs.writeFileSync(process.env.STRATUS_WB_RESULT, JSON.stringify(result));
      console.log(`${result.passed} passed, ${failed} failed, ${result.skipped} skipped`);
      failed > 0 ? reject(new Error(`${failed} workbench tests failed`)) : resolve();
    });
    runner.on('fail', (t, err) => failures.push(`${t.fullTitle()}: ${String(err?.message ?? err).split('\n')[0]}`));
  });
}
