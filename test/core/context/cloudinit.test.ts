import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  authorizedKeys, contextFile, createMultipart, decodeUserData, encodeUserData, parseMimetypePairs, prepareContext, randomBoundary,
} from '../../../src/core/context/cloudinit';

const B = '===============0123456789012345678==';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMm2k3kVQ7Y4f0sC1Wc2lU8mJfH8r0Vq9F8d0hQb1B2c me@box';

function dir(files: Record<string, string | Buffer>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-pc-'));
  for (const [n, c] of Object.entries(files)) fs.writeFileSync(path.join(d, n), c);
  return d;
}

/** A Python 2.7 interpreter, the original's runtime, used as an oracle for the MIME layout when present. */
function python2(): string | undefined {
  const candidates = [process.env.PYTHON2, 'python2.7', '/root/.pyenv/versions/2.7.18/bin/python'].filter(Boolean) as string[];
  for (const c of candidates) {
    try { if (execFileSync(c, ['-c', 'import sys; print(sys.version_info[0])']).toString().trim() === '2') return c; } catch { /* next */ }
  }
  return undefined;
}

test('cloud-init.txt: exact lines, ssh keys and a final blank line after the user data', async () => {
  const d = dir({ 'id.pub': `Comment: "imported"\n  ${KEY}  \n`, 'run.sh': '#!/bin/sh\necho hi\n' });
  const text = await prepareContext(['ssh,id.pub', ' x-shellscript , run.sh '], { cwd: d, boundary: B, mtime: 0 });
  const lines = text.split('\n');
  assert.equal(lines[0], 'CONTEXT_METHOD=cloud-init');
  assert.equal(lines[1], `CLOUD_INIT_AUTHORIZED_KEYS=${Buffer.from(`${KEY}\n`).toString('base64')}`);
  assert.match(lines[2], /^CLOUD_INIT_USER_DATA=[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(lines.slice(3), ['', ''], 'the user-data pair carries its own \\n, then the file gets a final \\n');
  const ud = zlib.gunzipSync(Buffer.from(lines[2].split('=').slice(1).join('='), 'base64')).toString();
  assert.equal(ud, [
    `Content-Type: multipart/mixed; boundary="${B}"`, 'MIME-Version: 1.0', '', `--${B}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"', 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 7bit',
    'Content-Disposition: attachment; filename="run.sh"', '', '#!/bin/sh', 'echo hi', '', `--${B}--`, '',
  ].join('\n'));
});

test('keys only: no user-data line, single final newline; no ssh pair: no key line', async () => {
  const d = dir({ 'a.pub': `${KEY}\n`, 'b.pub': 'ssh-rsa AAAAB3Nza b@x' });
  assert.equal(await prepareContext(['ssh,a.pub', 'ssh,b.pub'], { cwd: d }),
    `CONTEXT_METHOD=cloud-init\nCLOUD_INIT_AUTHORIZED_KEYS=${Buffer.from(`${KEY}\nssh-rsa AAAAB3Nza b@x\n`).toString('base64')}\n`);
  assert.equal(await prepareContext([], { cwd: d }), 'CONTEXT_METHOD=cloud-init\n');
  assert.equal(authorizedKeys([Buffer.from('k1\n\nComment: x\n'), Buffer.from('')]), 'k1\n\n\n');
});

test("'none' makes the user data that file's raw content alone; parts before it are dropped", async () => {
  const d = dir({ 'a.sh': '#!/bin/sh\n', 'raw.txt': 'RAW\u00e9 content\n', 'c.yml': '#cloud-config\n' });
  const text = await prepareContext(['x-shellscript,a.sh', 'none,raw.txt', 'cloud-config,c.yml'], { cwd: d });
  const b64 = text.split('\n')[1].slice('CLOUD_INIT_USER_DATA='.length);
  assert.deepEqual(decodeUserData(b64), fs.readFileSync(path.join(d, 'raw.txt')));
});

test('invalid pairs are refused with the original message; blank arguments ignored', () => {
  assert.throws(() => parseMimetypePairs(['ssh']), { message: "invalid CloudInit mimetype pair: 'ssh'" });
  assert.throws(() => parseMimetypePairs([' a,b,c ']), { message: "invalid CloudInit mimetype pair: 'a,b,c'" });
  assert.deepEqual(parseMimetypePairs(['  ', ' ssh , k.pub ']), [{ mimetype: 'ssh', filename: 'k.pub' }]);
});

test('16 KiB limit on the gzipped size, with the original message', () => {
  // Random bytes do not compress: the gzip is the data plus 18 bytes of header and trailer.
  const fits = Buffer.from(Array.from({ length: 16384 - 18 - 5 - 100 }, (_, i) => (i * 7919) % 251));
  assert.ok(encodeUserData(fits, 0).length > 0);
  const big = require('crypto').randomBytes(17000) as Buffer;
  const gzLen = zlib.deflateRawSync(big, { level: 9 }).length + 18;
  assert.throws(() => encodeUserData(big, 0), { message: `multipart size (${gzLen}) exceeds limit (16384)` });
  const over = zlib.gzipSync(big).toString('base64');
  assert.throws(() => decodeUserData(over), /exceeds limit \(16384\)/);
  assert.throws(() => contextFile([{ mimetype: 'none', filename: 'x', content: big }]), /exceeds limit/);
});

test('gzip header as Python 2 writes it (no name, XFL 2, OS 255, mtime) and round trip', () => {
  const b64 = encodeUserData(Buffer.from('hello\n'), 1700000000);
  const gz = Buffer.from(b64, 'base64');
  assert.deepEqual([...gz.subarray(0, 4)], [0x1f, 0x8b, 8, 0]);
  assert.equal(gz.readUInt32LE(4), 1700000000);
  assert.deepEqual([gz[8], gz[9]], [2, 255]);
  assert.equal(zlib.gunzipSync(gz).toString(), 'hello\n');
});

test('boundary has the Python 2 shape', () => {
  assert.match(randomBoundary(), /^={15}\d{19}==$/);
});

test("multipart matches Python 2.7's email package byte for byte (headers folding, >From mangling)", (t) => {
  const py = python2();
  if (!py) { t.skip('no Python 2.7 interpreter (set PYTHON2) to act as the oracle'); return; }
  const names = ['run.sh', 'a;b c,d "q" \\x.sh', 'f'.repeat(70) + '.sh', 'with space and; semicolons in a quite long file name for folding.sh',
    'x'.repeat(40) + '; ' + 'y'.repeat(40), 'z, '.repeat(30)];
  const parts = names.map((n, i) => ({ mimetype: i % 2 ? 'cloud-config' : 'x-shellscript', filename: `dir/${n}`, content: Buffer.from(`From the start\nline ${i}\n`) }));
  const ours = createMultipart(parts, B).toString('latin1');
  const theirs = execFileSync(py, ['-c', `
import sys, json, os
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
msg = MIMEMultipart(boundary=sys.argv[1])
for mt, name, body in json.load(sys.stdin):
    p = MIMEText(body.encode('latin1'), mt.encode('latin1'))
    p.add_header('Content-Disposition', 'attachment', filename=os.path.basename(name).encode('latin1'))
    msg.attach(p)
sys.stdout.write(msg.as_string())
`, B], { input: JSON.stringify(parts.map(p => [p.mimetype, p.filename, p.content.toString('latin1')])) }).toString('latin1');
  assert.equal(ours, theirs);
});
