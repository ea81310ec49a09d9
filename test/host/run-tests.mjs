// The workbench tier: runs the mocha suite in out/test/ui inside the REAL VS Code extension host
// (code-server + chromium) with the extension loaded from this repo, and exits with mocha's code.
// usage: node test/host/run-tests.mjs [extensionTestsPath]     (after `npm run build`)
// env:   STRATUS_COUNT_FILE   write {passed, failed, skipped, failures[]} there (scripts/test.mjs reads it)
//        STRATUS_UI_GREP      only run tests whose full title matches this regexp
//        STRATUS_UI_TIMEOUT_MS whole-run limit (default 1800000: several tests boot real guests); KEEP_TMP=1 keeps the temp folder;
//        STRATUS_UI_VERBOSE=1 echoes the browser console.
//        STRATUS_UI_UNTRUSTED=1 opens the workspace untrusted (restricted mode) with hostile Stratus settings in it
//        (test/ui/fixtures/hostileSettings.ts); most areas then skip or differ.
// The extension host inherits this process's environment plus STRATUS_DATA_DIR (a fresh folder per run),
// STRATUS_TEST_WORKSPACE (the opened folder, a copy of test/ui/fixtures/workspace) and
// VSCODE_TEST_SCREENSHOT_URL (GET ?name=x[&selector=css] saves test-results/screenshots/x.png;
// GET <same origin>/text?selector=css returns the matches' innerText).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startCodeServer, launchBrowser, workbenchUrl, makeWorkspace } from './lib.mjs';

const testsPath = path.resolve(process.argv[2] ?? path.join(ROOT, 'out', 'test', 'ui'));
const TIMEOUT = Number(process.env.STRATUS_UI_TIMEOUT_MS ?? 1800000);
const shotDir = path.join(ROOT, 'test-results', 'screenshots');
const countFile = process.env.STRATUS_COUNT_FILE;
const t0 = Date.now();
const say = m => console.error(`[host] ${m}`);

function report(result) {
  if (countFile) fs.writeFileSync(countFile, JSON.stringify(result));
}
if (!fs.existsSync(path.join(testsPath, 'index.js')) && !fs.existsSync(testsPath)) {
  say(`no compiled workbench suite at ${testsPath}: run \`npm run build\` first`);
  report({ passed: 0, failed: 1, skipped: 0, failures: ['workbench: suite not compiled'] });
  process.exit(1);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-wb-'));
const dataDir = path.join(tmp, 'data');
fs.mkdirSync(dataDir);
const workspace = makeWorkspace(tmp);
const untrusted = process.env.STRATUS_UI_UNTRUSTED === '1';
if (untrusted) {
  const { HOSTILE_WORKSPACE_SETTINGS } = await import(path.join(ROOT, 'out', 'test', 'ui', 'fixtures', 'hostileSettings.js'));
  const f = path.join(workspace, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(f), { recursive: true });
  const prev = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : {};
  fs.writeFileSync(f, JSON.stringify({ ...prev, ...HOSTILE_WORKSPACE_SETTINGS }, null, 2));
}
const resultFile = path.join(tmp, 'mocha-result.json');

// Tests running in the extension host (a child of code-server) ask for screenshots over loopback.
let page;
// GET /text?selector=css returns the innerText of every match (JSON array) so tests can assert on
// what the workbench really rendered (welcome views, tree rows, toasts).
const shotServer = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/text') {
    try { res.end(JSON.stringify(await page.locator(u.searchParams.get('selector') ?? 'body').allInnerTexts())); } catch (e) { res.statusCode = 500; res.end(String(e)); }
    return;
  }
  const name = (u.searchParams.get('name') ?? 'shot').replace(/[^\w.-]/g, '_');
  try {
    fs.mkdirSync(shotDir, { recursive: true });
    const file = path.join(shotDir, `${name}.png`);
    const sel = u.searchParams.get('selector');
    if (sel) await page.locator(sel).first().screenshot({ path: file }); else await page.screenshot({ path: file });
    res.end(file);
  } catch (e) { res.statusCode = 500; res.end(String(e)); }
});
await new Promise(r => shotServer.listen(0, '127.0.0.1', r));

let srv, browser, finishing = false;
async function finish(code, why) {
  if (finishing) return;
  finishing = true;
  say(`${why}; exit code ${code}; ${Date.now() - t0} ms`);
  let result;
  try { result = JSON.parse(fs.readFileSync(resultFile, 'utf8')); } catch {
    result = { passed: 0, failed: 1, skipped: 0, failures: [`workbench: ${why}`] };
  }
  if (code !== 0 && page) { try { fs.mkdirSync(shotDir, { recursive: true }); await page.screenshot({ path: path.join(shotDir, 'zz-final-on-failure.png') }); } catch { /* page gone */ } }
  if (code !== 0 && result.failed === 0) { result.failed = 1; result.failures.push(`workbench: ${why}`); }
  report(result);
  try { await browser?.close(); } catch { /* already closed */ }
  shotServer.close();
  srv?.stop();
  await new Promise(r => setTimeout(r, 300));
  if (code === 0 && !process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  else say(`kept ${tmp} (server.log, user-data/logs/*/exthost1/remoteexthost.log)`);
  process.exit(code);
}
process.on('SIGINT', () => finish(130, 'interrupted'));
process.on('SIGTERM', () => finish(143, 'terminated'));

try {
  srv = await startCodeServer({
    dir: tmp,
    untrusted,
    env: {
      VSCODE_TEST_SCREENSHOT_URL: `http://127.0.0.1:${shotServer.address().port}/shot`,
      STRATUS_DATA_DIR: dataDir,
      STRATUS_TEST_WORKSPACE: workspace,
      STRATUS_WB_RESULT: resultFile,
      // No extension gallery: lookups of open-vsx.org only fail here and flood the log.
      EXTENSIONS_GALLERY: process.env.EXTENSIONS_GALLERY ?? '{}',
    },
  });
  say(`code-server on ${srv.base} in ${srv.startMs} ms; data ${dataDir}`);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The workbench calls these when it runs extension tests: mocha's output, then the exit code.
  await page.exposeFunction('codeAutomationLog', (type, args) => (console[type] ?? console.log)(...args));
  await page.exposeFunction('codeAutomationExit', code => finish(code, 'extension host finished the tests'));
  page.on('console', m => { if (process.env.STRATUS_UI_VERBOSE) console.error('[console]', m.text()); });
  page.on('pageerror', e => console.error('[page error]', e.message));
  page.on('crash', () => finish(1, 'page crashed'));
  browser.on('disconnected', () => finish(1, 'browser disconnected'));
  srv.proc.on('exit', c => finish(1, `code-server exited (${c}) before the tests finished`));
  setTimeout(() => finish(1, `timed out after ${TIMEOUT} ms`), TIMEOUT).unref();

  await page.goto(workbenchUrl(srv, { folder: workspace, devPath: ROOT, testsPath }));
  await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: 90000 });
  // A workbench that ignored the payload opens normally and would never run the tests: fail fast.
  await page.waitForFunction(() => document.title.includes('Extension Development Host'), null, { timeout: 30000 })
    .catch(async () => { throw new Error(`the workbench ignored the test payload (title ${JSON.stringify(await page.title())})`); });
  say(`workbench up as Extension Development Host after ${Date.now() - t0} ms`);
} catch (e) {
  await finish(1, e.message);
}
