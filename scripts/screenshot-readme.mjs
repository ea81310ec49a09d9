// Produces docs/images/workbench.png for the README: runs `npm start` (scripts/start.mjs) on a fresh
// data folder exactly as a user would, opens the printed URL in Debian's chromium, opens the Stratus
// container and photographs the real workbench. Also proves that `npm start` serves the extension.
// usage: npm run build && node scripts/screenshot-readme.mjs [out.png]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, launchBrowser, waitForStratus } from '../test/host/lib.mjs';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'images', 'workbench.png'));
if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) { console.error('dist/extension.js is missing: run `npm run build` first'); process.exit(1); }
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-shot-'));
const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], {
  env: { ...process.env, PORT: String(await freePort()), STRATUS_START_NO_BUILD: '1', STRATUS_DATA_DIR: path.join(tmp, 'data'),
    STRATUS_WORKSPACE: path.join(tmp, 'my-images'), STRATUS_START_STATE: path.join(tmp, 'state') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let browser;
const cleanup = () => { child.kill('SIGTERM'); fs.rmSync(tmp, { recursive: true, force: true }); };
try {
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', d => { text += d; const m = text.match(/Open (http\S+)/); if (m) resolve(m[1]); });
    child.on('exit', c => reject(new Error(`npm start exited (${c}) before printing a URL:\n${text}`)));
    setTimeout(() => reject(new Error(`npm start printed no URL in 90 s:\n${text}`)), 90000).unref();
  });
  console.log(`npm start serves ${url}`);
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  const entry = await waitForStratus(page);
  await entry.click();
  for (const view of ['Marketplace', 'Instances', 'Volumes']) {
    await page.locator('.part.sidebar .pane-header', { hasText: view }).waitFor({ timeout: 60000 });
  }
  // Wait until views and the status bar stop showing work in progress.
  await page.waitForFunction(() => !document.querySelector('.monaco-workbench .monaco-progress-container.active')
    && !document.querySelector('.part.statusbar')?.textContent?.includes('Activating'), null, { timeout: 60000 });
  await page.mouse.move(900, 400); // no hover highlight in the picture
  await page.waitForTimeout(1500);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(ROOT, out)} (${fs.statSync(out).size} bytes)`);
} catch (e) {
  console.error(`screenshot-readme: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  cleanup();
}
