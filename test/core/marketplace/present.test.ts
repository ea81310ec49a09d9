import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presentEntry, formatBytes, VerdictView } from '../../../src/core/marketplace/present';
import type { ListedEntry } from '../../../src/core/marketplace/query';
import { toRdfJson } from '../../../src/core/marketplace/rdfjson';
import { prepareDeprecation } from '../../../src/core/marketplace/deprecate';

const NOW = '2026-06-01T00:00:00Z';
const e: ListedEntry = {
  key: { identifier: 'MMZu9WvwKIro-rtBQfDk4PsKO7_', email: 'jane.tester@example.org', created: '2026-01-01T00:00:00Z' },
  summary: { identifier: 'MMZu9WvwKIro-rtBQfDk4PsKO7_', title: 'Ubuntu', os: 'ubuntu', osVersion: '24.04', osArch: 'x86_64', version: '1.0', valid: '2027-01-01T00:00:00Z', bytes: 3 * 1024 * 1024, checksums: {}, locations: ['http://h/x.img'] },
};
const good: VerdictView = { level: 'good', state: 'valid', signature: 'valid', signer: 'CN=Jane Tester', trusted: true, endorserMatches: true, problems: [] };

test('row presentation: label, description, icon, state and trust follow the verdict', () => {
  const p = presentEntry(e, good, NOW);
  assert.deepEqual([p.label, p.description, p.icon, p.color, p.state, p.trust], ['Ubuntu', '24.04/x86_64 · v1.0', 'verified-filled', 'testing.iconPassed', 'valid', 'trusted']);
  assert.match(p.tooltip, /`MMZu9WvwKIro-rtBQfDk4PsKO7_`/);
  assert.match(p.tooltip, /3\.0 MiB/);
  const pending = presentEntry(e, undefined, NOW);
  assert.deepEqual([pending.icon, pending.state, pending.trust], ['circle-large-outline', 'valid', 'unverified']);
  assert.match(pending.tooltip, /Verifying/);
  const bad = presentEntry({ ...e, summary: { ...e.summary, deprecated: 'old' } }, { ...good, level: 'bad', problems: ['deprecated: old'] }, NOW);
  assert.deepEqual([bad.icon, bad.color, bad.state, bad.trust], ['error', 'list.errorForeground', 'deprecated', 'bad']);
  const warn = presentEntry({ ...e, private: true }, { ...good, level: 'warning', trusted: false }, NOW);
  assert.deepEqual([warn.state, warn.trust], ['draft', 'untrusted']);
  assert.equal(presentEntry({ ...e, summary: { ...e.summary, valid: '2026-01-02T00:00:00Z' } }, good, NOW).state, 'expired');
  assert.equal(formatBytes(512), '512 B');
});

const XML = `<?xml version="1.0" encoding="UTF-8" standalone="no"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:slreq="http://mp.stratuslab.eu/slreq#" xmlns:slterms="http://mp.stratuslab.eu/slterms#" xml:base="http://mp.stratuslab.eu/"><rdf:Description rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"><dcterms:identifier>MMZu9WvwKIro-rtBQfDk4PsKO7_</dcterms:identifier><slreq:endorsement rdf:parseType="Resource"><dcterms:created>2011-01-24T09:59:42Z</dcterms:created></slreq:endorsement><slterms:deprecated>older</slterms:deprecated></rdf:Description><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature></rdf:RDF>`;

test('RDF/JSON: subject from xml:base + about, literals and blank nodes, no signature', () => {
  const j = toRdfJson(XML);
  const s = j['http://mp.stratuslab.eu/#MMZu9WvwKIro-rtBQfDk4PsKO7_'];
  assert.equal(s['http://purl.org/dc/terms/identifier'][0].value, 'MMZu9WvwKIro-rtBQfDk4PsKO7_');
  const b = s['http://mp.stratuslab.eu/slreq#endorsement'][0];
  assert.equal(b.type, 'bnode');
  assert.equal(j[b.value]['http://purl.org/dc/terms/created'][0].value, '2011-01-24T09:59:42Z');
  assert.ok(!JSON.stringify(j).includes('xmldsig'));
});

test('deprecation document: signature removed, endorsement emptied, one deprecated element with the reason', () => {
  const out = prepareDeprecation(XML, 'use <v2> & more');
  assert.ok(!out.includes('Signature'));
  assert.match(out, /<slreq:endorsement rdf:parseType="Resource"\/>/);
  assert.equal((out.match(/slterms:deprecated>/g) ?? []).length, 2, 'one element (open + close tag)');
  assert.match(out, /<slterms:deprecated>use &lt;v2&gt; &amp; more<\/slterms:deprecated>/);
  assert.throws(() => prepareDeprecation('<nope'), /not well-formed/);
});
