// Activation time and VSIX size of Stratus, against an empty extension measured in the same run.
// Both are packaged with vsce, installed with `code-server --install-extension` (so this also proves
// the VSIX installs) and activated in the real extension host, RUNS page loads each: the baseline on
// onStartupFinished, Stratus by showing its views (it activates on its views, commands, languages and URI).
// Activation = host log "ExtensionService#_doActivateExtension <id>" → the time the extension writes into its own
// "... activated ... (at <ISO time>)" log line at the end of activate(): module load + activate(), on this machine's
// clock. The line's timestamp prefix is no measure of that: a log channel's lines are stamped when its logger is
// ready (it is created asynchronously), so the prefix also counts whatever the host runs meanwhile (for Stratus,
// the first listing of the views just opened). It is printed too, as "log line written".
// usage: npm run build && node bench/activation.mjs      (RUNS=5 for more samples)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, CODE_SERVER, startCodeServer, launchBrowser, waitForStratus } from '../test/host/lib.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-'));
const vsce = (cwd, out) => execFileSync(process.execPath, [path.join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package',
  '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', out], { cwd, stdio: 'pipe' });

// The baseline: an extension that only creates its log channel and says it is active.
const base = path.join(tmp, 'baseline');
fs.mkdirSync(base);
fs.writeFileSync(path.join(base, 'package.json'), JSON.stringify({ name: 'baseline', publisher: 'bench', version: '0.0.1',
  engines: { vscode: '^1.100.0' }, main: './extension.js', activationEvents: ['onStartupFinished'] }));
fs.writeFileSync(path.join(base, 'README.md'), 'Empty extension: the activation baseline.\n');
fs.writeFileSync(path.join(base, 'extension.js'),
  "const vscode = require('vscode');\nexports.activate = ctx => { const log = vscode.window.createOutputChannel('Baseline', { log: true }); ctx.subscriptions.push(log); log.info(`Baseline activated (at ${new Date().toISOString()})`); };\n");
const vsix = { stratus: path.join(tmp, 'stratus.vsix'), baseline: path.join(tmp, 'baseline.vsix') };
if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) { console.error('dist/ is missing: run `npm run build` first'); process.exit(1); }
execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), vsix.stratus], { env: { ...process.env, STRATUS_PACKAGE_NO_BUILD: '1' }, stdio: 'pipe' });
vsce(base, vsix.baseline);

const srv = await startCodeServer({ dir: path.join(tmp, 'host'), env: { STRATUS_DATA_DIR: path.join(tmp, 'data'), EXTENSIONS_GALLERY: '{}' } });
const cs = (...args) => execFileSync(CODE_SERVER, ['--config', path.join(srv.dir, 'config.yaml'), '--user-data-dir', srv.ud,
  '--extensions-dir', srv.ext, ...args], { stdio: 'pipe' }).toString();

const ts = s => Date.parse(s.replace(' ', 'T'));
function activations() {
  // One exthost log folder per extension-host start (one per page load).
  const out = { stratus: [], baseline: [], stratusLine: [], baselineLine: [] };
  const logs = path.join(srv.ud, 'logs');
  for (const session of fs.readdirSync(logs)) for (const eh of fs.readdirSync(path.join(logs, session)).filter(d => d.startsWith('exthost'))) {
    const dir = path.join(logs, session, eh);
    const host = fs.existsSync(path.join(dir, 'remoteexthost.log')) ? fs.readFileSync(path.join(dir, 'remoteexthost.log'), 'utf8') : '';
    for (const [key, id, file, line] of [['stratus', 'stratus.stratus', 'Stratus.log', 'Stratus activated'], ['baseline', 'bench.baseline', 'Baseline.log', 'Baseline activated']]) {
      const start = host.match(new RegExp(`^(\\S+ \\S+) \\[info\\] ExtensionService#_doActivateExtension ${id.replace('.', '\\.')},`, 'm'));
      const own = path.join(dir, id, file);
      const end = fs.existsSync(own) && fs.readFileSync(own, 'utf8').match(new RegExp(`^(\\S+ \\S+) \\[info\\] ${line}.* \\(at (\\S+)\\)$`, 'm'));
      if (start && end) { out[key].push(Date.parse(end[2]) - ts(start[1])); out[`${key}Line`].push(ts(end[1]) - ts(start[1])); }
    }
  }
  return out;
}

// One extension at a time: activated together they would wait on each other in the one host thread.
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
try {
  for (const [key, id] of [['baseline', 'bench.baseline'], ['stratus', 'stratus.stratus']]) {
    cs('--install-extension', vsix[key]);
    if (!cs('--list-extensions').split('\n').includes(id)) throw new Error(`${id} did not install from ${vsix[key]}`);
    console.log(`installed ${id} with code-server --install-extension`);
    for (let i = 0; i < RUNS; i++) {
      await page.goto(`${srv.base}/?folder=${encodeURIComponent(tmp)}`);
      await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: 90000 });
      if (key === 'stratus') {
        // Open the Stratus views once the workbench has settled, as the baseline activates after start-up:
        // otherwise the time would include the other extensions' start-up work in the same host thread.
        const entry = await waitForStratus(page);
        await new Promise(r => setTimeout(r, 3000));
        await entry.click();
      }
      const deadline = Date.now() + 60000;
      while (activations()[key].length <= i && Date.now() < deadline) await new Promise(r => setTimeout(r, 250));
      // close the container again, so the next page load does not restore it (and activate at start-up)
      if (key === 'stratus') await (await waitForStratus(page)).click();
    }
    await page.goto('about:blank');
    cs('--uninstall-extension', id);
  }
} finally {
  await browser.close();
  srv.stop();
}
const a = activations();
const median = xs => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const size = { stratus: fs.statSync(vsix.stratus).size, baseline: fs.statSync(vsix.baseline).size };
const mS = median(a.stratus), mB = median(a.baseline);
console.log(`activation (ms, to the end of activate(); runs: stratus ${a.stratus.join(', ')} | baseline ${a.baseline.join(', ')})`);
console.log(`  stratus  ${mS} ms   baseline ${mB} ms   over baseline ${mS - mB} ms   ratio ${(mS / Math.max(mB, 1)).toFixed(1)}x`);
const lS = median(a.stratusLine), lB = median(a.baselineLine);
console.log(`log line written (ms, its timestamp prefix; runs: stratus ${a.stratusLine.join(', ')} | baseline ${a.baselineLine.join(', ')})`);
console.log(`  stratus  ${lS} ms   baseline ${lB} ms   over baseline ${lS - lB} ms`);
console.log(`VSIX size   stratus ${size.stratus} bytes   baseline ${size.baseline} bytes   ratio ${(size.stratus / size.baseline).toFixed(1)}x`);
if (a.stratus.length < RUNS || a.baseline.length < RUNS) { console.error(`only ${a.stratus.length}/${a.baseline.length} of ${RUNS} activations were seen in the host logs (kept ${tmp})`); process.exit(1); }
fs.rmSync(tmp, { recursive: true, force: true });
