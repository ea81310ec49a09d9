// The README pictures, from a real `npm start` on a fresh data folder, exactly as a user meets it:
//   docs/images/workbench.png          the marketplace with the seeded, trusted Debian 13 base entry (its tooltip open)
//   docs/images/metadata-editor.png    the metadata editor with a live diagnostic
//   docs/images/build-finished.png     the sample recipe (samples/webserver) built, its steps in the Builds view
//   docs/images/instance-running.png   the built web server running, its published port 80 in the Instances view
// The build and the launch use the CLI on the same data folder (as a user could; the views follow it).
// Needs the base image (bash scripts/setup-kvm.sh). The build boots a guest and installs apache2 from the Debian
// mirror (several minutes under TCG), so run it alone:
//   npm run build && flock /tmp/stratus-vm.lock node scripts/screenshot-readme.mjs [outdir]
// SHOTS_NO_VM=1: only the first two pictures. SHOTS_BROWSER_LOCK=FILE: hold that flock(1) lock while a browser
// runs (machines that share one workbench lock between test runs). Look at every picture before committing it.
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
const cli = (...args) => execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args],
  { cwd: workspace, env: { ...process.env, STRATUS_DATA_DIR: data }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString();
const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], {
  env: { ...process.env, PORT: String(await freePort()), STRATUS_START_NO_BUILD: '1', STRATUS_DATA_DIR: data, STRATUS_START_STATE: path.join(tmp, 'state') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let browser, lock, vm;
const row = (page, text) => page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
const header = (page, title) => page.locator('.part.sidebar .pane-header', { hasText: title }).first();

/** A browser (and, with SHOTS_BROWSER_LOCK, that lock) only while pictures are taken, not during the build. */
async function openPage(url) {
  if (process.env.SHOTS_BROWSER_LOCK) {
    lock = spawn('flock', [process.env.SHOTS_BROWSER_LOCK, 'sh', '-c', 'echo locked; exec sleep 86400'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    await new Promise(r => lock.stdout.once('data', r));
  }
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await (await waitForStratus(page)).click();
  await header(page, 'Marketplace').waitFor({ timeout: 90000 });
  await sidebarWidth(page, 470);
  return page;
}
async function closePage() {
  await browser?.close();
  browser = undefined;
  if (lock) { try { process.kill(-lock.pid, 'SIGTERM'); } catch { /* gone */ } lock = undefined; }
}
/** The side bar's width: wide for the trees (entry titles and descriptions not cut off), narrow beside an editor. */
async function sidebarWidth(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || Math.abs(box.width - width) < 10) return;
  const x = box.x + box.width;
  await page.mouse.move(x - 1, 400);
  await page.mouse.down();
  await page.mouse.move(box.x + width, 400, { steps: 8 });
  await page.mouse.up();
}
/** Expands or collapses one view of the Stratus container. */
async function pane(page, title, expanded) {
  const h = header(page, title);
  if ((await h.getAttribute('aria-expanded')) !== String(expanded)) await h.click();
}
async function command(page, title) {
  await page.keyboard.press('Control+Shift+P');
  await page.keyboard.type(`>${title}`);
  await page.waitForTimeout(700);
  await page.keyboard.press('Enter');
}
/** The mouse on `target` until its hover (tooltip) shows; the picture is taken with it open. */
async function hoverFor(page, target) {
  for (let i = 0; i < 5; i++) {
    const b = await target.boundingBox();
    await page.mouse.move(b.x + 40 + i * 3, b.y + b.height / 2, { steps: 4 });
    try { await page.locator('.monaco-hover, .workbench-hover').first().waitFor({ state: 'visible', timeout: 3000 }); await page.waitForTimeout(500); return; } catch { /* move again */ }
  }
}
async function settle(page) {
  await page.mouse.move(1100, 16);   // the empty title bar: no hover highlight in the picture
  await page.waitForTimeout(1500);
}
async function shoot(page, name) {
  fs.mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, name) });
  console.log(`wrote ${path.join(outDir, name)}`);
}

