import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { signedEntry, isoIn, testKey } from '../backend/marketplace/fixtures';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-mp-'));
const env = { ...process.env, HOME: home, STRATUS_DATA_DIR: path.join(home, 'data'), STRATUSLAB_MARKETPLACE_ENDPOINT: '' };
const cli = (...args: string[]) => new Promise<{ code: number; out: string; err: string }>(resolve => {
  const p = spawn(process.execPath, [CLI, ...args], { env });
  let out = '', err = '';
  p.stdout.on('data', d => (out += d));
  p.stderr.on('data', d => (err += d));
  p.on('close', code => resolve({ code: code ?? -1, out, err }));
});

test('upload-metadata, marketplace list/get, serve + list --endpoint, deprecate, download-image', async () => {
  const image = crypto.randomBytes(5000);
  const imgFile = path.join(home, 'img.raw');
  fs.writeFileSync(imgFile, image);
  const doc = signedEntry({ content: image, title: 'CLI image', valid: isoIn(30), locations: [pathToFileURL(imgFile).href] }, new Date(Date.now() - 120_000));
  const file = path.join(home, 'entry.xml');
  fs.writeFileSync(file, doc);
  const id = /<dcterms:identifier>([^<]+)/.exec(doc)![1];

  const up = await cli('upload-metadata', file);
  assert.equal(up.code, 0, up.err);
  assert.match(up.out.trim(), new RegExp(`/metadata/${id}/jane\\.tester@example\\.org/\\d{4}-`));
  const again = await cli('upload-metadata', path.join(home, 'missing.xml'));
  assert.equal(again.code, 1, 'a missing file is an input error, not a usage error');
  assert.match(again.err, /Cannot read .* — check the path/);
  fs.writeFileSync(path.join(home, 'unsigned.xml'), doc.replace(/<Signature[\s\S]*<\/Signature>/, ''));
  const unsigned = await cli('upload-metadata', path.join(home, 'unsigned.xml'));
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.err.trim(), /^stratus upload-metadata: Failed to upload: 400: invalid metadata: no signature — /);

  const list = await cli('marketplace', 'list', '--json');
  assert.equal(list.code, 0, list.err);
  assert.deepEqual(JSON.parse(list.out).map((e: { title: string }) => e.title), ['CLI image']);
  const got = await cli('marketplace', 'get', id);
  assert.equal(got.out, doc + '\n');

  // served over HTTP and listed through the remote client
  const srv: ChildProcess = spawn(process.execPath, [CLI, 'marketplace', 'serve', '--port', '0'], { env });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      srv.stdout!.on('data', d => { const m = /at (http:\/\/\S+?)\/? /.exec(String(d)); if (m) resolve(m[1]); });
      srv.once('exit', c => reject(new Error(`serve exited ${c}`)));
    });
    const remote = await cli('marketplace', 'list', '--endpoint', url);
    assert.equal(remote.code, 0, remote.err);
    assert.match(remote.out, new RegExp(`^${id}  jane.tester@example.org  .*CLI image`, 'm'));
  } finally { srv.kill('SIGTERM'); }

  const cache = path.join(home, 'cache');
  const dl = await cli('download-image', id, '--cache', cache);
  assert.equal(dl.code, 0, dl.err);
  assert.ok(fs.readFileSync(dl.out.trim()).equals(image));

  const p12 = path.join(home, 'k.p12');
  const key = testKey() as ReturnType<typeof testKey> & { p12?: Buffer };
  fs.writeFileSync(p12, key.p12!);
  const dep = await cli('marketplace', 'deprecate', id, '--email', 'jane.tester@example.org', '--reason', 'replaced', '--p12-cert', p12, '--p12-password', 'x');
  assert.equal(dep.code, 0, dep.err);
  assert.match((await cli('marketplace', 'list')).out, /no metadata matching query found/);
  assert.match((await cli('marketplace', 'list', '--status', 'deprecated')).out, /CLI image/);
  const refused = await cli('download-image', id, '--cache', path.join(home, 'cache2'));
  assert.equal(refused.code, 1);
  assert.match(refused.err, /refusing .*deprecated: replaced/);
});

test('--help of one marketplace subcommand shows that subcommand (stratus-deprecate-metadata --help is deprecate\'s usage)', async () => {
  const r = await cli('marketplace', 'deprecate', '--help');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^usage: stratus marketplace deprecate ID --email E/);
  assert.match(r.out, /passwords: --password-file/, 'with its note');
  assert.doesNotMatch(r.out, /marketplace (serve|list|get) /);
  assert.match((await cli('marketplace', '--help')).out, /marketplace serve[\s\S]*marketplace list[\s\S]*marketplace deprecate/, 'the command alone: every subcommand');
});
