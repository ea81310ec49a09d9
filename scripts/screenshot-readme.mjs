// The README pictures, from a real `npm start` on a fresh data folder, exactly as a user meets it:
//   docs/images/workbench.png          the marketplace with the seeded, trusted Debian 12 base entry
//   docs/images/metadata-editor.png    the metadata editor with a live diagnostic
//   docs/images/instance-running.png   a running instance of the base image (booted with the CLI, as a user could)
// Needs the base image (bash scripts/setup-kvm.sh). Boots a guest: run under `flock /tmp/stratus-vm.lock`.
// usage: npm run build && node scripts/screenshot-readme.mjs [outdir]    (SHOTS_NO_VM=1: only the first two)
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, launchBrowser, waitForStratus } from '../test/host/lib.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'images'));
if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) { console.error('dist/extension.js is missing: run `npm run build` first'); process.exit(1); }
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-shot-'));
const data = path.join(tmp, 'data');
const workspace = path.join(data, 'workspace');   // npm start's default: a copy of samples/webserver
const cli = (...args) => execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { env: { ...process.env, STRATUS_DATA_DIR: data }, stdio: 'pipe' }).toString();
const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], {
  env: { ...process.env, PORT: String(await freePort()), STRATUS_START_NO_BUILD: '1', STRATUS_DATA_DIR: data, STRATUS_START_STATE: path.join(tmp, 'state') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let browser, vm;
const row = (page, text) => page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
async function settle(page) {
  await page.mouse.move(1200, 880);   // no hover highlight in the picture
  await page.waitForTimeout(1500);
}
try {
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', d => { text += d; const m = text.match(/Open (http\S+)/); if (m) resolve(m[1]); });
    child.on('exit', c => reject(new Error(`npm start exited (${c}) before printing a URL:\n${text}`)));
    setTimeout(() => reject(new Error(`npm start printed no URL in 120 s:\n${text}`)), 120000).unref();
  });
  console.log(`npm start serves ${url}`);
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(url);
  await (await waitForStratus(page)).click();
  await row(page, 'embedded').waitFor({ timeout: 90000 });
  // the seeded entry, with its trust verdict (green = signed by the trusted local builder certificate)
  const entry = row(page, 'Debian 12 base image');
  for (let i = 0; i < 60 && !(await entry.count()); i++) { await row(page, 'embedded').click(); await page.waitForTimeout(1000); }
  await entry.locator('.codicon-verified-filled').waitFor({ timeout: 90000 });
  await entry.hover();
  await page.waitForTimeout(2500);   // the tooltip with the verdict
  fs.mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, 'workbench.png') });
  console.log('wrote workbench.png');

  // the metadata editor: the seeded entry's metadata, with a date the schema refuses
  const id = JSON.parse(fs.readFileSync(path.join(data, 'first-start.json'), 'utf8')).identifier;
  const xml = cli('marketplace', 'get', id, '--endpoint', 'local');
  fs.writeFileSync(path.join(workspace, 'debian-12-base.xml'), xml.replace(/<dcterms:valid>[^<]*</, '<dcterms:valid>2027-13-01<'));
  await page.keyboard.press('Escape');
  await page.locator('.part.activitybar .action-item a[aria-label^="Explorer"]').click();
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'debian-12-base.xml' }).first().click({ timeout: 60000 });
  await page.locator('.monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
  // the first diagnostic, shown inline with its message (Go to Next Problem)
  for (let i = 0; i < 60 && !(await page.locator('.monaco-editor .marker-widget').count()); i++) { await page.keyboard.press('F8'); await page.waitForTimeout(1000); }
  await page.locator('.monaco-editor .marker-widget').first().waitFor({ timeout: 10000 });
  await settle(page);
  await page.screenshot({ path: path.join(outDir, 'metadata-editor.png') });
  console.log('wrote metadata-editor.png');

  if (process.env.SHOTS_NO_VM) throw Object.assign(new Error('SHOTS_NO_VM'), { done: true });
  // a running instance of the base image (booted with the CLI on the same data folder; the tree follows)
  const out = cli('run-instance', id, '--vm-name', 'web-1', '--type', 't1.micro');
  vm = /vm-[0-9a-f]+/.exec(out)?.[0];
  await (await waitForStratus(page)).click();
  await row(page, 'Local').waitFor({ timeout: 60000 });
  const inst = row(page, 'web-1');
  for (let i = 0; i < 60 && !(await inst.count()); i++) { await page.locator('.part.sidebar .pane-header', { hasText: 'Instances' }).hover(); await page.locator('.part.sidebar .pane-header', { hasText: 'Instances' }).locator('a[aria-label*="Refresh"]').click().catch(() => undefined); await page.waitForTimeout(1000); }
  await inst.hover();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: path.join(outDir, 'instance-running.png') });
  console.log('wrote instance-running.png');
} catch (e) {
  if (e.done) console.log('no running-instance picture (SHOTS_NO_VM)');
  else {
    console.error(`screenshot-readme: ${e.message}`);
    process.exitCode = 1;
    await browser?.contexts()[0]?.pages()[0]?.screenshot({ path: path.join(outDir, 'failed.png') }).catch(() => undefined);
  }
} finally {
  if (vm) try { cli('kill-instance', vm); } catch (e) { console.error(`kill ${vm}: ${e.message}`); }
  await browser?.close();
  child.kill('SIGTERM');
  await new Promise(r => setTimeout(r, 1000));
  fs.rmSync(tmp, { recursive: true, force: true });
}
