// npm start: a real VS Code workbench (code-server, bound to 127.0.0.1, no auth) with Stratus loaded,
// on the embedded defaults (local marketplace, images, instances and volumes under one data folder).
// Installs what a fresh clone lacks, builds, prints the URL and runs until Ctrl-C. Node built-ins only.
// env: PORT (default 8080, else a free port), STRATUS_DATA_DIR (default <repo>/.stratus-data),
//      STRATUS_WORKSPACE (folder to open; default <data>/workspace, a copy of samples/webserver on first start),
//      STRATUS_START_NO_BUILD=1 (the build is also skipped when dist/ is newer than every source),
//      STRATUS_START_STATE (user-data + extensions folder; default <repo>/.host/start).
// The base image the set-up built is handed to the extension (STRATUS_BASE_IMAGE), which publishes it once
// into the embedded marketplace, signed by the local builder certificate.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { ROOT, CODE_SERVER, freePort, startCodeServer } from '../test/host/lib.mjs';

process.chdir(ROOT);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`npm start: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status})`); process.exit(1); }
}
if (!fs.existsSync('node_modules') || !fs.existsSync(CODE_SERVER)) run('bash', ['scripts/setup.sh']);
// Already built from these sources: no build (keeps `npm start` fast when nothing changed).
function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map(e => newest(path.join(p, e))));
}
const upToDate = () => {
  try { return fs.statSync('dist/extension.js').mtimeMs > Math.max(newest('src'), newest('package.json'), newest('webpack.config.js'), newest('tsconfig.json')); } catch { return false; }
};
if (!process.env.STRATUS_START_NO_BUILD && !upToDate()) run('npm', ['run', '-s', 'build']);

// The set-up's base image: scripts/setup-kvm.sh caches it under a hash of the build script and the guest/
// files; the extension's own lookup (setupBaseImage, compiled into out/ by the build) computes that name.
const base = process.env.STRATUS_BASE_IMAGE || createRequire(import.meta.url)(path.join(ROOT, 'out/src/backend/firststart/seed.js')).setupBaseImage(ROOT);
if (!base) console.log('npm start: no base image yet, so the marketplace starts empty; `bash scripts/setup-kvm.sh` builds it (about 2 min), then restart.');

const portFree = port => new Promise(res => {
  const s = net.createServer().once('error', () => res(false));
  s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
});
const wanted = Number(process.env.PORT || 8080);
const port = (await portFree(wanted)) ? wanted : await freePort();
if (port !== wanted) console.log(`port ${wanted} is busy; using ${port}`);

// The extension is installed as a symlink to this repo in a dedicated extensions folder, so the
// workbench is an ordinary one (not a development host) and a rebuild + window reload picks up changes.
const state = path.resolve(process.env.STRATUS_START_STATE || path.join(ROOT, '.host', 'start'));
const extDir = path.join(state, 'extensions');
fs.mkdirSync(extDir, { recursive: true });
for (const e of fs.readdirSync(extDir)) if (e.startsWith(`${pkg.publisher}.${pkg.name}-`)) fs.rmSync(path.join(extDir, e), { force: true });
fs.symlinkSync(ROOT, path.join(extDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`));

const dataDir = path.resolve(process.env.STRATUS_DATA_DIR || path.join(ROOT, '.stratus-data'));
const workspace = path.resolve(process.env.STRATUS_WORKSPACE || path.join(dataDir, 'workspace'));
// First start: the sample workspace, its recipe pointing at the base image the extension publishes
// (the identifier is the base's SHA-1 in the marketplace's alphabet; the seed's digest cache has it).
if (!process.env.STRATUS_WORKSPACE && !fs.existsSync(workspace)) {
  fs.cpSync(path.join(ROOT, 'samples', 'webserver'), workspace, { recursive: true });
  if (base) {
    const idm = await import(path.join(ROOT, 'out', 'src', 'core', 'metadata', 'identifier.js'));
    const sha1ToIdentifier = idm.sha1ToIdentifier ?? idm.default.sha1ToIdentifier;
    let sha1;
    try { sha1 = JSON.parse(fs.readFileSync(`${base}.digests.json`, 'utf8')).digests.sha1; } catch {
      const h = crypto.createHash('sha1');
      for await (const chunk of fs.createReadStream(base)) h.update(chunk);
      sha1 = h.digest('hex');
    }
    const recipe = path.join(workspace, 'webserver.recipe.yaml');
    fs.writeFileSync(recipe, fs.readFileSync(recipe, 'utf8').replace('REPLACE_WITH_BASE_IMAGE_ID', sha1ToIdentifier(sha1)));
  }
}
fs.mkdirSync(workspace, { recursive: true });
const srv = await startCodeServer({ port, dir: state, env: { STRATUS_DATA_DIR: dataDir, ...(base ? { STRATUS_BASE_IMAGE: base } : {}) } });
const url = `${srv.base}/?folder=${encodeURIComponent(workspace)}`;
console.log(`\nStratus ${pkg.version} in VS Code (code-server) — data folder ${dataDir}\n\n  Open ${url}\n\n(server log: ${srv.logFile}; Ctrl-C to stop)`);
const stop = () => { srv.stop(); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
srv.proc.on('exit', c => { console.error(`code-server exited (${c}); see ${srv.logFile}`); process.exit(1); });
