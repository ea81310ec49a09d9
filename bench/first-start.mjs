// First start, as a user meets it: `npm start` (everything installed and built) on a fresh data folder.
// Prints (1) the time from starting `npm start` to its URL answering, against starting code-server alone
// (the baseline, same run), and (2) the time from page load to the Stratus views rendered with the seeded,
// trusted base entry, against page load to the workbench's activity bar (same page).
// usage: npm run build && node bench/first-start.mjs      (needs the base image: bash scripts/setup-kvm.sh)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, launchBrowser, startCodeServer } from '../test/host/lib.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-first-'));
const answers = async url => { for (;;) { try { if ((await fetch(url)).ok) return; } catch { /* not yet */ } await new Promise(r => setTimeout(r, 50)); } };
let child, browser;
try {
  // baseline: code-server alone, to its URL answering
  let t = performance.now();
  const bare = await startCodeServer({ port: await freePort(), dir: path.join(tmp, 'bare') });
  await answers(bare.base);
  const baseMs = performance.now() - t;
  bare.stop();

  // npm start, fresh data folder, nothing to build (the build is skipped when dist/ is up to date)
  t = performance.now();
  child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], {
    env: { ...process.env, PORT: String(await freePort()), STRATUS_DATA_DIR: path.join(tmp, 'data'), STRATUS_START_STATE: path.join(tmp, 'state') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', d => { text += d; const m = text.match(/Open (http\S+)/); if (m) resolve(m[1]); });
    child.on('exit', c => reject(new Error(`npm start exited (${c}):\n${text}`)));
  });
  await answers(url);
  const startMs = performance.now() - t;

  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  t = performance.now();
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: 90000 });
  const shellMs = performance.now() - t;
  await page.locator('.part.activitybar .action-item a[aria-label^="Stratus"]').click({ timeout: 90000 });
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'embedded' }).first().waitFor({ timeout: 90000 });
  const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Debian 12 base image' });
  if (!(await row.count())) await page.locator('.part.sidebar .monaco-list-row', { hasText: 'embedded' }).first().click();
  await row.first().locator('.codicon-verified-filled').waitFor({ timeout: 90000 });
  const viewsMs = performance.now() - t;

  const s = ms => `${(ms / 1000).toFixed(2)} s`;
  console.log(`npm start → URL answering:            ${s(startMs)}   (code-server alone: ${s(baseMs)}; ratio ${(startMs / baseMs).toFixed(2)}; goal ≤ 15 s)`);
  console.log(`page load → views with trusted entry:  ${s(viewsMs)}   (page load → activity bar: ${s(shellMs)}; ratio ${(viewsMs / shellMs).toFixed(2)}; goal ≤ 3 s)`);
} catch (e) {
  console.error(`bench/first-start: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  child?.kill('SIGTERM');
  await new Promise(r => setTimeout(r, 500));
  fs.rmSync(tmp, { recursive: true, force: true });
}
