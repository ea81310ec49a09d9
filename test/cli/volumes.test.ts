import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-vol-'));
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, STRATUS_DATA_DIR: data }, encoding: 'utf8', cwd: data });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('create / describe / copy / delete volumes with the original outputs', () => {
  assert.match(cli('create-volume', '-s', '0').err, /Volume size must be a valid integer between 1 and 1024/);
  assert.match(cli('create-volume', '-s', '1', '-t', 'x'.repeat(40)).err, /Tags must have less than 40 characters/);
  assert.equal(cli('describe-volumes').out, 'No disk to show\n');
  const c = cli('create-volume', '--size', '1', '--tag', 'scratch', '--public');
  assert.equal(c.code, 0, c.err);
  const uuid = /^DISK ([0-9a-f-]{36})\n$/.exec(c.out)![1];
  const d = cli('describe-volumes');
  assert.ok(d.out.startsWith(`:: DISK ${uuid}\n\tuuid: ${uuid}\n\ttag: scratch\n\tcount: 0\n`), d.out);
  assert.match(d.out, /\tvisibility: PUBLIC\n/);
  const cp = cli('copy-volume', uuid);
  assert.equal(cp.code, 0, cp.err);
  const cow = /^DISK (\S+)/.exec(cp.out)![1];
  assert.equal(JSON.parse(cli('describe-volumes', '--json', cow).out)[0].identifier, `snapshot:${uuid}`);
  assert.equal(cli('describe-volumes', '-f', 'type:LIVE$', '-f', 'tag:^scr').out.split(':: DISK').length - 1, 1);
  assert.equal(cli('describe-volumes', '-f', 'nosuchfield:.').out, 'No disk to show\n');
  const refused = cli('delete-volume', uuid);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /backing of/);
  assert.equal(cli('delete-volume', 'nope').code, 2, 'a malformed UUID is a usage error');
  assert.equal(cli('delete-volume', cow, uuid).out, `DELETED ${cow}\nDELETED ${uuid}\n`);
});

test('import-image then export-volume round trip; prepare-context writes cloud-init.txt', () => {
  const raw = Buffer.alloc(1 << 20); raw.write('hello stratus', 4096);
  const img = path.join(data, 'small.img.gz');
  fs.writeFileSync(img, zlib.gzipSync(raw));
  const r = cli('import-image', '--format', 'raw', '--tag', 'small', img);
  assert.equal(r.code, 0, r.err);
  const uuid = /DISK (\S+)/.exec(r.out)![1];
  assert.match(r.out, /IDENTIFIER \S{27}\n/);
  assert.ok(fs.existsSync(/METADATA (\S+)/.exec(r.out)![1]));
  const out = path.join(data, 'back.img.gz');
  const e = cli('export-volume', uuid, '--format', 'img.gz', '-o', out);
  assert.equal(e.code, 0, e.err);
  assert.deepEqual(zlib.gunzipSync(fs.readFileSync(out)), raw);
  fs.writeFileSync(path.join(data, 'k.pub'), 'ssh-ed25519 AAAAC3Nza k\n');
  const p = cli('prepare-context', 'ssh,k.pub');
  assert.equal(p.code, 0, p.err);
  assert.equal(fs.readFileSync(path.join(data, 'cloud-init.txt'), 'utf8'),
    `CONTEXT_METHOD=cloud-init\nCLOUD_INIT_AUTHORIZED_KEYS=${Buffer.from('ssh-ed25519 AAAAC3Nza k\n').toString('base64')}\n`);
  assert.match(cli('prepare-context', 'ssh').err.trim(), /^stratus prepare-context: invalid CloudInit mimetype pair: 'ssh' — \S/, 'the original message, then what to do');
  assert.equal(cli('check-context', 'cloud-init.txt').code, 0);
  fs.writeFileSync(path.join(data, 'bad.context'), 'enable=yes\nrun_exec=relative.sh\n');
  const ck = cli('check-context', 'bad.context');
  assert.equal(ck.code, 1);
  assert.match(ck.out, /bad\.context:2:10: error: run_exec 'relative\.sh' is not an absolute path/);
});

test('describe-volumes | head -1: the closed pipe ends the output quietly (no EPIPE stack, exit 0)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-pipe-'));
  try {
    const env = { ...process.env, STRATUS_DATA_DIR: dir };
    for (let i = 0; i < 3; i++) assert.equal(spawnSync(process.execPath, [CLI, 'create-volume', '-s', '1', '-t', `v${i}`], { env }).status, 0);
    // head exits after one line; the CLI's later writes meet a closed pipe (pipefail: the CLI's own status is seen)
    const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" describe-volumes | head -1', process.execPath, CLI], { env, encoding: 'utf8' });
    assert.match(r.stdout, /^:: DISK [0-9a-f-]{36}\n$/);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|\n\s+at /, r.stderr);
    assert.equal(r.status, 0, r.stderr);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
