import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { MarketplaceError, findLatest } from '../../../src/backend/marketplace/marketplace';
import { deprecateEntry } from '../../../src/backend/marketplace/open';
import { signMetadata } from '../../../src/core/metadata/sign';
import { corpus, corpusSkip, signedEntry, tamperedEntry, testKey, isoIn } from './fixtures';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-mp-'));
const AT_2012 = () => new Date('2012-06-01T00:00:00Z');   // corpus entries are "in date" then

async function rejects(p: Promise<unknown>, status: number, message: string | RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MarketplaceError, String(e));
    assert.equal(e.status, status);
    if (typeof message === 'string') assert.equal(e.message, message); else assert.match(e.message, message);
    return true;
  });
}

test('corpus: upload rules and messages (server order, newer-than-latest, equal created allowed)', { skip: corpusSkip }, async () => {
  const dir = tmp();
  const mp = new LocalMarketplace(dir, { now: AT_2012 });
  await rejects(mp.upload(corpus('valid.xml')), 400, 'invalid metadata: no signature');
  const newer = await mp.upload(corpus('valid-indate-newer-signature.xml'));
  assert.equal(newer.status, 201);
  assert.deepEqual(newer.key, { identifier: 'BEE8-MMAw-Lk_IgsEExAy3d9R8h', email: 'jane.tester@example.org', created: '2014-03-08T14:23:18Z' });
  await rejects(mp.upload(corpus('valid-indate-signature.xml')), 400, 'invalid metadata: older than latest entry');
  await rejects(mp.upload(corpus('valid-indate-older-signature.xml')), 400, 'invalid metadata: older than latest entry');
  await mp.upload(corpus('valid-indate-newer-signature.xml'));   // equal created: allowed, same key
  // stored byte for byte at the original's path
  const file = path.join(dir, 'metadata', 'BEE8-MMAw-Lk_IgsEExAy3d9R8h', 'jane.tester@example.org', '2014-03-08T14:23:18Z.xml');
  assert.equal(fs.readFileSync(file, 'utf8'), corpus('valid-indate-newer-signature.xml'));
  assert.equal(await mp.get(newer.key), corpus('valid-indate-newer-signature.xml'));
  await rejects(mp.get({ ...newer.key, created: '2001-01-01T00:00:00Z' }), 404, 'metadata entry not found.');
  await rejects(mp.upload('<rdf:RDF'), 400, /^unable to parse metadata: /);
});

test('corpus: latest, expired and deprecated listings; tags skip deprecated', { skip: corpusSkip }, async () => {
  const mp = new LocalMarketplace(tmp(), { now: AT_2012 });
  await mp.upload(corpus('valid-indate-signature.xml'));
  await mp.upload(corpus('valid-indate-newer-signature.xml'));
  const byId = await mp.list({ identifier: 'BEE8-MMAw-Lk_IgsEExAy3d9R8h' });
  assert.deepEqual(byId.entries.map(e => e.key.created), ['2014-03-08T14:23:18Z']);
  assert.equal((await mp.list({ created: '2011-09-09T14:12:57Z', identifier: 'BEE8-MMAw-Lk_IgsEExAy3d9R8h' })).entries.length, 0, 'the endorsement created is the key, not the Description created');

  const exp = new LocalMarketplace(tmp(), { now: AT_2012 });
  await exp.upload(corpus('valid-expired-signature.xml'));
  assert.equal((await exp.list({ identifier: 'Ce3uQbAaxJMbTBaCXWO2FZPRFTT' })).entries.length, 0);
  assert.equal((await exp.list({ identifier: 'Ce3uQbAaxJMbTBaCXWO2FZPRFTT', status: 'expired' })).entries.length, 1);

  const dep = new LocalMarketplace(tmp(), { now: AT_2012 });
  await dep.upload(corpus('valid-indate-deprecated-signature.xml'));
  assert.equal((await dep.list({ identifier: 'BEE8-MMAw-Lk_IgsEExAy3d9R8h' })).entries.length, 0);
  assert.equal((await dep.list({ status: 'deprecated' })).entries.length, 1);

  const tags = new LocalMarketplace(tmp(), { now: AT_2012 });
  await tags.upload(corpus('valid-alternative.xml'));
  assert.match(await tags.tag('jane.tester@example.org', '"Alternative"'), /BEE8-MMAw-Lk_IgsEExAy3d9R8h/);
  await tags.upload(corpus('valid-alternative-newid.xml'));
  await tags.upload(corpus('valid-alternative-deprecated-signed.xml'));
  assert.equal(await tags.tag('jane.tester@example.org', 'Alternative'), corpus('valid-alternative-newid.xml'));
  assert.deepEqual(await tags.tags('jane.tester@example.org'), ['Alternative']);
});

