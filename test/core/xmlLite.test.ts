// The light DOM the diagnostics path reads must be xmldom's DOM in every detail the validation layers see:
// same nodes, names, namespaces, attributes, text and positions, so every layer says the same on both.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseXml } from '../../src/core/xml';
import { parseXmlLite, XNode, XElement } from '../../src/core/xmlLite';
import { SourceMap } from '../../src/core/metadata/dom';
import { checkSchema } from '../../src/core/metadata/schema';
import { checkConstraints } from '../../src/core/metadata/constraints';
import { checkRdf } from '../../src/core/metadata/rdf';
import { checkAdvice } from '../../src/core/metadata/advice';
import { summarize } from '../../src/core/metadata/summary';
import { validateMetadata } from '../../src/core/metadata/validate';
import { MINIMAL } from './metadata/fixtures';

const corpus = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'conformance', 'stratuslab-metadata', 'files');
const corpusDocs = fs.existsSync(corpus) ? fs.readdirSync(corpus).filter(f => f.endsWith('.xml')).map(f => [f, fs.readFileSync(path.join(corpus, f), 'utf8')] as const) : [];

/** Documents with every kind of node and the spellings a parser may get wrong. */
const TRICKY: [string, string][] = [
  ['minimal', MINIMAL],
  ['crlf, comments, CDATA, PIs, entities', MINIMAL.replace(/\n/g, '\r\n')
    .replace('<dcterms:type>machine</dcterms:type>', '<dcterms:type><!-- c -->mach<![CDATA[i]]>ne &amp; &#x41;&#66;</dcterms:type><?keep this?>\r\n  <dcterms:title xml:lang="en" >A &lt;b&gt; "t"</dcterms:title >')],
  ['attribute values normalised', MINIMAL.replace('<rdf:Description', '<rdf:Description note="a\tb\r\nc&#10;d&#9;e" other=\'x "y" z\'')],
  ['default namespace, unprefixed rdf attributes', `<?xml version="1.0"?>\n<RDF xmlns="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:d="http://purl.org/dc/terms/">\n  <Description about="#x" d:title="t">\n    <d:type parseType="Resource"><d:x/></d:type>\n    text\n  </Description>\n</RDF>\n`],
  ['declarations between attributes, a comment before the root', '<!-- c --><a k="v" xmlns:p="urn:p" p:z="1" xmlns="urn:d" b="2"><p:c/>\n<c p:y=\'&quot;\'/></a>\n<?after x?>'],
  ['no declaration, astral characters', '<a xmlns:p="urn:p"><p:b p:c="1" c="2">é 𝄞 text</p:b><c/></a>'],
];

function compare(lite: XNode, dom: XNode, src: SourceMap | undefined, where: string): void {
  assert.equal(lite.nodeType, dom.nodeType, `${where}: node type`);
  assert.equal(lite.nodeName, dom.nodeName, `${where}: node name`);
  if (src && lite.nodeType !== 9) {
    const d = dom as unknown as { lineNumber: number; columnNumber: number };
    assert.equal((lite as unknown as { start: number }).start, src.offset(d.lineNumber, d.columnNumber), `${where}: start offset`);
  }
  if (lite.nodeType === 1) {
    const a = lite as XElement, b = dom as XElement;
    for (const k of ['tagName', 'namespaceURI', 'prefix', 'localName'] as const) assert.equal(a[k], b[k], `${where}: ${k}`);
    assert.equal(a.attributes.length, b.attributes.length, `${where}: attribute count`);
    for (let i = 0; i < a.attributes.length; i++) {
      const x = a.attributes.item(i)!, y = b.attributes.item(i)!;
      for (const k of ['name', 'namespaceURI', 'prefix', 'localName', 'value'] as const) assert.equal(x[k], y[k], `${where}: attribute ${y.name} ${k}`);
      assert.equal(a.getAttributeNS(y.namespaceURI, y.localName!), b.getAttributeNS(y.namespaceURI, y.localName!));
      assert.equal(a.hasAttribute(y.name), true);
    }
  } else if (lite.nodeType !== 9) assert.equal((lite as unknown as { data: string }).data, (dom as unknown as { data: string }).data, `${where}: data`);
  // At the top, whitespace and the XML declaration (a PI in xmldom) are no one's content: the layers start at the root.
  const top = (c: XNode) => c.nodeType === 3 || (c.nodeType === 7 && c.nodeName === 'xml');
  const kids = (n: XNode) => { const out: XNode[] = []; for (let c = n.firstChild; c; c = c.nextSibling) if (n.nodeType !== 9 || !top(c)) out.push(c); return out; };
  const ka = kids(lite), kb = kids(dom);
  assert.equal(ka.length, kb.length, `${where}: child count (${ka.map(n => n.nodeName)} vs ${kb.map(n => n.nodeName)})`);
  ka.forEach((c, i) => { assert.equal(c.parentNode, lite); compare(c, kb[i], src, `${where}/${c.nodeName}[${i}]`); });
}

