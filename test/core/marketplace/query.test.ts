import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyQuery, parseQuery, queryParams, latestOnly, ListedEntry, statusOf, QueryError } from '../../../src/core/marketplace/query';
import { classifySegment, parseKeyString, keyProblem, entryUrl } from '../../../src/core/marketplace/keys';
import { groupEntries, entryDescription } from '../../../src/core/marketplace/group';

const NOW = new Date('2026-06-01T00:00:00Z');
function entry(id: string, email: string, created: string, s: Partial<ListedEntry['summary']> = {}, priv = false): ListedEntry {
  return { key: { identifier: id.padEnd(27, 'A'), email, created }, summary: { identifier: id.padEnd(27, 'A'), email, created, checksums: {}, locations: [], valid: '2030-01-01T00:00:00Z', ...s }, private: priv || undefined };
}

const store: ListedEntry[] = [
  entry('Ubu', 'a@x.org', '2026-01-01T00:00:00Z', { os: 'ubuntu', osVersion: '24.04', osArch: 'x86_64', title: 'Ubuntu old', locations: ['http://h/ubu.img.gz'] }),
  entry('Ubu', 'a@x.org', '2026-02-01T00:00:00Z', { os: 'ubuntu', osVersion: '24.04', osArch: 'x86_64', title: 'Ubuntu new', locations: ['http://h/ubu.img.gz'] }),
  entry('Ubu', 'b@y.org', '2026-01-15T00:00:00Z', { os: 'ubuntu', osVersion: '24.04', osArch: 'x86_64', title: 'Ubuntu by b', locations: ['pdisk:h:8445:1234'] }),
  entry('Cen', 'a@x.org', '2026-01-01T00:00:00Z', { os: 'centos', osVersion: '7', osArch: 'i686', title: 'CentOS expired', valid: '2026-05-01T00:00:00Z' }),
  entry('Dep', 'a@x.org', '2026-01-01T00:00:00Z', { os: 'debian', title: 'Debian deprecated', deprecated: 'old' }),
  entry('Nov', 'a@x.org', '2026-01-01T00:00:00Z', { os: 'debian', title: 'No valid date', valid: undefined }),
];

test('default listing: latest per identifier+e-mail, valid only, undated never', () => {
  const r = applyQuery(store, {}, NOW);
  assert.deepEqual(r.page.map(e => e.summary.title).sort(), ['Ubuntu by b', 'Ubuntu new']);
});

test('status expired / deprecated', () => {
  assert.deepEqual(applyQuery(store, { status: 'expired' }, NOW).page.map(e => e.summary.title), ['CentOS expired']);
  assert.deepEqual(applyQuery(store, { status: 'deprecated' }, NOW).page.map(e => e.summary.title), ['Debian deprecated']);
  assert.equal(statusOf(store[3].summary, '2026-05-01T00:00:00Z'), undefined, 'valid == now is neither valid nor expired');
});

test('created filter lists every version; location web/pdisk', () => {
  assert.deepEqual(applyQuery(store, { created: '2026-01-01T00:00:00Z', identifier: store[0].key.identifier }, NOW).page.map(e => e.summary.title), ['Ubuntu old']);
  assert.deepEqual(applyQuery(store, { location: 'pdisk' }, NOW).page.map(e => e.summary.title), ['Ubuntu by b']);
  assert.deepEqual(applyQuery(store, { location: 'web' }, NOW).page.map(e => e.summary.title), ['Ubuntu new']);
});

test('free text: every word must match some column (case-insensitive literal text); per-column filters', () => {
  assert.deepEqual(applyQuery(store, { text: 'UBUNTU pdisk' }, NOW).page.map(e => e.summary.title), ['Ubuntu by b']);
  assert.deepEqual(applyQuery(store, { endorser: 'A@' }, NOW).page.map(e => e.summary.title), ['Ubuntu new']);
  assert.equal(applyQuery(store, { endorser: '^a@' }, NOW).matched, 0, 'regex syntax is plain text');
  assert.equal(applyQuery(store, { os: 'centos' }, NOW).matched, 0);
  assert.equal(applyQuery(store, { text: '(' }, NOW).matched, 0, 'regex syntax is taken literally, not thrown');
});

test('paging and sorting', () => {
  const all = store.map(e => ({ ...e, summary: { ...e.summary, valid: '2030-01-01T00:00:00Z', deprecated: undefined } }));
  const r = applyQuery(all, { sortColumn: 10, sortDir: 'desc', start: 1, length: 2 }, NOW);
  assert.equal(r.matched, 5);
  assert.deepEqual(r.page.map(e => e.summary.title), ['Ubuntu by b', 'No valid date'], 'titles descending: Ubuntu new | Ubuntu by b, No valid date | …');
});

test('latestOnly keeps max created per identifier+email', () => {
  assert.equal(latestOnly(store).length, 5);
});

test('parseQuery reads DataTables names, aliases and path segments; rejects bad values', () => {
  const q = parseQuery(new URLSearchParams('status=expired&sSearch_1=ubu&iDisplayStart=10&iDisplayLength=5&sSortDir_0=desc'), ['a@x.org', '2026-01-01T00:00:00Z', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA']);
  assert.deepEqual(q, { status: 'expired', os: 'ubu', start: 10, length: 5, sortDir: 'desc', email: 'a@x.org', created: '2026-01-01T00:00:00Z', identifier: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA' });
  assert.deepEqual(parseQuery(queryParams(q)), { ...q, sortColumn: 6 });
  assert.throws(() => parseQuery(new URLSearchParams('status=bogus')), QueryError);
  assert.throws(() => parseQuery(new URLSearchParams('iDisplayStart=-1')), /non-negative/);
});

test('keys: segment classes, key parsing and checks, canonical URL', () => {
  assert.equal(classifySegment('jane.tester@example.org'), 'email');
  assert.equal(classifySegment('2011-01-24T09:59:42Z'), 'created');
  assert.equal(classifySegment('MMZu9WvwKIro-rtBQfDk4PsKO7_'), 'identifier');
  const k = parseKeyString('/MMZu9WvwKIro-rtBQfDk4PsKO7_/jane.tester@example.org/2011-01-24T09:59:42Z/');
  assert.deepEqual(k, { identifier: 'MMZu9WvwKIro-rtBQfDk4PsKO7_', email: 'jane.tester@example.org', created: '2011-01-24T09:59:42Z' });
  assert.equal(entryUrl('https://marketplace.stratuslab.eu/', k!), 'https://marketplace.stratuslab.eu/metadata/MMZu9WvwKIro-rtBQfDk4PsKO7_/jane.tester@example.org/2011-01-24T09:59:42Z');
  assert.equal(parseKeyString('../../etc/passwd'), undefined);
  assert.match(keyProblem({ identifier: 'MMZu9WvwKIro-rtBQfDk4PsKO7_', email: '../x', created: '2011-01-24T09:59:42Z' })!, /e-mail/);
});

test('grouping by OS and by endorser; description', () => {
  const g = groupEntries(applyQuery(store, { status: 'valid' }, NOW).page, 'os');
  assert.deepEqual(g.map(x => [x.label, x.entries.length]), [['ubuntu', 2]]);
  const byE = groupEntries(store, 'endorser');
  assert.deepEqual(byE.map(x => x.label), ['a@x.org', 'b@y.org']);
  assert.equal(entryDescription(store[0]), '24.04/x86_64');
});