test('generated entries: bad signature refused, drafts private, index survives reopen', async () => {
  const dir = tmp();
  const mp = new LocalMarketplace(dir);
  const good = signedEntry({ content: 'image one', title: 'One', valid: isoIn(30) });
  await mp.upload(good);
  await rejects(mp.upload(tamperedEntry({ content: 'image two', title: 'Two', valid: isoIn(30) })), 400, /^invalid metadata: signature validation: /);
  const draft = await mp.addDraft(signedEntry({ content: 'saved disk', title: 'Draft', valid: isoIn(2), locations: ['pdisk:localhost:8445:11111111-2222-3333-4444-555555555555'] }));
  assert.equal(draft.private, true);
  assert.deepEqual((await mp.list()).entries.map(e => e.summary.title).sort(), ['Draft', 'One']);
  assert.deepEqual((await mp.list({}, { includePrivate: false })).entries.map(e => e.summary.title), ['One']);
  assert.deepEqual((await mp.endorsers()).map(e => e.email), ['jane.tester@example.org']);
  await mp.flush();
  assert.ok(fs.existsSync(path.join(dir, 'index.json')));
  const again = new LocalMarketplace(dir);
  assert.deepEqual((await again.list()).entries.map(e => [e.summary.title, !!e.private]).sort(), [['Draft', true], ['One', false]]);
  // a draft past its 2 days drops out of the default listing
  const later = new LocalMarketplace(dir, { now: () => new Date(Date.now() + 3 * 86400_000) });
  assert.deepEqual((await later.list()).entries.map(e => e.summary.title), ['One']);
  assert.deepEqual((await later.list({ status: 'expired' })).entries.map(e => e.summary.title), ['Draft']);
});

