// First start, as a user meets it: `npm start` (everything installed and built) on a fresh data folder.
// Prints (1) the time from starting `npm start` to its URL answering, against starting code-server alone
// (the baseline, same run), and (2) the time from page load to the Stratus views rendered with the seeded,
// trusted base entry, against page load to the workbench's activity bar (same page), and where that time goes
// (from the host's and the extension's logs): the workbench's own start (code-server launching its extension host),
// Stratus's activation, the first-start publish of the base image, and the tree showing it.
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
  const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Debian 13 base image' });
  if (!(await row.count())) await page.locator('.part.sidebar .monaco-list-row', { hasText: 'embedded' }).first().click();
  await row.first().locator('.codicon-verified-filled').waitFor({ timeout: 90000 });
  const viewsMs = performance.now() - t;
  const shown = Date.now();
  const loaded = shown - viewsMs;

  const s = ms => `${(ms / 1000).toFixed(2)} s`;
  console.log(`npm start → URL answering:            ${s(startMs)}   (code-server alone: ${s(baseMs)}; ratio ${(startMs / baseMs).toFixed(2)}; goal ≤ 15 s)`);
  console.log(`page load → views with trusted entry:  ${s(viewsMs)}   (page load → activity bar: ${s(shellMs)}; ratio ${(viewsMs / shellMs).toFixed(2)}; goal ≤ 3 s)`);
  // where it goes, from page load (the logs' local timestamps)
  const logs = path.join(tmp, 'state', 'user-data', 'logs');
  const at = (file, re) => {
    for (const dir of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
      const f = path.join(logs, dir, file);
      const m = fs.existsSync(f) && fs.readFileSync(f, 'utf8').split('\n').find(l => re.test(l));
      if (m) return new Date(m.slice(0, 23).replace(' ', 'T')).getTime();
    }
    return undefined;
  };
  const marks = [
    ['extension host launched', at('remoteagent.log', /Launched Extension Host Process/)],
    ['extension host up', at('exthost1/remoteexthost.log', /Extension host with pid \d+ started/)],
    ['Stratus activating', at('exthost1/remoteexthost.log', /_doActivateExtension stratus\.stratus/)],
    ['base image published', at('exthost1/stratus.stratus/Stratus.log', /first start: published/)],
    ['entry shown trusted', shown],
  ];
  let prev = loaded;
  console.log(`  where: ${marks.map(([n, ms]) => { if (ms === undefined) return `${n} ?`; const d = ms - prev; prev = ms; return `${n} +${s(d)}`; }).join(' · ')}`);
} catch (e) {
  console.error(`bench/first-start: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  child?.kill('SIGTERM');
  await new Promise(r => setTimeout(r, 500));
  fs.rmSync(tmp, { recursive: true, force: true });
}
