// Produces docs/images/workbench.png for the README: runs `npm start` (scripts/start.mjs) on a fresh
// data folder exactly as a user would, opens the printed URL in Debian's chromium, opens the Stratus
// container and photographs the real workbench. Also proves that `npm start` serves the extension.
// usage: npm run build && node scripts/screenshot-readme.mjs [out.png]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT, freePort, launchBrowser, waitForStratus } from '../test/host/lib.mjs';

/** A few signed entries in the local marketplace, made with the CLI exactly as a user would. */
function seedMarketplace(dataDir) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-seed-'));
  const cli = (...args) => execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { cwd: work, env: { ...process.env, STRATUS_DATA_DIR: dataDir }, stdio: 'pipe' });
  fs.writeFileSync(path.join(work, 'pw'), 'readme-only\n');
  cli('generate-certificate', '--cn', 'Jane Tester', '--email', 'jane.tester@example.org', '-o', 'me.p12', '--password-file', 'pw');
  const images = [['Debian', '12', 'Debian 12 base', '1.2'], ['Ubuntu', '22.04', 'Ubuntu 22.04 LTS', '2.0'], ['CentOS', '7', 'CentOS 7 grid node', '1.0']];
  for (const [i, [os_, ver, title, version]] of images.entries()) {
    fs.writeFileSync(path.join(work, `${i}.img`), Buffer.alloc(1024 * 1024 * (i + 1), i + 1));
    cli('build-metadata', `${i}.img`, '--author', 'Jane Tester', '--os', os_, '--os-version', ver, '--os-arch', 'x86_64', '--image-version', version,
      '--title', title, '--location', `https://images.example.org/${os_.toLowerCase()}-${ver}.img.gz`, '--compression', 'gz', '-o', `${i}.xml`);
    cli('sign-metadata', `${i}.xml`, '--p12', 'me.p12', '--password-file', 'pw', '-o', `${i}.signed.xml`);
    cli('upload-metadata', `${i}.signed.xml`);
  }
  fs.rmSync(work, { recursive: true, force: true });
}

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'images', 'workbench.png'));
if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) { console.error('dist/extension.js is missing: run `npm run build` first'); process.exit(1); }
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-shot-'));
seedMarketplace(path.join(tmp, 'data'));
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
