// The RDF/XML layer against the syntax the original's parser (Sesame Rio) accepted: the unqualified
// historical attributes (ID, about, resource, parseType, type) read as their rdf: forms with a warning
// and a quick fix, and the other RDF/XML forms users' tools write.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { validateMetadata, serverValidate } from '../../../src/core/metadata/validate';
import { qualifyRdfAttribute, applyEdits } from '../../../src/core/metadata/fixes';
import { toRdfJson } from '../../../src/core/marketplace/rdfjson';
import { summarize } from '../../../src/core/metadata/summary';
import { MINIMAL } from './fixtures';

const run = (text: string) => validateMetadata(text, { layers: ['constraints', 'rdf'] });
const rdfOf = (text: string) => run(text).diagnostics.filter(d => d.layer === 'rdf');
/** The 1-based range of `needle`, searched after `after` when given. */
const at = (text: string, needle: string, after = '') => {
  const i = text.indexOf(after + needle) + after.length;
  assert.ok(i >= after.length, needle);
  const before = text.slice(0, i), line = before.split('\n').length, column = i - before.lastIndexOf('\n');
  return { line, column, endLine: line, endColumn: column + needle.length };
};

test('unqualified parseType on a property element: read as rdf:parseType, one warning at the attribute, verdict ok', () => {
  const text = MINIMAL.replace('<slreq:endorsement rdf:parseType="Resource">', '<slreq:endorsement parseType="Resource">');
  const r = run(text);
  assert.deepEqual(r.verdict.layers.rdf, { ok: true });
  const ds = rdfOf(text);
  assert.equal(ds.length, 1, JSON.stringify(ds));
  assert.equal(ds[0].severity, 'warning');
  assert.equal(ds[0].code, 'rdf/unqualified-attribute');
  assert.match(ds[0].message, /'parseType' without the rdf: prefix.*rdf:parseType/);
  assert.deepEqual(ds[0].range, at(text, 'parseType="Resource"', '<slreq:endorsement '));
});

test('each of ID, about, resource, parseType, type unqualified: read as rdf:, a warning each at its exact range', () => {
  const text = MINIMAL
    .replace('<rdf:Description rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_">', '<rdf:Description about="#MMZu9WvwKIro-rtBQfDk4PsKO7_">')
    .replace('<slreq:checksum rdf:parseType="Resource">', '<slreq:checksum parseType="Resource" ID="c1">')
    .replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type>\n    <dcterms:license resource="http://www.apache.org/licenses/LICENSE-2.0"/>\n    <dcterms:conformsTo><rdf:Description type="http://example.org/Profile"/></dcterms:conformsTo>');
  const r = run(text);
  assert.deepEqual(r.verdict.layers.rdf, { ok: true });
  const ds = rdfOf(text);
  assert.deepEqual(ds.map(d => [d.severity, d.message.split("'")[1]]), [['warning', 'about'], ['warning', 'parseType'], ['warning', 'ID'], ['warning', 'resource'], ['warning', 'type']]);
  assert.deepEqual(ds[0].range, at(text, 'about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"'));
  assert.deepEqual(ds[2].range, at(text, 'ID="c1"'));
  assert.deepEqual(ds[3].range, at(text, 'resource="http://www.apache.org/licenses/LICENSE-2.0"'));
  // the rest of the product reads them as rdf: too
  assert.equal(summarize(text).identifier, 'MMZu9WvwKIro-rtBQfDk4PsKO7_');
  const json = toRdfJson(text);
  assert.deepEqual(json['http://mp.stratuslab.eu/#MMZu9WvwKIro-rtBQfDk4PsKO7_']['http://purl.org/dc/terms/license'], [{ type: 'uri', value: 'http://www.apache.org/licenses/LICENSE-2.0' }]);
  assert.equal(json['http://mp.stratuslab.eu/#MMZu9WvwKIro-rtBQfDk4PsKO7_']['http://mp.stratuslab.eu/slreq#checksum'][0].type, 'bnode');
});

