import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { MINIMAL } from '../core/metadata/fixtures';
import { signedEntry, originalDeprecation, testKey } from '../backend/marketplace/fixtures';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-md-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => new Promise<{ code: number; out: string; err: string }>(resolve => {
  const p = spawn(process.execPath, [CLI, ...args], { cwd: dir });
  let out = '', err = '';
  p.stdout.on('data', d => (out += d));
  p.stderr.on('data', d => (err += d));
  p.on('close', code => resolve({ code: code ?? -1, out, err }));
});

test('build-metadata writes the default-named skeleton; validate-metadata judges it', async () => {
  const image = path.join(dir, 'disk.img');
  const data = crypto.randomBytes(100000);
  fs.writeFileSync(image, data);
  const b = await cli('build-metadata', image, '--os', 'Ubuntu', '--os-version', '24.04', '--os-arch', 'x86_64', '--image-version', '1.0');
  assert.equal(b.code, 0, b.err);
  assert.match(b.err, /Image physical location \(URL\) was not provided/);
  const out = path.join(dir, 'Ubuntu-24.04-x86_64-base-1.0.xml');
  const xml = fs.readFileSync(out, 'utf8');
  assert.ok(xml.includes(`<slreq:value>${crypto.createHash('sha1').update(data).digest('hex')}</slreq:value>`));
  const v = await cli('validate-metadata', out, '--json', '--skip-signature');
  assert.equal(v.code, 1);
  const report = JSON.parse(v.out);
  assert.equal(report.valid, false);
  assert.match(report.message, /^XML schema validation exception: cvc-complex-type.2.4.b: The content of element 'slreq:endorsement' is not complete/);
  assert.deepEqual(report.layers.constraints, { ok: true });
  assert.ok(report.diagnostics.some((d: { code: string }) => d.code === 'advice/no-location'));
  assert.equal((await cli('build-metadata', path.join(dir, 'missing.img'))).code, 2);
});

test('validate-metadata prints file:line:col diagnostics and the original verdict; exit 0 when valid', async () => {
  const good = path.join(dir, 'minimal.xml');
  fs.writeFileSync(good, MINIMAL);
  const ok = await cli('validate-metadata', good, '--skip-signature', '--no-advice');
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.equal(ok.out.trim(), `Valid: ${good}`);
  const bad = path.join(dir, 'bad.xml');
  fs.writeFileSync(bad, MINIMAL.replace('<slreq:bytes>100</slreq:bytes>', '<slreq:bytes>many</slreq:bytes>'));
  const r = await cli('validate-metadata', bad, good, '--skip-signature', '--no-advice');
  assert.equal(r.code, 1);
  assert.ok(r.out.includes(`${bad}:9:18 error schema/cvc-datatype-valid.1.2.1 XML schema validation exception: cvc-datatype-valid.1.2.1: 'many' is not a valid value for 'integer'.`), r.out);
  assert.ok(r.out.includes(`Invalid: ${bad}\nXML schema validation exception: cvc-datatype-valid.1.2.1: 'many' is not a valid value for 'integer'.`));
  assert.ok(r.out.includes(`Valid: ${good}`));
  const unsigned = await cli('validate-metadata', good);
  assert.equal(unsigned.code, 1);
  assert.ok(unsigned.out.includes(`Invalid: ${good}\nno signature`));
});

test('validate-metadata on the original Deprecator\'s document: the unqualified parseType is a warning at its range, not an error', async () => {
  const entry = signedEntry({ content: 'deprecated via the original client', title: 'Old', valid: '2099-01-01T00:00:00Z' });
  const file = path.join(dir, 'original-deprecation.xml');
  const dep = originalDeprecation(entry, 'replaced');
  fs.writeFileSync(file, dep);
  const lines = dep.split('\n'), line = lines.findIndex(l => l.includes('<slreq:endorsement parseType=')) + 1;
  const column = lines[line - 1].indexOf('parseType=') + 1;
  fs.writeFileSync(path.join(dir, 'signer.pem'), testKey().certificatePem);
  const r = await cli('validate-metadata', file, '--trusted', path.join(dir, 'signer.pem'));
  assert.ok(r.out.includes(`${file}:${line}:${column} warning rdf/unqualified-attribute `), r.out);
  assert.doesNotMatch(r.out, / error rdf\//);
  assert.doesNotMatch(r.out, /unexpected literal/);
  const j = JSON.parse((await cli('validate-metadata', file, '--json')).out);
  assert.deepEqual(j.layers.rdf, { ok: true });
  assert.deepEqual(j.layers.signature, { ok: true });
  assert.deepEqual(j.server, { ok: true }, 'the marketplace would accept it');
});
