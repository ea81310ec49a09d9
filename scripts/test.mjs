// npm test: build, then every tier — unit (node:test), workbench (real VS Code), VM (real QEMU guests) —
// and one closing summary line. STRATUS_TIERS=unit,workbench,vm picks tiers (all by default).
// Each tier runs in its own process group under a time budget (STRATUS_TIER_MINUTES=unit:12,workbench:25,vm:50
// overrides): a test that hangs past its own timeout cannot hold the whole run — the group is killed, the tier
// counts as failed, and the line says which tier and how long, so `npm test` always ends well inside an hour and a half.
// (A test past its own timeout is reported failed at once, but its file's process may live on: the budget ends it.)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const tiers = (process.env.STRATUS_TIERS || 'unit,workbench,vm').split(',');
const total = { passed: 0, failed: 0, skipped: 0, failures: [] };

const budgets = { unit: 12, workbench: 25, 'workbench-untrusted': 5, vm: 50 };
for (const kv of (process.env.STRATUS_TIER_MINUTES || '').split(',').filter(Boolean)) { const [k, v] = kv.split(':'); budgets[k] = Number(v); }

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { stdio: 'inherit', ...opts });
}
/** Runs a tier's command in a new process group; past its budget the whole group (qemu, sshd, browsers) is killed. */
function runTier(label, cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const minutes = budgets[label] ?? 30;
  return new Promise(resolve => {
    const child = spawn(cmd, args, { stdio: 'inherit', detached: true, ...opts });
    let timedOut = false;
    const kill = sig => { try { process.kill(-child.pid, sig); } catch { /* already gone */ } };
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`\n[${label}] still running after its budget of ${minutes} min: stopping it (a test hung; its output above shows which)`);
      kill('SIGTERM'); setTimeout(() => kill('SIGKILL'), 10_000).unref();
    }, minutes * 60_000);
    const onSignal = () => { kill('SIGKILL'); process.exit(130); };
    process.once('SIGINT', onSignal); process.once('SIGTERM', onSignal);
    child.on('exit', code => {
      clearTimeout(timer); process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal);
      kill('SIGKILL');   // whatever the tier left behind in its group (a stray qemu or sshd) goes with it
      resolve({ status: code, timedOut, minutes });
    });
  });
}
function result(label, countFile, r, why) {
  if (r.timedOut) return { passed: 0, failed: 1, skipped: 0, failures: [`${label}: exceeded its ${r.minutes} min budget and was stopped (see the last test started above)`] };
  try { return JSON.parse(fs.readFileSync(countFile, 'utf8')); } catch { return { passed: 0, failed: 1, skipped: 0, failures: [why] }; }
}
function walk(dir, pred, acc = []) {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, pred, acc); else if (pred(p)) acc.push(p);
  }
  return acc.sort();
}
async function nodeTests(label, files, extra = []) {
  if (!files.length) { console.log(`[${label}] no test files`); return; }
  const countFile = path.join(root, 'out', `counts-${label}.json`);
  fs.rmSync(countFile, { force: true });
  // not --test-force-exit: it exits before the reporters' files are flushed (the counts would be lost); a file
  // that a timed-out test keeps alive is ended by the tier's budget instead
  const r = await runTier(label, process.execPath, ['--test', ...extra, '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts/count-reporter.mjs')}`, `--test-reporter-destination=${countFile}`, ...files]);
  add(label, result(label, countFile, r, `${label}: runner produced no result`));
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
if (tiers.includes('unit')) await nodeTests('unit', compiled.filter(p => !p.includes(`${path.sep}ui${path.sep}`) && !p.endsWith('.vm.test.js')));
if (tiers.includes('workbench')) {
  if (fs.existsSync('test/host/run-tests.mjs')) {
    const countFile = path.join(root, 'out', 'counts-workbench.json');
    fs.rmSync(countFile, { force: true });
    const wb = await runTier('workbench', process.execPath, ['test/host/run-tests.mjs'], { env: { ...process.env, STRATUS_COUNT_FILE: countFile } });
    add('workbench', result('workbench', countFile, wb, 'workbench: the real VS Code host did not report a result (see above)'));
    // a short second run in an UNTRUSTED workspace holding hostile Stratus settings (restricted mode)
    fs.rmSync(countFile, { force: true });
    const wu = await runTier('workbench-untrusted', process.execPath, ['test/host/run-tests.mjs'], { env: { ...process.env, STRATUS_COUNT_FILE: countFile, STRATUS_UI_UNTRUSTED: '1', STRATUS_UI_GREP: 'restricted settings|outside the recipe' } });
    add('workbench-untrusted', result('workbench-untrusted', countFile, wu, 'workbench (untrusted): no result (see above)'));
  } else console.log('[workbench] no harness yet');
}
// Two guest-booting files at a time: most instances have 1 vCPU and much of a test is waiting (boots, apt,
// saves), so two at once on 2 cores keeps the tier well inside the budget; each test has its own data folder and ports.
if (tiers.includes('vm')) await nodeTests('vm', compiled.filter(p => p.endsWith('.vm.test.js')), ['--test-concurrency=2']);

if (total.failures.length) console.log('\nFailures:\n' + total.failures.map(f => `  ${f}`).join('\n'));
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed ? 1 : 0);