for (const [name, text] of [...TRICKY, ...corpusDocs]) {
  const dom = parseXml(text).doc;
  if (!dom) continue;   // xmldom refuses it: validateMetadata reports xmldom's errors (tested below)
  test(`light DOM equals xmldom's: ${name}`, () => {
    const lite = parseXmlLite(text);
    assert.ok(lite, 'saxes reads what xmldom reads');
    const src = new SourceMap(text);
    compare(lite, dom, src, '');
    const now = new Date('2030-01-01T00:00:00Z');
    for (const check of [checkSchema, checkConstraints, checkRdf]) assert.deepEqual(check(lite, src), check(dom, src), check.name);
    assert.deepEqual(checkAdvice(lite, src, { now }), checkAdvice(dom, src, { now }));
    const sum = (d: Parameters<typeof summarize>[0]) => { try { return summarize(d); } catch (e) { return (e as Error).message; } };
    assert.deepEqual(sum(lite), sum(dom));
  });
}

test('mutated documents: the light parse never accepts what xmldom refuses, and reads the same DOM when both accept', () => {
  let seed = Number(process.env.MUTATION_SEED ?? 13);
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ['<', '>', '&', '"', "'", '/', '=', ':', ' ', '\n', ']]>', '<!--', '-->', '<![CDATA[', '&amp;', '&#0;', '&#x1F600;', 'xmlns:q="urn:q"', 'q:', '\u0001', '\uFFFE', '<?x?>'];
  const base = TRICKY.map(([, t]) => t);
  let both = 0, onlyXmldom = 0;
  for (let i = 0; i < Number(process.env.MUTATIONS ?? 400); i++) {
    let t = base[rand(base.length)];
    for (let k = 1 + rand(2); k > 0; k--) {
      const at = rand(t.length + 1);
      t = rand(2) ? t.slice(0, at) + pieces[rand(pieces.length)] + t.slice(at) : t.slice(0, at) + t.slice(at + 1 + rand(3));
    }
    const lite = parseXmlLite(t), dom = parseXml(t).doc;
    if (lite) {
      assert.ok(dom, `saxes accepted what xmldom refuses: ${JSON.stringify(t)}`);
      // xmldom counts a lone CR as a line break, SourceMap (like the editor) does not: compare positions only without one.
      compare(lite, dom, /\r(?!\n)/.test(t) ? undefined : new SourceMap(t), `mutation ${i}`);
      both++;
    } else if (dom) onlyXmldom++;   // validateMetadata then reads xmldom's DOM: same result as before
  }
  assert.ok(both > 50, `enough mutations stay well-formed to compare (${both}, ${onlyXmldom} read by xmldom alone)`);
});

test('the light parse refuses what parseXml refuses, and validation reports xmldom\'s words for it', () => {
  const bad = [
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    '<a><b></a>', '<a x="1" x="2"/>', '<p:a/>', '<a>&nbsp;</a>', '<a/><b/>', 'text<a/>', '',
    '\uFEFF<a/>',   // xmldom refuses a BOM inside a string (decodeXml strips it from files)
    '<a>' + '<b>'.repeat(300) + '</b>'.repeat(300) + '</a>',
  ];
  for (const text of bad) {
    assert.equal(parseXmlLite(text), undefined, text.slice(0, 40));
    const r = validateMetadata(text);
    const p = parseXml(text);
    if (p.doc) continue;
    assert.equal(r.verdict.layers.parse?.ok, false);
    assert.deepEqual(r.diagnostics.map(d => d.message), p.errors.map(e => e.message), text.slice(0, 40));
  }
});

test('a signed document still gets its signature checked; an unsigned one is "no signature" without xmldom', () => {
  const lite = parseXmlLite(MINIMAL)!;
  assert.equal(lite.hasSignature, false);
  assert.equal(validateMetadata(MINIMAL).signature?.status, 'absent');
  const forged = MINIMAL.replace('</rdf:RDF>', '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature></rdf:RDF>');
  assert.equal(parseXmlLite(forged)!.hasSignature, true);
  const r = validateMetadata(forged);
  assert.equal(r.signature?.status, 'invalid');
  assert.equal(r.verdict.layers.signature?.ok, false);
});
