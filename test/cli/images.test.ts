import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { READINESS_ITEMS } from '../../src/backend/readiness/check';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
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
