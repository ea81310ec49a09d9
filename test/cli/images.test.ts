import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { READINESS_ITEMS } from '../../src/backend/readiness/check';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const hasQemuImg = () => { try { execFileSync('qemu-img', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } };
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, STRATUS_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-img-')) }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('check-readiness --root: every item listed, exit 1 on failures, ids validated, --json', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-empty-root-'));
  fs.mkdirSync(path.join(root, 'etc'));
  const r = cli('check-readiness', '--root', root);
  assert.equal(r.code, 1, r.err);
  for (const id of Object.keys(READINESS_ITEMS)) assert.ok(r.out.includes(id), id);
  assert.match(r.out, /✘ context\.present/);
  const j = cli('check-readiness', '--root', root, '--json', '--waive', 'context.present,ssh.enabled,network.dhcp,ssh.password-auth-off,firewall.active');
  assert.equal(j.code, 0, j.out);
  assert.equal(JSON.parse(j.out).ok, true);
  const bad = cli('check-readiness', '--root', root, '--waive', 'no.such.item');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown item id 'no\.such\.item'/);
  assert.equal(cli('check-readiness').code, 2);
});

test('import-image refuses a qcow2 whose external data file is a host file (one line, nothing imported)', { skip: hasQemuImg() ? undefined : 'qemu-img is not installed' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-datafile-'));
  // qemu-img create writes the data file it is given, so the "host file" is a throw-away one filled afterwards
  // (never point this at a real system file such as /etc/hostname: creating the image would overwrite it)
  const hostFile = path.join(dir, 'host-secret.txt');
  const evil = path.join(dir, 'evil.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${hostFile},data_file_raw=on`, evil, '1M']);
  fs.writeFileSync(hostFile, 'root:x:0:0:secret host file\n');
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-img-'));
  const r = spawnSync(process.execPath, [CLI, 'import-image', evil], { env: { ...process.env, STRATUS_DATA_DIR: data }, encoding: 'utf8' });
  assert.notEqual(r.status, 0, `refused: ${r.stdout}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /evil\.qcow2 uses \S*host-secret\.txt as its data file/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const vols = path.join(data, 'volumes');
  assert.deepEqual(fs.existsSync(vols) ? fs.readdirSync(vols).filter(f => !f.startsWith('.')) : [], [], 'nothing imported');
});
