// Starts the real VS Code host (code-server's bundled VS Code server, whose remote Node extension host
// is the same code as desktop VS Code's) and drives its web workbench with Debian's chromium.
// Shared by run-tests.mjs, scripts/start.mjs (no browser), scripts/screenshot-readme.mjs and bench/.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const CODE_SERVER = process.env.CODE_SERVER_BIN ?? path.join(ROOT, '.host', 'cs', 'node_modules', '.bin', 'code-server');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/** User settings for a legible, prompt-free workbench (no welcome page, no trust dialog, dark theme). */
export const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
};

/**
 * Starts code-server on 127.0.0.1 in its own process group. `dir` holds user-data, extensions and
 * server.log (a fresh temp dir unless given). Resolves once it listens.
 */
export async function startCodeServer({ port, dir, env = {}, extraArgs = [], settings = {}, untrusted = false } = {}) {
  if (!fs.existsSync(CODE_SERVER)) throw new Error(`code-server is not installed at ${CODE_SERVER}: run \`bash test/host/setup-host.sh\` (or \`bash scripts/setup.sh\`)`);
  port ??= await freePort();
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-host-'));
  const ud = path.join(dir, 'user-data');
  const ext = path.join(dir, 'extensions');
  fs.mkdirSync(path.join(ud, 'User'), { recursive: true });
  fs.mkdirSync(ext, { recursive: true });
  const settingsFile = path.join(ud, 'User', 'settings.json');
  const previous = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8') || '{}') : {};
  // untrusted: workspace trust on, no prompt, so the opened folder stays in restricted mode
  const trust = untrusted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {};
  fs.writeFileSync(settingsFile, JSON.stringify({ ...SETTINGS, ...previous, ...settings, ...trust }, null, 2));
  // Without --config code-server writes ~/.config/code-server/config.yaml; keep everything in `dir`.
  const cfg = path.join(dir, 'config.yaml');
  fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = ['--config', cfg, '--user-data-dir', ud, '--extensions-dir', ext,
    '--disable-telemetry', '--disable-update-check', ...(untrusted ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--ignore-last-opened', ...extraArgs];
  const logFile = path.join(dir, 'server.log');
  const log = fs.createWriteStream(logFile);
  const t0 = Date.now();
  // The extension host is a child of the server and inherits this environment.
  const proc = spawn(CODE_SERVER, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  proc.stdout.pipe(log); proc.stderr.pipe(log);
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 60 s (log: ${logFile})\n${out}`)), 60000);
    const onData = d => { out += d; if (/HTTP server listening on/.test(out)) { clearTimeout(timer); resolve(); } };
    proc.stdout.on('data', onData); proc.stderr.on('data', onData);
    proc.on('exit', c => { clearTimeout(timer); reject(new Error(`code-server exited with ${c} (log: ${logFile})\n${out}`)); });
  });
  const stop = () => { try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ } };
  process.on('exit', stop);
  return { port, base: `http://127.0.0.1:${port}`, authority: `127.0.0.1:${port}`, dir, ud, ext, proc, stop, logFile, startMs: Date.now() - t0 };
}

/** Headless Debian chromium; as root it needs --no-sandbox; the other flags stop calls to hosts this network refuses. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/**
 * The workbench URL. Development and test paths travel in the URL payload as vscode-remote:// URIs,
 * as in microsoft/vscode's test/integration/browser (code-server's CLI rejects those flags);
 * the authority must be exactly the host:port the browser uses.
 */
export function workbenchUrl(srv, { folder, devPath, testsPath } = {}) {
  const remote = p => `vscode-remote://${srv.authority}${path.resolve(p)}`;
  const payload = [];
  if (devPath) payload.push(['extensionDevelopmentPath', remote(devPath)]);
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  payload.push(['skipWelcome', 'true']);
  const q = new URLSearchParams({ payload: JSON.stringify(payload) });
  if (folder) q.set('folder', path.resolve(folder));
  return `${srv.base}/?${q}`;
}

/** Waits until the workbench has rendered its activity bar and the Stratus container entry. */
export async function waitForStratus(page, timeout = 90000) {
  await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout });
  const entry = page.locator('.part.activitybar .action-item a[aria-label^="Stratus"]');
  await entry.waitFor({ timeout });
  return entry;
}

/** Copies test/ui/fixtures/workspace (if present) into a fresh folder the workbench opens. */
export function makeWorkspace(parent) {
  const ws = path.join(parent, 'workspace');
  const fixture = path.join(ROOT, 'test', 'ui', 'fixtures', 'workspace');
  if (fs.existsSync(fixture)) fs.cpSync(fixture, ws, { recursive: true }); else fs.mkdirSync(ws, { recursive: true });
  return ws;
}