test('an index that lags the files (crash between the entry and the index write) is repaired on open', async () => {
  const dir = tmp();
  const mp = new LocalMarketplace(dir);
  await mp.upload(signedEntry({ content: 'a', title: 'A', valid: isoIn(30) }));
  await mp.flush();
  const staleIndex = fs.readFileSync(path.join(dir, 'index.json'), 'utf8');
  await mp.upload(signedEntry({ content: 'b', title: 'B', valid: isoIn(30) }));
  await mp.flush();
  const bKey = (await mp.list()).entries.find(e => e.summary.title === 'B')!.key;
  // the state a kill between the entry rename and the index rename leaves: old index, key still journalled
  fs.writeFileSync(path.join(dir, 'index.json'), staleIndex);
  fs.writeFileSync(path.join(dir, 'journal'), `${bKey.identifier}/${bKey.email}/${bKey.created}\n`);
  fs.mkdirSync(path.join(dir, '.tmp'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.tmp', 'half-written'), '<rdf:RDF');     // a temp file a crash left behind
  const reopened = new LocalMarketplace(dir);
  assert.deepEqual((await reopened.list()).entries.map(e => e.summary.title).sort(), ['A', 'B']);
  assert.equal(fs.existsSync(path.join(dir, '.tmp', 'half-written')), false);
  await reopened.flush();
  assert.equal(fs.existsSync(path.join(dir, 'journal')), false, 'the journal is emptied once the index holds its keys');
  fs.writeFileSync(path.join(dir, 'index.json'), '{"version":1,"entr');      // torn index: rebuilt from the files
  assert.equal((await new LocalMarketplace(dir).list()).entries.length, 2);
});

test('two writers on one folder (view + save hook + CLI): neither flush drops the other\'s entries', async () => {
  const dir = tmp();
  const a = new LocalMarketplace(dir);
  await a.ready();
  const b = new LocalMarketplace(dir);
  await b.addDraft(signedEntry({ content: 'from b', title: 'B', valid: isoIn(2) }));
  await b.flush();
  await a.upload(signedEntry({ content: 'from a', title: 'A', valid: isoIn(30) }));
  await a.flush();
  assert.deepEqual((await new LocalMarketplace(dir).list()).entries.map(e => e.summary.title).sort(), ['A', 'B']);
  assert.deepEqual((await a.list()).entries.map(e => e.summary.title).sort(), ['A', 'B'], 'the flush merged the other writer\'s entry');
  assert.deepEqual(fs.readdirSync(dir).filter(n => n.startsWith('journal')), []);
});

test('files copied in by hand appear with rescan (the Refresh command), not from the index alone', async () => {
  const dir = tmp();
  const mp = new LocalMarketplace(dir);
  await mp.upload(signedEntry({ content: 'a', title: 'A', valid: isoIn(30) }));
  await mp.flush();
  const other = new LocalMarketplace(tmp());
  const ok = await other.upload(signedEntry({ content: 'copied', title: 'Copied', valid: isoIn(30) }));
  const dest = path.join(dir, 'metadata', ok.key.identifier, ok.key.email);
  fs.mkdirSync(dest, { recursive: true });
  fs.writeFileSync(path.join(dest, `${ok.key.created}.xml`), await other.get(ok.key));
  assert.deepEqual((await new LocalMarketplace(dir).list()).entries.map(e => e.summary.title), ['A']);
  assert.deepEqual((await new LocalMarketplace(dir, { rescan: true }).list()).entries.map(e => e.summary.title).sort(), ['A', 'Copied']);
});

test('killing a writer mid-upload never leaves a half-written entry', async () => {
  const dir = tmp();
  const doc = signedEntry({ content: 'crash test', title: 'Crash', valid: isoIn(30) });
  const docFile = path.join(dir, 'doc.xml');
  fs.writeFileSync(docFile, doc);
  const local = path.resolve(__dirname, '../../../src/backend/marketplace/local.js');
  // The same document re-uploaded in a loop (equal created overwrites the same key) until SIGKILL.
  const script = `const { LocalMarketplace } = require(${JSON.stringify(local)}); const fs = require('fs');
    const mp = new LocalMarketplace(${JSON.stringify(path.join(dir, 'store'))}); const doc = fs.readFileSync(${JSON.stringify(docFile)}, 'utf8');
    (async () => { for (let i = 0; ; i++) { await mp.upload(doc); if (i === 2) process.stdout.write('go\\n'); } })();`;
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>(r => child.stdout.once('data', () => r()));
    await new Promise(r => setTimeout(r, 30 + round * 40));
    child.kill('SIGKILL');
    await new Promise(r => child.once('exit', r));
    const mp = new LocalMarketplace(path.join(dir, 'store'));
    const page = await mp.list();
    assert.equal(page.entries.length, 1);
    assert.equal(await mp.get(page.entries[0].key), doc, 'the stored entry is the whole document');
  }
});

test('deprecation re-signs with a new created and hides the image from valid listings', async () => {
  const mp = new LocalMarketplace(tmp());
  const at = new Date(Date.now() - 60_000);
  const first = await mp.upload(signedEntry({ content: 'dep me', title: 'Dep', valid: isoIn(30) }, at));
  const ok = await deprecateEntry(mp, { identifier: first.key.identifier, email: first.key.email }, 'superseded', xml => signMetadata(xml, testKey()));
  assert.ok(ok.key.created > first.key.created);
  assert.equal((await mp.list({ identifier: first.key.identifier })).entries.length, 0);
  const dep = await mp.list({ status: 'deprecated' });
  assert.equal(dep.entries[0].summary.deprecated, 'superseded');
  assert.equal((await findLatest(mp, first.key.identifier))?.key.created, ok.key.created);
});

test('another instance\'s uploads, flushes and draft publications show in the next read, without re-reading the index when nothing changed', async () => {
  const dir = tmp();
  const server = new LocalMarketplace(dir);
  await server.upload(signedEntry({ content: 'mine', title: 'Mine', valid: isoIn(30) }));
  await server.flush();
  const titles = async () => (await server.list({}, { includePrivate: true })).entries.map(e => `${e.summary.title}${e.private ? ' (draft)' : ''}`).sort();
  assert.deepEqual(await titles(), ['Mine']);

  // nothing changed: one small token read per call, never index.json
  const reads: string[] = [];
  const readFile = fs.promises.readFile;
  fs.promises.readFile = ((file: fs.PathLike, ...rest: unknown[]) => { reads.push(path.basename(String(file))); return (readFile as any)(file, ...rest); }) as typeof readFile;
  try {
    for (let i = 0; i < 3; i++) await server.list();
    assert.deepEqual(reads, ['generation', 'generation', 'generation']);
  } finally { fs.promises.readFile = readFile; }

  const other = new LocalMarketplace(dir);   // as another process: its own index, the same folder
  const draftXml = signedEntry({ content: 'draft', title: 'Draft', valid: isoIn(30) });
  const draft = await other.addDraft(draftXml);
  await other.upload(signedEntry({ content: 'theirs', title: 'Theirs', valid: isoIn(30) }));
  assert.deepEqual(await titles(), ['Draft (draft)', 'Mine', 'Theirs'], 'journaled, not yet flushed');
  await other.flush();
  assert.deepEqual(await titles(), ['Draft (draft)', 'Mine', 'Theirs'], 'flushed into index.json');
  await other.upload(draftXml);   // published: the same key moves from private/ to metadata/
  assert.deepEqual(await titles(), ['Draft', 'Mine', 'Theirs']);
  assert.equal(await server.get(draft.key), draftXml, 'read from its new place');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'private'), { recursive: true }).filter(f => String(f).endsWith('.xml')), []);
});
