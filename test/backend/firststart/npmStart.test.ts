import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import * as crypto from 'crypto';

const root = path.join(__dirname, '..', '..', '..', '..');
const codeServer = process.env.CODE_SERVER_BIN ?? path.join(root, '.host', 'cs', 'node_modules', '.bin', 'code-server');
const skip = !fs.existsSync(path.join(root, 'dist', 'extension.js')) ? 'npm start needs the build (dist/)'
  : !fs.existsSync(codeServer) ? 'npm start needs code-server (run scripts/setup.sh)' : false;

// npm start found the set-up's image under a name hashed over the build script alone, while setup-kvm.sh hashes
// the guest/ files too: the marketplace started empty and the workspace recipe kept its placeholder.
test('npm start hands the image setup-kvm.sh cached to the extension, and the workspace recipe names it', { skip, timeout: 120_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-npmstart-'));
  const cache = path.join(tmp, 'cache');
  fs.mkdirSync(cache);
  // the name setup-kvm.sh gives the image, by its own formula
  const hashed = execFileSync('bash', ['-c', 'here=$1; LC_ALL=C; cat "$here/build-base-image.sh" "$here"/../guest/* | sha256sum | cut -c1-12', '_', path.join(root, 'scripts')], { encoding: 'utf8' }).trim();
  const image = path.join(cache, `base-${hashed}.qcow2`);
  fs.writeFileSync(image, 'not really a disk');
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', STRATUS_IMAGE_CACHE: cache, STRATUS_START_NO_BUILD: '1', STRATUS_DATA_DIR: path.join(tmp, 'data'), STRATUS_START_STATE: path.join(tmp, 'state') };
  delete env.STRATUS_BASE_IMAGE;
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', d => { out += d; if (/Open http/.test(out)) resolve(); });
      child.stderr.on('data', d => { out += d; });
      child.on('exit', c => reject(new Error(`npm start exited (${c}): ${out}`)));
    });
    assert.doesNotMatch(out, /no base image yet/, out);
    const recipe = fs.readFileSync(path.join(tmp, 'data', 'workspace', 'webserver.recipe.yaml'), 'utf8');
    assert.ok(recipe.includes(sha1ToIdentifier(crypto.createHash('sha1').update('not really a disk').digest('hex'))), 'the recipe\'s base is the cached image');
    assert.doesNotMatch(recipe, /REPLACE_WITH_BASE_IMAGE_ID/);
  } finally {
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
    await new Promise(r => setTimeout(r, 500));
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
