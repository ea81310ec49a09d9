import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINIMAL } from '../core/metadata/testkeys';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-sign-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
delete env.STRATUS_P12_PASSWORD; // the password must come from the options under test
delete env.STRATUSLAB_P12_PASSWORD;
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('generate-certificate → sign-metadata (in place, .orig kept) → verify-metadata (trusted with --trusted)', () => {
  fs.writeFileSync(path.join(dir, 'pw'), 'a secret\n');
  fs.writeFileSync(path.join(dir, 'm.xml'), MINIMAL);
  let r = cli('generate-certificate', '--cn', 'Cli Tester', '--email', 'cli@example.org', '-o', 'me.p12', '--password-file', 'pw', '--cert-out', 'me.pem');
  assert.equal(r.code, 0, r.err);
  assert.equal(fs.statSync(path.join(dir, 'me.p12')).mode & 0o777, 0o600);
  r = cli('sign-metadata', 'm.xml', '--p12', 'me.p12', '--password-file', 'pw');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Metadata file successfully signed: m\.xml/);
  assert.equal(fs.readFileSync(path.join(dir, 'm.xml.orig'), 'utf8'), MINIMAL);
  r = cli('verify-metadata', 'm.xml');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Signature: valid/);
  assert.match(r.out, /Signer: +CN=Cli Tester,OU=Testing Department,O=StratusLab Project,C=EU/);
  assert.match(r.out, /Trust: +untrusted/);
  r = cli('verify-metadata', 'm.xml', '--trusted', 'me.pem', '--json');
  assert.equal(r.code, 0, r.err);
  const v = JSON.parse(r.out);
  assert.equal(v.trusted, true);
  assert.equal(v.signer.email, 'cli@example.org');
  fs.writeFileSync(path.join(dir, 'bad.xml'), fs.readFileSync(path.join(dir, 'm.xml'), 'utf8').replace('>machine<', '>disk<'));
  r = cli('verify-metadata', 'bad.xml');
  assert.equal(r.code, 1);
  // the original's words, then plain ones
  assert.match(r.out, /Signature: INVALID: signature validation: truecontent \(ref=''\) validity: false — the signed content was changed after signing: sign the document again\n/);
  r = cli('validate-metadata', 'bad.xml');
  assert.equal(r.code, 1);
  assert.match(r.out + r.err, /validity: false — the signed content was changed after signing: sign the document again/);
});

test('sign-metadata: PEM key/cert and -o; clear errors for a missing password or file', () => {
  fs.writeFileSync(path.join(dir, 'n.xml'), MINIMAL);
  let r = cli('sign-metadata', 'n.xml', '--p12', 'me.p12');
  assert.equal(r.code, 2);
  assert.match(r.err, /--password-file FILE or the STRATUS_P12_PASSWORD/);
  r = cli('sign-metadata', 'n.xml', '--p12', 'nope.p12', '--password-file', 'pw');
  assert.match(r.err, /certificate file not found: nope\.p12/);
  r = cli('sign-metadata', 'n.xml', '--p12', 'me.p12', '--password-file', 'pw', '-o', 'out.xml', '--profile', 'rsa-sha256');
  assert.equal(r.code, 0, r.err);
  assert.equal(fs.readFileSync(path.join(dir, 'n.xml'), 'utf8'), MINIMAL, 'input untouched with -o');
  assert.match(fs.readFileSync(path.join(dir, 'out.xml'), 'utf8'), /rsa-sha256/);
  assert.equal(cli('verify-metadata', 'out.xml').code, 0);
});

/** Runs the CLI on a pseudo-terminal (script(1)) and types each answer when its prompt shows, as a person would. */
function onTerminal(args: string[], answers: Array<[RegExp, string]>): Promise<{ code: number | null; screen: string }> {
  const line = [process.execPath, CLI, ...args].map(a => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const p = spawn('script', ['-qec', line, '/dev/null'], { cwd: dir, env });
  let screen = '';
  const onData = (d: Buffer) => {
    screen += d.toString();
    while (answers.length && answers[0][0].test(screen)) { p.stdin.write(`${answers[0][1]}\r`); answers.shift(); }
  };
  p.stdout.on('data', onData);
  p.stderr.on('data', onData);
  return new Promise(resolve => p.on('close', code => resolve({ code, screen })));
}

test('no password given, on a terminal: generate-certificate asks twice without echo (the original\'s fixed XYZXYZ is not used); sign-metadata asks once', { skip: fs.existsSync('/usr/bin/script') ? false : 'script(1) is not installed (bsdutils)' }, async () => {
  let t = await onTerminal(['generate-certificate', '--cn', 'Tty Tester', '--email', 'tty@example.org', '-o', 'tty.p12'],
    [[/Password for the new PKCS#12 file: /, 'typed pw 1'], [/Type it again: /, 'typed pw 1']]);
  assert.equal(t.code, 0, t.screen);
  assert.doesNotMatch(t.screen, /typed pw/, 'the password is not echoed');
  fs.writeFileSync(path.join(dir, 'typed-pw'), 'typed pw 1\n');
  fs.writeFileSync(path.join(dir, 't.xml'), MINIMAL);
  // the file opens with what was typed: sign with it from a file, then verify
  assert.equal(cli('sign-metadata', 't.xml', '--p12', 'tty.p12', '--password-file', 'typed-pw', '-o', 't1.xml').code, 0);
  assert.equal(cli('verify-metadata', 't1.xml').code, 0);
  // sign-metadata without a password on a terminal: asked once
  t = await onTerminal(['sign-metadata', 't.xml', '--p12', 'tty.p12', '-o', 't2.xml'], [[/Password for the PKCS#12 certificate: /, 'typed pw 1']]);
  assert.equal(t.code, 0, t.screen);
  assert.match(fs.readFileSync(path.join(dir, 't2.xml'), 'utf8'), /<ds:SignatureValue|SignatureValue/);
  // two different answers: refused, nothing written
  t = await onTerminal(['generate-certificate', '-o', 'other.p12'], [[/Password for the new PKCS#12 file: /, 'one'], [/Type it again: /, 'two']]);
  assert.equal(t.code, 1, t.screen);
  assert.match(t.screen, /the two passwords differ — run the command again/);
  assert.equal(fs.existsSync(path.join(dir, 'other.p12')), false);
});
