/**
 * Every document of the original's conformance corpus through our validator: per-layer verdicts and messages
 * must equal what the original Java classes said (verdicts.json `checks`).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateMetadata, serverValidate } from '../../../src/core/metadata/validate';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'conformance', 'stratuslab-metadata');
const present = fs.existsSync(path.join(corpus, 'verdicts.json'));
const SKIP = 'the conformance corpus ../shared/conformance/stratuslab-metadata is not present next to this clone';

interface Check { result: 'valid' | 'invalid' | 'absent'; message?: string; message_leading?: string }
interface Verdict { file: string; signature: string; signature_message?: string; checks: Record<string, Check> }

const verdicts: Verdict[] = present ? JSON.parse(fs.readFileSync(path.join(corpus, 'verdicts.json'), 'utf8')) : [];

/** The signature messages the original may give for a malformed Signature (JDK 6 vs JDK 17, README caveat). */
function signatureMessages(v: Verdict, c: Check): string[] {
  return [c.message, v.signature_message].filter((m): m is string => !!m);
}

function expectLayer(name: string, got: { ok: boolean; message?: string } | undefined, want: Check, alternatives: string[] = []) {
  assert.ok(got, `${name} verdict present`);
  assert.equal(got.ok, want.result === 'valid', `${name}: ${want.result} expected, got ${got.ok ? 'valid' : `invalid: ${got.message}`}`);
  if (want.result === 'valid') return;
  const expected = want.message_leading ?? want.message;
  if (expected === undefined) return;
  const ok = [expected, ...alternatives].some(m => got.message === m || (want.message_leading !== undefined && got.message?.startsWith(m)));
  assert.ok(ok, `${name} message:\n  got:      ${got.message}\n  expected: ${[expected, ...alternatives].join('\n       or: ')}`);
}

test('the corpus has every verdict', { skip: present ? false : SKIP }, () => {
  assert.equal(verdicts.length, 59);
});

for (const v of verdicts) {
  test(`conformance: ${v.file}`, () => {
    const text = fs.readFileSync(path.join(corpus, 'files', v.file), 'utf8');
    const r = validateMetadata(text);
    const c = v.checks;
    expectLayer('schema', r.verdict.layers.schema, c.schema);
    expectLayer('constraints', r.verdict.layers.constraints, c.constraints);
    expectLayer('rdf', r.verdict.layers.rdf, c.rdf);
    const sigAlt = v.signature === 'invalid' ? signatureMessages(v, c.signature) : [];
    expectLayer('signature', r.verdict.layers.signature, c.signature.result === 'absent' ? { result: 'invalid', message: 'no signature' } : c.signature, sigAlt);
    expectLayer('client chain', r.verdict.client, c.client_chain, sigAlt);
    expectLayer('server chain', r.verdict.server, c.server_chain, sigAlt);
    const s = serverValidate(text);
    expectLayer('serverValidate', s, c.server_chain, sigAlt);
    if (s.ok) assert.match(s.summary!.identifier, /^[A-Za-z0-9_-]{27}$/);
    // Every diagnostic carries a real range inside the document.
    const lines = text.split('\n').length;
    for (const d of r.diagnostics) assert.ok(d.range.line >= 1 && d.range.line <= lines && d.range.endLine >= d.range.line, `${d.code} range ${JSON.stringify(d.range)}`);
  });
}
