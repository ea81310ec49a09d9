/** The layers on documents derived from the reference's minimal sample (§1.4); no corpus needed. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { validateMetadata, serverValidate } from '../../../src/core/metadata/validate';
import { summarize } from '../../../src/core/metadata/summary';
import { MINIMAL } from './fixtures';


const layers = ['schema', 'constraints', 'rdf'] as const;
const run = (text: string) => validateMetadata(text, { layers: [...layers] });

test('the minimal sample passes schema, constraints and RDF; the client chain without signature is valid', () => {
  const r = run(MINIMAL);
  for (const l of layers) assert.deepEqual(r.verdict.layers[l], { ok: true }, l);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.summary!.identifier, 'MMZu9WvwKIro-rtBQfDk4PsKO7_');
  assert.equal(r.summary!.checksums['SHA-1'], 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff');
  assert.equal(r.summary!.email, 'jane.tester@example.org');
});

test('full validation of an unsigned document: no signature fails both chains first', () => {
  const r = validateMetadata(MINIMAL);
  assert.deepEqual(r.verdict.client, { ok: false, message: 'no signature' });
  assert.deepEqual(r.verdict.server, { ok: false, message: 'no signature' });
  assert.equal(r.signature!.status, 'absent');
  assert.deepEqual(serverValidate(MINIMAL), { ok: false, message: 'no signature', signature: r.signature });
  assert.match(serverValidate('<rdf:RDF').message!, /^unable to parse metadata: /);
});

test('rdf:about mismatch: exact message and the attribute as range', () => {
  const text = MINIMAL.replace('rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"', 'rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO77"');
  const r = run(text);
  assert.deepEqual(r.verdict.layers.constraints, { ok: false, message: 'rdf:about attribute (#MMZu9WvwKIro-rtBQfDk4PsKO77) and dcterms:identifier (MMZu9WvwKIro-rtBQfDk4PsKO7_) are not consistent' });
  const d = r.diagnostics.find(x => x.code === 'constraints/about-identifier')!;
  assert.deepEqual(d.range, { line: 7, column: 20, endLine: 7, endColumn: 60 });
  assert.equal(text.split('\n')[6].slice(19, 59), 'rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO77"');
});

test('constraints report every failure, the first is the verdict (original order)', () => {
  const text = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<slterms:os>a</slterms:os><slterms:os>b</slterms:os><dcterms:valid>2011-01-24T25:00:00Z</dcterms:valid>')
    .replace('c319bbd5afc0a22ba3eaed0507c39383ec28eeff', 'c319bbd5afc0a22ba3eaed0507c39383ec28eefe');
  const r = run(text);
  assert.equal(r.verdict.layers.constraints!.message, 'description must have exactly 1 dcterms:type element');
  assert.deepEqual(r.diagnostics.filter(d => d.layer === 'constraints').map(d => d.message), [
    'description must have exactly 1 dcterms:type element',
    'description must have at most 1 slterms:os element',
    'checksum from identifier (1113827081651840475597112894378558741689028636415) and SHA-1 checksum (1113827081651840475597112894378558741689028636414) are not consistent',
    'Unparseable date: "2011-01-24T25:00:00Z"',
  ]);
});

test('dates: pattern and strict calendar (29 Feb only in leap years), created message keeps the original bug in the verdict', () => {
  const withValid = (v: string) => MINIMAL.replace('<dcterms:type>', `<dcterms:valid>${v}</dcterms:valid><dcterms:type>`);
  assert.deepEqual(run(withValid('2024-02-29T00:00:00Z')).verdict.layers.constraints, { ok: true });
  assert.equal(run(withValid('2023-02-29T00:00:00Z')).verdict.layers.constraints!.message, 'Unparseable date: "2023-02-29T00:00:00Z"');
  assert.equal(run(withValid('2023-01-01T00:00:00+0200')).verdict.layers.constraints!.message, 'dcterms:valid value (2023-01-01T00:00:00+0200) is not a valid date');
  const created = run(withValid('2030-01-01T00:00:00Z').replace('2011-01-24T09:59:42Z', '2011-01-24 09:59:42'));
  assert.equal(created.verdict.layers.constraints!.message, 'dcterms:created value (2030-01-01T00:00:00Z) is not a valid date');
  assert.equal(created.diagnostics.find(d => d.code === 'constraints/created-date')!.message, 'dcterms:created value (2011-01-24 09:59:42) is not a valid date');
});

test('schema: facets with Xerces wording, ranges on the value', () => {
  const text = MINIMAL.replace('<slreq:bytes>100</slreq:bytes>', '<slreq:bytes>-5</slreq:bytes>').replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type><slterms:icmp>256</slterms:icmp><slterms:inbound-port>x</slterms:inbound-port>');
  const r = run(text);
  const schema = r.diagnostics.filter(d => d.layer === 'schema');
  assert.deepEqual(schema.map(d => d.message), [
    "XML schema validation exception: cvc-minInclusive-valid: Value '-5' is not facet-valid with respect to minInclusive '0' for type 'nonNegativeInteger'.",
    "XML schema validation exception: cvc-maxInclusive-valid: Value '256' is not facet-valid with respect to maxInclusive '255' for type 'icmp-type'.",
    "XML schema validation exception: cvc-datatype-valid.1.2.1: 'x' is not a valid value for 'integer'.",
  ]);
  assert.deepEqual(schema[0].range, { line: 9, column: 18, endLine: 9, endColumn: 20 });
  assert.equal(text.split('\n')[8].slice(17, 19), '-5');
});

test('schema: content model order and completeness', () => {
  const swapped = MINIMAL.replace(/(<dcterms:identifier>.*<\/dcterms:identifier>)\n(\s*<slreq:bytes>100<\/slreq:bytes>)/, '$2\n$1');
  assert.equal(run(swapped).verdict.layers.schema!.message,
    `XML schema validation exception: cvc-complex-type.2.4.a: Invalid content was found starting with element '{"http://mp.stratuslab.eu/slreq#":bytes}'. One of '{"http://www.w3.org/1999/02/22-rdf-syntax-ns#":type, "http://purl.org/dc/terms/":identifier}' is expected.`);
  const noIssuer = MINIMAL.replace(/\s*<slreq:issuer>.*<\/slreq:issuer>/, '');
  assert.equal(run(noIssuer).verdict.layers.schema!.message,
    `XML schema validation exception: cvc-complex-type.2.4.b: The content of element 'slreq:endorser' is not complete. One of '{"http://mp.stratuslab.eu/slreq#":issuer}' is expected.`);
  const text = MINIMAL.replace('<rdf:Description', '<rdf:Description>junk</rdf:Description><rdf:Description');
  assert.match(run(text).verdict.layers.schema!.message!, /cvc-complex-type.2.4.b: The content of element 'rdf:Description' is not complete|cvc-complex-type.4: Attribute 'about'/);
});

test('RDF: text inside a node element and property attributes on a literal', () => {
  const nested = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type>\n    <ex:p xmlns:ex="http://example.org/"><ex:Node>text</ex:Node></ex:p>');
  const r = run(nested);
  assert.deepEqual(r.verdict.layers.rdf, { ok: false, message: 'unexpected literal' });
  assert.deepEqual(r.diagnostics.find(d => d.layer === 'rdf')!.range, { line: 23, column: 51, endLine: 23, endColumn: 55 });
  assert.equal(nested.split('\n')[22].slice(50, 54), 'text');
  const attr = MINIMAL.replace('<dcterms:type>machine', '<dcterms:type xmlns:ex="http://example.org/" ex:bad="1">machine');
  assert.deepEqual(run(attr).verdict.layers.rdf, { ok: false, message: "unexpected attribute 'ex:bad'" });
  const emptyWithAttr = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type><dcterms:source xmlns:ex="http://example.org/" ex:ok="1"/>');
  assert.deepEqual(run(emptyWithAttr).verdict.layers.rdf, { ok: true });
});

test('summarize reads the indexed fields', () => {
  const s = summarize(MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type><slterms:location>http://x/a.img</slterms:location><slterms:os>Ubuntu</slterms:os>'));
  assert.deepEqual([s.type, s.os, s.bytes, s.locations, s.created, s.endorserSubject], ['machine', 'Ubuntu', 100, ['http://x/a.img'], '2011-01-24T09:59:42Z', 'CN=Jane Tester,OU=Testing Department,O=StratusLab Project,C=EU']);
  assert.throws(() => summarize('<a/>'), /no rdf:Description/);
});

test('advice: expired validity, missing client elements, no location', () => {
  const text = MINIMAL.replace('<dcterms:type>', '<dcterms:valid>2020-01-01T00:00:00Z</dcterms:valid><dcterms:type>');
  const r = validateMetadata(text, { layers: ['advice'], now: new Date('2026-01-01T00:00:00Z') });
  const codes = r.diagnostics.map(d => d.code);
  assert.ok(codes.includes('advice/expired'));
  assert.ok(codes.includes('advice/no-location'));
  const missing = r.diagnostics.filter(d => d.code === 'advice/missing-element').map(d => d.message.replace(/ \(.*$/, ''));
  assert.deepEqual(missing, ["Missing element 'description' in namespace 'http://purl.org/dc/terms/'", "Missing element 'compression' in namespace 'http://purl.org/dc/terms/'",
    "Missing element 'os' in namespace 'http://mp.stratuslab.eu/slterms#'", "Missing element 'os-arch' in namespace 'http://mp.stratuslab.eu/slterms#'",
    "Missing element 'os-version' in namespace 'http://mp.stratuslab.eu/slterms#'", "Missing element 'version' in namespace 'http://mp.stratuslab.eu/slterms#'"]);
  const soon = validateMetadata(text, { layers: ['advice'], now: new Date('2019-12-20T00:00:00Z') });
  assert.ok(soon.diagnostics.some(d => d.code === 'advice/expiring' && d.severity === 'warning'));
  // a 2-day draft checked a few minutes after it was made says 2 days, not 1; the last day counts hours
  const message = (now: string) => validateMetadata(text, { layers: ['advice'], now: new Date(now) }).diagnostics.find(d => d.code === 'advice/expiring')?.message;
  assert.match(message('2019-12-30T00:05:00Z')!, /^validity ends in 2 day\(s\)/);
  assert.match(message('2019-12-31T19:00:00Z')!, /^validity ends in 5 hour\(s\)/);
  assert.ok(!validateMetadata(text, { layers: ['advice'], now: new Date('2019-01-01T00:00:00Z') }).diagnostics.some(d => /expir/.test(d.code)));
});