test('the quick fix qualifies the attribute with the document\'s rdf prefix, and the warning is gone', () => {
  const text = MINIMAL.replace('<slreq:endorsement rdf:parseType="Resource">', '<slreq:endorsement parseType="Resource">');
  const d = rdfOf(text)[0];
  const fixed = applyEdits(text, qualifyRdfAttribute(text, d.range));
  assert.equal(fixed, MINIMAL);
  assert.deepEqual(rdfOf(fixed), []);
  // another prefix for the RDF namespace is used as it is
  const other = text.replace(/rdf:/g, 'r:').replace('xmlns:rdf=', 'xmlns:r=');
  const fixedOther = applyEdits(other, qualifyRdfAttribute(other, rdfOf(other)[0].range));
  assert.ok(fixedOther.includes('<slreq:endorsement r:parseType="Resource">'), fixedOther);
  assert.deepEqual(qualifyRdfAttribute(MINIMAL, { line: 1, column: 1 }), []);
});

test('an unqualified attribute beside its qualified form is an error (two values for one attribute)', () => {
  const text = MINIMAL.replace('<slreq:endorsement rdf:parseType="Resource">', '<slreq:endorsement rdf:parseType="Resource" parseType="Literal">');
  assert.equal(run(text).verdict.layers.rdf!.ok, false);
});

test('other RDF/XML forms Sesame Rio accepted are accepted: property attributes, rdf:li, rdf:nodeID, typed nodes, Literal with comments', () => {
  const extra = [
    '<dcterms:creator dcterms:title="Jane" slterms:role="maintainer"/>',                                  // property attributes on an empty property element
    '<dcterms:publisher rdf:nodeID="pub"/>',                                                           // blank node reference
    '<dcterms:hasPart><rdf:Bag><rdf:li>one</rdf:li><rdf:li rdf:resource="http://example.org/two"/><rdf:_3>three</rdf:_3></rdf:Bag></dcterms:hasPart>',
    '<dcterms:source><slterms:Image rdf:about="http://example.org/base" dcterms:title="base image"><dcterms:format>raw</dcterms:format></slterms:Image></dcterms:source>', // typed node element + property attribute on a node
    '<dcterms:abstract rdf:parseType="Literal">\n      <!-- a comment -->\n      <b xmlns="http://www.w3.org/1999/xhtml">bold</b> text\n    </dcterms:abstract>',
    '<dcterms:relation rdf:parseType="Collection"><rdf:Description rdf:about="http://example.org/a"/><rdf:Description rdf:nodeID="n2"/></dcterms:relation>',
    '<dcterms:rights xml:lang="en" rdf:datatype="http://www.w3.org/2001/XMLSchema#string">free</dcterms:rights>',
    '<!-- a comment between properties -->',
  ].join('\n    ');
  const text = MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type>\n    ' + extra)
    .replace('xml:base=', 'xmlns:ex="http://example.org/" xml:base=');
  const r = run(text);
  assert.deepEqual(r.verdict.layers.rdf, { ok: true }, JSON.stringify(rdfOf(text)));
  assert.deepEqual(rdfOf(text), []);
});

test('still refused as Sesame refuses them: text in a node element, two nodes in one property, rdf:li as a node', () => {
  assert.equal(run(MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type>machine</dcterms:type>\n    loose text')).verdict.layers.rdf!.message, 'unexpected literal');
  assert.equal(run(MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:source><rdf:Description/><rdf:Description/></dcterms:source>')).verdict.layers.rdf!.message, 'unexpected element');
  assert.equal(run(MINIMAL.replace('<dcterms:type>machine</dcterms:type>', '<dcterms:source><rdf:li/></dcterms:source>')).verdict.layers.rdf!.message, '<rdf:li> not allowed as node element');
});

test('the server check accepts a document whose only RDF remark is an unqualified attribute', () => {
  // Unsigned, so the server refuses it for that, not for the RDF.
  const text = MINIMAL.replace('<slreq:endorsement rdf:parseType="Resource">', '<slreq:endorsement parseType="Resource">');
  assert.equal(serverValidate(text).message, 'no signature');
});
