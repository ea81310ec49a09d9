// Limits checked before any DOM or signature work, and the declared encoding honoured (or refused clearly).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseXml, checkXmlLimits, XmlLimitError, decodeXml, XmlEncodingError, XML_LIMITS } from '../../src/core/xml';

const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
const wide = (n: number) => '<r>' + '<e/>'.repeat(n) + '</r>';

test('checkXmlLimits: element count and depth, with a typed error that says where and what to do', () => {
  assert.doesNotThrow(() => checkXmlLimits(deep(50), { maxDepth: 50 }));
  assert.throws(() => checkXmlLimits(deep(51), { maxDepth: 50 }), (e: unknown) => e instanceof XmlLimitError && e.kind === 'depth' && e.limit === 50 && /nested deeper than 50 elements/.test(e.message) && !e.message.includes('\n'));
  assert.doesNotThrow(() => checkXmlLimits(wide(99), { maxElements: 100 }));
  assert.throws(() => checkXmlLimits(wide(100), { maxElements: 100 }), (e: unknown) => e instanceof XmlLimitError && e.kind === 'elements' && /more than 100 elements/.test(e.message));
  // markup inside comments, CDATA, attribute values and PIs is not counted
  const tricky = `<?xml version="1.0"?><r a="<x><y>" b='>'><!-- <c><c><c> --><![CDATA[<d><d><d>]]><?pi <e><e>?><k/></r>`;
  assert.doesNotThrow(() => checkXmlLimits(tricky, { maxElements: 2, maxDepth: 2 }));
  assert.throws(() => checkXmlLimits('x'.repeat(11), { maxBytes: 10 }), (e: unknown) => e instanceof XmlLimitError && e.kind === 'bytes');
});

test('parseXml refuses over-limit documents up front with one diagnostic (defaults and explicit options)', () => {
  const d = parseXml(deep(XML_LIMITS.maxDepth + 1));
  assert.equal(d.doc, undefined);
  assert.equal(d.errors.length, 1);
  assert.ok(d.limit instanceof XmlLimitError);
  assert.match(d.errors[0].message, /nested deeper than/);
  const w = parseXml(wide(1000), { maxElements: 500 });
  assert.equal(w.doc, undefined);
  assert.match(w.errors[0].message, /more than 500 elements/);
  assert.ok(parseXml(wide(1000)).doc, 'defaults allow a thousand elements');
  assert.ok(parseXml(deep(40)).doc, 'and realistic nesting');
});

test('decodeXml: UTF-8 default, BOMs, declared ISO-8859-1 and UTF-16; refuses what it cannot read', () => {
  const body = '<t>café €</t>';
  assert.equal(decodeXml(Buffer.from(`<?xml version="1.0"?>${body}`, 'utf8')), `<?xml version="1.0"?>${body}`);
  assert.equal(decodeXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')])), body);
  const latin = `<?xml version="1.0" encoding="ISO-8859-1"?><t>café</t>`;
  assert.equal(decodeXml(Buffer.from(latin, 'latin1')), latin);
  const u16 = `<?xml version="1.0" encoding="UTF-16"?>${body}`;
  assert.equal(decodeXml(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(u16, 'utf16le')])), u16);
  const be = Buffer.from(u16, 'utf16le');
  be.swap16();
  assert.equal(decodeXml(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), u16);
  // undeclared bytes that are not UTF-8: refused, never read as replacement characters
  assert.throws(() => decodeXml(Buffer.from('<t>café</t>', 'latin1')), (e: unknown) => e instanceof XmlEncodingError && /not valid UTF-8/.test((e as Error).message));
  assert.throws(() => decodeXml(Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><t/>')), (e: unknown) => e instanceof XmlEncodingError && /Shift_JIS.*UTF-8/.test((e as Error).message));
  assert.throws(() => decodeXml(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><t/>')), XmlEncodingError, 'UTF-16 declared without a BOM and read as bytes');
});
