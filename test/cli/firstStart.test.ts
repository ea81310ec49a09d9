import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-first-'));
const data = path.join(home, 'data');
const env = { ...process.env, HOME: home, STRATUS_DATA_DIR: data, STRATUS_BASE_IMAGE: '', STRATUSLAB_MARKETPLACE_ENDPOINT: '' };
const cli = (...args: string[]) => new Promise<{ code: number; out: string; err: string }>(resolve => {
  const p = spawn(process.execPath, [CLI, ...args], { env });
  let out = '', err = '';
  p.stdout.on('data', d => (out += d));
  p.stderr.on('data', d => (err += d));
  p.on('close', code => resolve({ code: code ?? -1, out, err }));
});

test('stratus setup publishes the base image signed by the local builder (trusted); local-builder untrust/trust', async t => {
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const img = path.join(home, 'base.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '32M']);
  const r = await cli('setup', '--base-image', img);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Local builder certificate: .*local-builder\.pem/);
  const id = /as ([A-Za-z0-9_-]{27}) in the embedded marketplace/.exec(r.out)?.[1];
  assert.ok(id, r.out);
  assert.equal(fs.statSync(path.join(data, 'keys', 'local-builder.password')).mode & 0o777, 0o600);
  const again = await cli('setup', '--base-image', img);
  assert.match(again.out, /already published/);

  const good = await cli('marketplace', 'get', id!, '--endpoint', 'local', '--verify');
  assert.equal(good.code, 0, good.err);
  assert.match(good.out + good.err, /^good: signature valid/m);
  assert.match((await cli('local-builder', 'untrust')).out, /trusted by default: no/);
  const other = await cli('marketplace', 'get', id!, '--endpoint', 'local', '--verify');
  assert.doesNotMatch(other.out + other.err, /^good/m);
  assert.match((await cli('local-builder', 'trust')).out, /trusted by default: yes/);
  const none = await cli('setup', '--base-image', path.join(home, 'missing.qcow2'));
  assert.notEqual(none.code, 0);
  assert.match(none.err, /does not exist: run `bash scripts\/setup-kvm.sh`/);
  assert.doesNotMatch(none.err, /\n\s+at /, 'no stack trace for a user error');
});
