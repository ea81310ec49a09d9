// Hostile or unusual metadata files at the CLI: huge and deep documents, declared encodings, and the
// verify-metadata report of an invalid signature. Each answer is one clear line, never a stack trace.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINIMAL, makeCert } from '../core/metadata/testkeys';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-hostile-'));
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const write = (name: string, data: string | Buffer) => { fs.writeFileSync(path.join(dir, name), data); return name; };
const xmlsecSkip = spawnSync('xmlsec1', ['--version']).status === 0 ? false : 'xmlsec1 is not installed (Debian package xmlsec1)';
const cert = makeCert({ subj: '/C=EU/O=StratusLab Project/CN=Hostile Tester', san: 'hostile@example.org' });
const keyArgs = ['--key', cert.keyFile, '--cert', cert.certFile];

const noTrace = (r: { out: string; err: string }) => assert.ok(!/\n\s+at |RangeError|Maximum call stack/.test(r.out + r.err), r.out + r.err);

test('validate-metadata and sign-metadata on a 100k-deep document: one diagnostic line, no stack overflow', () => {
  const deep = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:source>' + '<a:x xmlns:a="http://e/">'.repeat(100_000) + '</a:x>'.repeat(100_000) + '</dcterms:source>');
  write('deep.xml', deep);
  const v = cli('validate-metadata', 'deep.xml');
  assert.equal(v.code, 1);
  noTrace(v);
  assert.match(v.out, /deep\.xml:\d+:\d+ error parse\/xml .*nested deeper than \d+ elements/);
  const s = cli('sign-metadata', 'deep.xml', ...keyArgs, '-o', 'deep.signed.xml');
  assert.equal(s.code, 2, s.out + s.err);
  noTrace(s);
  assert.equal(s.err.trim().split('\n').length, 1, s.err);
  assert.match(s.err, /nested deeper than/);
  assert.equal(fs.existsSync(path.join(dir, 'deep.signed.xml')), false);
});

test('validate-metadata and sign-metadata on a 250k-element document: one diagnostic line, no stack overflow', () => {
  const wide = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type>' + '<slterms:x/>'.repeat(250_000));
  write('wide.xml', wide);
  const v = cli('validate-metadata', 'wide.xml', '--json');
  assert.equal(v.code, 1);
  noTrace(v);
  assert.match(JSON.parse(v.out).message, /more than \d+ elements/);
  const s = cli('sign-metadata', 'wide.xml', ...keyArgs, '-o', 'wide.signed.xml');
  assert.equal(s.code, 2);
  noTrace(s);
  assert.match(s.err, /more than \d+ elements/);
});

test('verify-metadata never prints "Trust: trusted" beside an INVALID signature', () => {
  const signedFile = write('t.xml', MINIMAL);
  assert.equal(cli('sign-metadata', signedFile, ...keyArgs).code, 0);
  write('t.bad.xml', fs.readFileSync(path.join(dir, 't.xml'), 'utf8').replace('>machine<', '>disk<'));
  const r = cli('verify-metadata', 't.bad.xml', '--trusted', cert.certFile);
  assert.equal(r.code, 1);
  assert.match(r.out, /^Signature: INVALID/);
  assert.doesNotMatch(r.out, /Trust: +trusted/);
  assert.match(r.out, /Trust: +not assessed \(the signature is invalid\)/);
  const ok = cli('verify-metadata', 't.xml', '--trusted', cert.certFile);
  assert.match(ok.out, /Trust: +trusted/);
});

test('ISO-8859-1 and UTF-16 documents are read as declared, signed without mojibake, and verify with xmlsec1', { skip: xmlsecSkip }, () => {
  const doc = (enc: string) => MINIMAL.replace('encoding="UTF-8"', `encoding="${enc}"`).replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type>\n    <dcterms:title>Café Ünïcode</dcterms:title>');
  write('latin.xml', Buffer.from(doc('ISO-8859-1'), 'latin1'));
  write('u16.xml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc('UTF-16'), 'utf16le')]));
  for (const f of ['latin.xml', 'u16.xml']) {
    const s = cli('sign-metadata', f, ...keyArgs, '-o', `${f}.signed`);
    assert.equal(s.code, 0, s.err);
    const out = fs.readFileSync(path.join(dir, `${f}.signed`));
    const text = out.toString('utf8');
    assert.ok(text.includes('<dcterms:title>Café Ünïcode</dcterms:title>'), `${f}: the title survives`);
    assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"/, `${f}: written (and declared) as UTF-8`);
    const x = spawnSync('xmlsec1', ['--verify', '--enabled-key-data', 'x509', '--insecure', path.join(dir, `${f}.signed`)], { encoding: 'utf8' });
    assert.equal(x.status, 0, `${f}: ${x.stdout}${x.stderr}`);
    assert.equal(cli('verify-metadata', `${f}.signed`).code, 0);
    const v = cli('validate-metadata', f, '--skip-signature', '--json');
    assert.equal(JSON.parse(v.out).diagnostics.filter((d: { layer: string }) => d.layer === 'parse').length, 0, v.out);
  }
  // An undeclared non-UTF-8 file is refused with what to do, never signed
  write('mojibake.xml', Buffer.from(MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:title>Café</dcterms:title><dcterms:type>machine</dcterms:type>'), 'latin1'));
  const m = cli('sign-metadata', 'mojibake.xml', ...keyArgs, '-o', 'mojibake.signed');
  assert.equal(m.code, 2);
  assert.match(m.err, /not valid UTF-8.*declare/);
  assert.equal(fs.existsSync(path.join(dir, 'mojibake.signed')), false);
  const v = cli('validate-metadata', 'mojibake.xml');
  assert.equal(v.code, 1);
  assert.match(v.out + v.err, /not valid UTF-8/);
});
