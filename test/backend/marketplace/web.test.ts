// The served marketplace's web pages in a real browser (Debian's Chromium through playwright-core, as the
// workbench tier): list, filters, trust badges, entry page, XML bytes, upload form, cross-origin refusal, escaping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { serve } from '../../../src/backend/marketplace/server';
import { signedEntry, tamperedEntry, unsignedMetadata, isoIn, testKey, repoRoot, ImageSpec } from './fixtures';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const PLAYWRIGHT = path.join(repoRoot, 'test', 'host', 'node_modules', 'playwright-core');
const skip = !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)`
  : !fs.existsSync(PLAYWRIGHT) ? `playwright-core is not installed in test/host (npm --prefix test/host install)` : false;
const SHOTS = path.join(repoRoot, 'test-results', 'screenshots');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function launch(): Promise<any> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  // Required by path: playwright-core is installed for the workbench tier in test/host only.
  const { chromium } = require(PLAYWRIGHT);
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

const idOf = (xml: string) => /<dcterms:identifier>([^<]+)/.exec(xml)![1];
const createdOf = (xml: string) => /<dcterms:created>([^<]+)/.exec(xml)![1];

test('web pages: list, filters, trust badges, entry page, XML bytes, upload form, cross-origin refusal, escaping, CSP', { skip, timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-web-'));
  const store = new LocalMarketplace(dir);
  const at = new Date(Date.now() - 3600_000);
  const spec = (title: string, extra: Partial<ImageSpec> = {}): ImageSpec => ({ content: `image of ${title}`, title, valid: isoIn(60), ...extra });
  const ubuntu = signedEntry(spec('Ubuntu 24.04 server', { os: 'ubuntu', osVersion: '24.04', locations: ['https://images.example.org/ubuntu.img.gz'], description: 'A small Ubuntu server' }), at);
  const hostile = signedEntry(spec('<script>alert(1)</script> Debian', { os: 'debian', osVersion: '12' }), at);
  const expired = signedEntry(spec('Old CentOS', { os: 'centos', osVersion: '7', valid: isoIn(-1) }), new Date(Date.now() - 3 * 86400_000));
  const deprecated = signedEntry(spec('Deprecated Fedora', { os: 'fedora', deprecated: 'superseded by Fedora 41' }), at);
  const tamperSpec = spec('Alpine tiny', { os: 'alpine', osVersion: '3.20' });
  const good = signedEntry(tamperSpec, at);
  for (const x of [ubuntu, hostile, expired, deprecated, good]) await store.upload(x);
  // Someone edits a stored document on disk: its signature no longer verifies.
  const key = (xml: string) => `${idOf(xml)}/jane.tester@example.org/${createdOf(xml)}`;
  const tamperedFile = path.join(dir, 'metadata', `${key(good)}.xml`);
  assert.ok(fs.existsSync(tamperedFile));
  fs.writeFileSync(tamperedFile, tamperedEntry(tamperSpec, at));

  const srv = await serve(store, { port: 0, trusted: [testKey().certificatePem] });
  const ro = await serve(store, { port: 0, readOnly: true });
  // A page on another origin (another loopback port) that tries to upload to the marketplace.
  const evil = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!DOCTYPE html><form id="f" method="post" action="${srv.url}/metadata" enctype="multipart/form-data"><input type="file" id="file" name="file"><button id="go">go</button></form>`);
  });
  await new Promise<void>(r => evil.listen(0, '127.0.0.1', () => r()));
  const evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}/`;
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    let dialogs = 0;
    page.on('dialog', (d: { dismiss(): Promise<void> }) => { dialogs++; void d.dismiss(); });
    const cspViolations: string[] = [];
    page.on('console', (m: { text(): string }) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });

    // The list: valid entries, a trust badge each; the tampered one failed.
    const resp = await page.goto(`${srv.url}/`);
    assert.equal(resp!.status(), 200);
    const csp = resp!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|script-src/);
    assert.equal(resp!.headers()['x-content-type-options'], 'nosniff');
    const titles = await page.locator('table.entries tbody tr td:first-child a').allTextContents();
    assert.deepEqual([...titles].sort(), ['<script>alert(1)</script> Debian', 'Alpine tiny (tampered)', 'Ubuntu 24.04 server'].sort(), 'valid entries only, the hostile title as text');
    const rowOf = (title: string) => page.locator('table.entries tbody tr', { hasText: title });
    assert.match(await rowOf('Alpine tiny').locator('.badge').innerText(), /✗ signature invalid/);
    assert.match(await rowOf('Ubuntu 24.04 server').locator('.badge').innerText(), /✓ trusted/);
    assert.equal(await page.locator('script').count(), 0, 'no script element anywhere, the hostile title included');
    assert.equal(dialogs, 0);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'marketplace-web-list.png') });

    // Filters narrow: OS, then status.
    await page.fill('input[name=os]', 'UBUNTU');
    await page.click('form.filters button[type=submit]');
    assert.deepEqual(await page.locator('table.entries tbody tr td:first-child a').allTextContents(), ['Ubuntu 24.04 server']);
    await page.fill('input[name=os]', '');
    await page.selectOption('select[name=status]', 'expired');
    await page.click('form.filters button[type=submit]');
    assert.deepEqual(await page.locator('table.entries tbody tr td:first-child a').allTextContents(), ['Old CentOS']);
    await page.selectOption('select[name=status]', 'deprecated');
    await page.click('form.filters button[type=submit]');
    assert.deepEqual(await page.locator('table.entries tbody tr td:first-child a').allTextContents(), ['Deprecated Fedora']);

    // The tampered entry's page explains the failed verdict.
    await page.goto(`${srv.url}/metadata/${key(good)}`);
    assert.match(await page.locator('#verdict').innerText(), /signature is not valid/);

    // Entry page: fields, the run line, the vscode link; XML link downloads the stored bytes exactly.
    await page.goto(`${srv.url}/`);
    await page.click('text=Ubuntu 24.04 server');
    assert.match(await page.locator('h1').innerText(), /Ubuntu 24\.04 server/);
    const body = await page.locator('main').innerText();
    for (const want of ['A small Ubuntu server', 'SHA-1', 'https://images.example.org/ubuntu.img.gz', `stratus-run-instance ${idOf(ubuntu)}`, 'CN=Jane Tester']) assert.ok(body.includes(want), `entry page shows ${want}`);
    assert.match(await page.locator('#verdict').innerText(), /✓ trusted/);
    assert.match(await page.getAttribute('#vscode', 'href') ?? '', new RegExp(`^vscode://stratus\\.stratus/entry\\?identifier=${idOf(ubuntu)}&`));
    await page.screenshot({ path: path.join(SHOTS, 'marketplace-web-entry.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(SHOTS, 'marketplace-web-entry-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#xml')]);
    const got = fs.readFileSync((await download.path())!);
    assert.ok(got.equals(fs.readFileSync(path.join(dir, 'metadata', `${key(ubuntu)}.xml`))), 'XML link returns the stored bytes');

    // Upload through the form adds an entry.
    const fresh = signedEntry(spec('Uploaded from the browser', { os: 'rocky' }));
    const file = path.join(dir, 'fresh.xml');
    fs.writeFileSync(file, fresh);
    await page.goto(`${srv.url}/upload`);
    await page.setInputFiles('#file', file);
    await page.click('form.upload button[type=submit]');
    assert.equal(await page.locator('#answer').innerText(), '201: metadata entry created');
    await page.goto(`${srv.url}/metadata?q=browser`);
    assert.deepEqual(await page.locator('table.entries tbody tr td:first-child a').allTextContents(), ['Uploaded from the browser']);
    // A refused upload answers with the API's message.
    fs.writeFileSync(file, unsignedMetadata(spec('Never signed')));
    await page.goto(`${srv.url}/upload`);
    await page.setInputFiles('#file', file);
    await page.click('form.upload button[type=submit]');
    assert.equal(await page.locator('#answer').innerText(), '400: invalid metadata: no signature');

    // Another origin cannot upload, neither by a form nor by fetch.
    const before = (await store.entries()).length;
    const other = signedEntry(spec('Planted by another site', { os: 'evil' }));
    const otherFile = path.join(dir, 'other.xml');
    fs.writeFileSync(otherFile, other);
    await page.goto(evilUrl);
    await page.setInputFiles('#file', otherFile);
    await Promise.all([page.waitForNavigation(), page.click('#go')]);
    assert.match(await page.locator('body').innerText(), /403: cross-origin upload refused/);
    await page.goto(evilUrl);
    await page.evaluate(async ({ target, xml }: { target: string; xml: string }) => {
      const fd = new FormData();
      fd.append('file', new Blob([xml], { type: 'application/xml' }), 'm.xml');
      await fetch(target, { method: 'POST', body: fd, mode: 'no-cors' }).catch(() => undefined);
      await fetch(target, { method: 'POST', body: xml, mode: 'no-cors', headers: { 'Content-Type': 'text/plain' } }).catch(() => undefined);
    }, { target: `${srv.url}/metadata`, xml: other });
    assert.equal((await store.entries()).length, before, 'nothing planted');

    // Read-only: no form, and posts refused.
    await page.goto(`${ro.url}/upload`);
    assert.match(await page.locator('main').innerText(), /read-only/);
    assert.equal(await page.locator('form.upload').count(), 0);
    assert.deepEqual(cspViolations, [], 'the pages break none of their own CSP rules');
  } finally {
    await browser.close();
    await srv.close(); await ro.close();
    await new Promise(r => evil.close(r));
  }
});