try {
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', d => { text += d; const m = text.match(/Open (http\S+)/); if (m) resolve(m[1]); });
    child.on('exit', c => reject(new Error(`npm start exited (${c}) before printing a URL:\n${text}`)));
    setTimeout(() => reject(new Error(`npm start printed no URL in 120 s:\n${text}`)), 120000).unref();
  });
  console.log(`npm start serves ${url}`);
  let page = await openPage(url);
  await row(page, 'embedded').waitFor({ timeout: 90000 });
  // the seeded entry, with its trust verdict (green = signed by the trusted local builder certificate)
  const entry = row(page, 'Debian 13 base image');
  for (let i = 0; i < 60 && !(await entry.count()); i++) { await row(page, 'embedded').click(); await page.waitForTimeout(1000); }
  await entry.locator('.codicon-verified-filled').waitFor({ timeout: 90000 });
  await hoverFor(page, entry);
  await shoot(page, 'workbench.png');

  // the metadata editor: the seeded entry's metadata, with a date the schema refuses
  const id = JSON.parse(fs.readFileSync(path.join(data, 'first-start.json'), 'utf8')).identifier;
  const xml = cli('marketplace', 'get', id, '--endpoint', 'local');
  fs.writeFileSync(path.join(workspace, 'debian-13-base.xml'), xml.replace(/<dcterms:valid>[^<]*</, '<dcterms:valid>2027-13-01<'));
  await page.keyboard.press('Escape');
  await page.locator('.part.activitybar .action-item a[aria-label^="Explorer"]').click();
  await sidebarWidth(page, 300);
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'debian-13-base.xml' }).first().click({ timeout: 60000 });
  await page.locator('.monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
  // the first diagnostic, shown inline with its message (Go to Next Problem)
  for (let i = 0; i < 60 && !(await page.locator('.monaco-editor .marker-widget').count()); i++) { await page.keyboard.press('F8'); await page.waitForTimeout(1000); }
  await page.locator('.monaco-editor .marker-widget').first().waitFor({ timeout: 10000 });
  await settle(page);
  await shoot(page, 'metadata-editor.png');
  await closePage();
  fs.rmSync(path.join(workspace, 'debian-13-base.xml'));

  if (process.env.SHOTS_NO_VM) throw Object.assign(new Error('SHOTS_NO_VM'), { done: true });
  // the sample recipe, built on the seeded base (start.mjs wrote its identifier into the recipe)
  console.log('building samples/webserver (several minutes under TCG)…');
  const t = Date.now();
  try { cli('create-image', 'webserver.recipe.yaml'); } catch (e) { throw new Error(`create-image failed: ${e.stderr ?? e.message}`); }
  const build = fs.readdirSync(path.join(data, 'builds')).map(n => JSON.parse(fs.readFileSync(path.join(data, 'builds', n, 'build.json'), 'utf8'))).find(b => b.status === 'succeeded');
  if (!build?.result?.imagePath) throw new Error('no succeeded build with an image');
  console.log(`built ${build.result.imageId} in ${Math.round((Date.now() - t) / 1000)} s`);
  // the new image, launched with its port 80 published on a free local port
  const out = cli('run-instance', build.result.imagePath, '--vm-name', 'webserver', '--type', 't1.micro', '--publish', '0:80');
  vm = /vm-[0-9a-f]+/.exec(out)?.[0];
  // the picture claims a web server: its page must answer on the published port
  const port80 = /Port: (\S+):(\d+)->80\/tcp/.exec(out);
  if (!port80) throw new Error(`run-instance printed no published port 80:\n${out}`);
  let page80 = '';
  for (let i = 0; i < 60 && !page80.includes('Cloudy'); i++) {
    page80 = await fetch(`http://${port80[1]}:${port80[2]}/cloud.txt`).then(r => r.text(), () => '');
    if (!page80.includes('Cloudy')) await new Promise(r => setTimeout(r, 2000));
  }
  if (!page80.includes('Cloudy')) throw new Error(`the built web server does not answer on its published port ${port80[0]}`);
  console.log(`${vm} serves /cloud.txt on ${port80[1]}:${port80[2]}: ${page80.trim()}`);

  page = await openPage(url);
  await command(page, 'Notifications: Clear All Notifications');
  await page.locator('.part.activitybar .action-item a[aria-label^="Explorer"]').click();
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'webserver.recipe.yaml' }).first().click({ timeout: 60000 });
  await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Create image' }).first().waitFor({ timeout: 60000 }).catch(() => undefined);
  await (await waitForStratus(page)).click();
  await pane(page, 'Marketplace', false);
  await pane(page, 'Instances', false);
  await pane(page, 'Volumes', false);
  await pane(page, 'Builds', true);
  const b = row(page, 'webserver.recipe.yaml');
  for (let i = 0; i < 30 && !(await b.count()); i++) { await command(page, 'Stratus: Refresh Builds'); await page.waitForTimeout(1000); }
  if ((await b.getAttribute('aria-expanded')) !== 'true') await b.click();
  await row(page, 'Saving the new image').waitFor({ timeout: 10000 }).catch(() => undefined);
  await settle(page);
  await shoot(page, 'build-finished.png');

  await pane(page, 'Builds', false);
  await pane(page, 'Instances', true);
  const port = row(page, 'http://127.0.0.1:');
  for (let i = 0; i < 60 && !(await port.count()); i++) { await command(page, 'Stratus: Refresh Instances'); await page.waitForTimeout(2000); }
  await hoverFor(page, port);
  await shoot(page, 'instance-running.png');
} catch (e) {
  if (e.done) console.log('no build or instance pictures (SHOTS_NO_VM)');
  else {
    console.error(`screenshot-readme: ${e.message}`);
    process.exitCode = 1;
    await browser?.contexts()[0]?.pages()[0]?.screenshot({ path: path.join(outDir, 'failed.png') }).catch(() => undefined);
  }
} finally {
  if (vm) try { cli('kill-instance', vm); } catch (e) { console.error(`kill ${vm}: ${e.message}`); }
  await closePage();
  child.kill('SIGTERM');
  await new Promise(r => setTimeout(r, 1000));
  fs.rmSync(tmp, { recursive: true, force: true });
}
