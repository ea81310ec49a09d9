// npm test: build, then every tier — unit (node:test), workbench (real VS Code), VM (real QEMU guests) —
// and one closing summary line. STRATUS_TIERS=unit,workbench,vm picks tiers (all by default).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const tiers = (process.env.STRATUS_TIERS || 'unit,workbench,vm').split(',');
const total = { passed: 0, failed: 0, skipped: 0, failures: [] };

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { stdio: 'inherit', ...opts });
}
function walk(dir, pred, acc = []) {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, pred, acc); else if (pred(p)) acc.push(p);
  }
  return acc.sort();
}
function nodeTests(label, files, extra = []) {
  if (!files.length) { console.log(`[${label}] no test files`); return; }
  const countFile = path.join(root, 'out', `counts-${label}.json`);
  fs.rmSync(countFile, { force: true });
  run(process.execPath, ['--test', ...extra, '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts/count-reporter.mjs')}`, `--test-reporter-destination=${countFile}`, ...files]);
  add(label, fs.existsSync(countFile) ? JSON.parse(fs.readFileSync(countFile, 'utf8')) : { passed: 0, failed: 1, skipped: 0, failures: [`${label}: runner produced no result`] });
}
function add(label, r) {
  console.log(`[${label}] ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  total.passed += r.passed; total.failed += r.failed; total.skipped += r.skipped;
  total.failures.push(...r.failures.map(f => `[${label}] ${f}`));
}

// A fresh clone: install what the tiers need first (the README promises two commands).
if (!fs.existsSync('node_modules') || !fs.existsSync('.host/cs')) run('bash', ['scripts/setup.sh']);
const build = run('npm', ['run', '-s', 'build']);
if (build.status !== 0) { console.log('\nbuild failed'); console.log('0 passed, 1 failed'); process.exit(1); }

// The workbench and VM tiers boot real guests from the cached Debian base image (built once, ~60-90 s).
if ((tiers.includes('workbench') || tiers.includes('vm')) && !process.env.STRATUS_TEST_BASE_IMAGE && process.getuid?.() === 0) {
  const r = spawnSync('bash', ['scripts/setup-kvm.sh'], { encoding: 'utf8', env: { ...process.env, WITH_LIBVIRT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const img = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  if (img && fs.existsSync(img)) process.env.STRATUS_TEST_BASE_IMAGE = img;
  else console.log('[vm] no base image: the guest-booting tests will say why they skip');
}
const compiled = walk('out/test', p => p.endsWith('.test.js'));
if (tiers.includes('unit')) nodeTests('unit', compiled.filter(p => !p.includes(`${path.sep}ui${path.sep}`) && !p.endsWith('.vm.test.js')));
if (tiers.includes('workbench')) {
  if (fs.existsSync('test/host/run-tests.mjs')) {
    const countFile = path.join(root, 'out', 'counts-workbench.json');
    fs.rmSync(countFile, { force: true });
    run(process.execPath, ['test/host/run-tests.mjs'], { env: { ...process.env, STRATUS_COUNT_FILE: countFile } });
    add('workbench', fs.existsSync(countFile) ? JSON.parse(fs.readFileSync(countFile, 'utf8')) : { passed: 0, failed: 1, skipped: 0, failures: ['workbench: the real VS Code host did not report a result (see above)'] });
    // a short second run in an UNTRUSTED workspace holding hostile Stratus settings (restricted mode)
    fs.rmSync(countFile, { force: true });
    run(process.execPath, ['test/host/run-tests.mjs'], { env: { ...process.env, STRATUS_COUNT_FILE: countFile, STRATUS_UI_UNTRUSTED: '1', STRATUS_UI_GREP: 'restricted settings|outside the recipe' } });
    add('workbench-untrusted', fs.existsSync(countFile) ? JSON.parse(fs.readFileSync(countFile, 'utf8')) : { passed: 0, failed: 1, skipped: 0, failures: ['workbench (untrusted): no result (see above)'] });
  } else console.log('[workbench] no harness yet');
}
// Two guest-booting files at a time: most instances have 1 vCPU and much of a test is waiting (boots, apt,
// saves), so two at once on 2 cores keeps the tier well inside the budget; each test has its own data folder and ports.
if (tiers.includes('vm')) nodeTests('vm', compiled.filter(p => p.endsWith('.vm.test.js')), ['--test-concurrency=2']);

if (total.failures.length) console.log('\nFailures:\n' + total.failures.map(f => `  ${f}`).join('\n'));
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed ? 1 : 0);
