import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { LocalHost } from '../../../src/backend/host/local';
import { resolveImage as resolveWith, type ResolveContext } from '../../../src/backend/kvm/resolve';
import { draftMetadata } from '../../../src/backend/kvm/epilog';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { VolumeStore } from '../../../src/backend/volumes/store';
import { generateCertificate, signMetadata } from '../../../src/core/metadata/sign';
import { sha1ToIdentifier } from '../../../src/core/metadata/identifier';
import { tempData } from './fixtures';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { fixtureHost, sshdAvailable, startRemoteHost } from '../host/remoteHost';

/** The host's volumes store, as its services give it. */
const resolveImage = (ref: string, ctx: Omit<ResolveContext, 'volumes'>) => resolveWith(ref, { volumes: new VolumeStore(ctx.data.volumes, { host: ctx.host }), ...ctx });

const has = (t: string) => { try { execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }); return true; } catch { return false; } };
const skip = has('qemu-img') ? undefined : 'qemu-img is needed: run scripts/setup.sh';
const host = new LocalHost();

function rawImage(dir: string): { file: string; bytes: Buffer } {
  const bytes = crypto.randomBytes(1 << 20);
  const file = path.join(dir, 'tiny.img');
  fs.writeFileSync(file, bytes);
  return { file, bytes };
}

test('a marketplace identifier: trust-checked, downloaded, verified, cached; refused when the signer is not trusted', { skip }, async () => {
  const data = tempData();
  try {
    const { file, bytes } = rawImage(data.root);
    const h = (a: string) => crypto.createHash(a).update(bytes).digest('hex');
    const digests = { bytes: bytes.length, md5: h('md5'), sha1: h('sha1'), sha256: h('sha256'), sha512: h('sha512') };
    const id = sha1ToIdentifier(digests.sha1);
    const xml = draftMetadata({ digests, imageId: id, save: { title: 'tiny', comment: 'c', author: 'A', email: 'a@example.org' }, location: `file://${file}` });
    const signer = generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', days: 2, password: 'x' });
    await new LocalMarketplace(data.marketplace).addDraft(signMetadata(xml, signer));
    const other = generateCertificate({ commonName: 'Someone Else', email: 'else@example.org', days: 2, password: 'x' });
    await assert.rejects(resolveImage(id, { host, data, trustedSigners: [other.certificatePem] }), /Refusing to launch .*allow-untrusted/);
    assert.equal(fs.existsSync(data.images) ? fs.readdirSync(data.images).filter(f => !f.startsWith('.')).length : 0, 0, 'nothing downloaded when refused');
    const r = await resolveImage(id, { host, data, trustedSigners: [signer.certificatePem] });
    assert.equal(r.imageId, id);
    assert.equal(r.format, 'raw');
    assert.ok(r.path.startsWith(data.images));
    assert.ok(fs.readFileSync(r.path).equals(bytes));
    assert.ok(r.metadataFile && fs.existsSync(r.metadataFile), 'the origin metadata is kept for the Epilog');
    const forced = await resolveImage(id, { host, data, trustedSigners: [other.certificatePem], allowUntrusted: true });
    assert.equal(forced.path, r.path, 'served from the cache');
    // the cache is keyed by content: another entry for the same bytes may have been launched before (its document
    // kept); a launch keeps the document it used, not the earlier one
    const launched = fs.readFileSync(r.metadataFile!, 'utf8');
    fs.writeFileSync(r.metadataFile!, launched.replace(/file:\/\/[^<]+/, 'http://127.0.0.1:9/another-marketplace.img'));
    const again = await resolveImage(id, { host, data, trustedSigners: [signer.certificatePem] });
    assert.equal(fs.readFileSync(again.metadataFile!, 'utf8'), launched, 'the kept document is the entry this launch used');
  } finally { fs.rmSync(data.root, { recursive: true, force: true }); }
});

test('a URL (.img.gz inflated into the cache), a volume uuid, a .gz file, and clear errors', { skip }, async () => {
  const data = tempData();
  const { file, bytes } = rawImage(data.root);
  const gz = zlib.gzipSync(bytes);
  let hits = 0;
  const server = http.createServer((_q, res) => { hits++; res.end(gz); });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/img/tiny.img.gz`;
    const u = await resolveImage(url, { host, data });
    assert.ok(fs.readFileSync(u.path).equals(bytes));
    assert.equal(u.format, 'raw');
    assert.equal((await resolveImage(url, { host, data })).path, u.path);
    assert.equal(hits, 1, 'the second launch uses the cache');

    fs.writeFileSync(`${file}.gz`, gz);
    const g = await resolveImage(`${file}.gz`, { host, data });
    assert.ok(fs.readFileSync(g.path).equals(bytes));

    const vol = await new VolumeStore(data.volumes).createFrom(file, { type: 'MACHINE_IMAGE_ORIGIN', tag: 't' });
    const v = await resolveImage(vol.uuid, { host, data });
    assert.equal(v.path, vol.path);
    assert.equal(v.volumeId, vol.uuid);

    await assert.rejects(resolveImage(path.join(data.root, 'nope.qcow2'), { host, data }), /not found: give a file/);
    await assert.rejects(resolveImage('AAAAAAAAAAAAAAAAAAAAAAAAAAA', { host, data }), /No marketplace entry for image/);
    await assert.rejects(resolveImage('00000000-0000-4000-8000-000000000000', { host, data }), /No volume/);
  } finally {
    server.close();
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('on a remote host (real sshd): a marketplace image and a URL are downloaded here and uploaded there, a .gz on the host is inflated there, a saved volume is found by identifier', {
  skip: skip ?? sshdAvailable(),
}, async () => {
  const fx = await startRemoteHost();
  const pool = new ConnectionPool();
  const local = tempData(), data = tempData('stratus-remote-');
  const remote = fixtureHost(fx, 'lab', pool, local.root);
  const server = http.createServer((_q, res) => res.end(zlib.gzipSync(bytes)));
  const { file, bytes } = rawImage(local.root);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  try {
    const h = (a: string) => crypto.createHash(a).update(bytes).digest('hex');
    const digests = { bytes: bytes.length, md5: h('md5'), sha1: h('sha1'), sha256: h('sha256'), sha512: h('sha512') };
    const id = sha1ToIdentifier(digests.sha1);
    const signer = generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', days: 2, password: 'x' });
    await new LocalMarketplace(local.marketplace).addDraft(signMetadata(draftMetadata({ digests, imageId: id, save: { title: 'tiny', comment: 'c', author: 'A', email: 'a@example.org' }, location: `file://${file}` }), signer));
    const ctx = { host: remote, data, local, trustedSigners: [signer.certificatePem] };

    const m = await resolveImage(id, ctx);
    assert.ok(m.path.startsWith(data.images + '/'), `staged into the host's image cache: ${m.path}`);
    assert.ok((await remote.readFile(m.path)).equals(bytes), 'the host has the verified bytes');
    assert.ok(m.metadataFile && (await remote.stat(m.metadataFile)), 'the origin metadata is kept on the host for the Epilog');
    assert.ok(fs.readdirSync(local.images).some(f => !f.startsWith('.')), 'downloaded (and checked) on this machine first');

    const u = await resolveImage(`http://127.0.0.1:${(server.address() as import('net').AddressInfo).port}/x.img.gz`, ctx);
    assert.ok(u.path.startsWith(data.images + '/'));
    assert.ok((await remote.readFile(u.path)).equals(bytes), 'the URL image, inflated, on the host');

    const gzOnHost = path.posix.join(data.root, `it's $(touch pwned).img.gz`);
    await remote.writeFile(gzOnHost, zlib.gzipSync(bytes));
    const g = await resolveImage(gzOnHost, ctx);
    assert.ok((await remote.readFile(g.path)).equals(bytes), 'inflated on the host, hostile file name taken literally');
    assert.ok(!fs.existsSync(path.join(os.homedir(), 'pwned')) && !fs.existsSync('pwned'));
    await assert.rejects(resolveImage('relative.img', ctx), /absolute path on lab/);

    // images: download — the host fetches (from this machine's address as the host sees it), checks and caches them itself
    const hostData = tempData('stratus-remote-dl-');
    const served = new Map<string, Buffer>([['/good.img.gz', zlib.gzipSync(bytes)], ['/bad.img', Buffer.from('not the image')]]);
    const outer = fx.netns ? fx.host.replace(/\.2$/, '.1') : '127.0.0.1';
    const web = http.createServer((q, res) => { const b = served.get(q.url ?? ''); if (!b) { res.statusCode = 404; res.end(); return; } res.end(b); });
    await new Promise<void>(r => web.listen(0, outer, r));
    const base = `http://${outer}:${(web.address() as import('net').AddressInfo).port}`;
    try {
      const dctx = { ...ctx, data: hostData, local: tempData('stratus-local-dl-'), transfer: 'download' as const };
      const signer2 = signer;
      const good = await new LocalMarketplace(dctx.local.marketplace);
      await good.addDraft(signMetadata(draftMetadata({ digests, imageId: id, save: { title: 'tiny', comment: 'c', author: 'A', email: 'a@example.org' }, location: `${base}/good.img.gz`, compression: 'gz' }), signer2));
      // a killed download's part file (untouched for two days) is swept from the host's cache; a recent one is kept
      await remote.mkdirp(hostData.images);
      await remote.run(['sh', '-c', 'echo x > "$1"; touch -d "2 days ago" "$1"; echo y > "$2"', 'plant', path.posix.join(hostData.images, 'old.raw.part-1'), path.posix.join(hostData.images, 'recent.raw.part-2')]);
      const d = await resolveImage(id, dctx);
      assert.deepEqual((await remote.readdir(hostData.images)).filter(f => f.includes('.part')), ['recent.raw.part-2'], 'the stale part file swept');
      await remote.remove(path.posix.join(hostData.images, 'recent.raw.part-2'));
      assert.equal(d.path, path.posix.join(hostData.images, `${digests.sha1}.raw`), 'cached on the host by SHA-1');
      assert.ok((await remote.readFile(d.path)).equals(bytes), 'fetched, inflated and checked by the host');
      assert.deepEqual(fs.existsSync(dctx.local.images) ? fs.readdirSync(dctx.local.images) : [], [], 'nothing downloaded on this machine');
      const viaUrl = await resolveImage(`${base}/good.img.gz`, dctx);
      assert.ok((await remote.readFile(viaUrl.path)).equals(bytes));
      await assert.rejects(resolveImage(`${base}/missing.img`, dctx), /could not download .*missing\.img/);
      // a corrupt download is refused by checksum and leaves nothing in the host's cache
      const badId = sha1ToIdentifier(crypto.createHash('sha1').update('x').digest('hex'));
      const bad = new LocalMarketplace(dctx.local.marketplace);
      await bad.addDraft(signMetadata(draftMetadata({ digests: { ...digests, bytes: 13, sha1: crypto.createHash('sha1').update('x').digest('hex') }, imageId: badId, save: { title: 'bad', comment: 'c', author: 'A', email: 'a@example.org' }, location: `${base}/bad.img` }), signer2));
      await assert.rejects(resolveImage(badId, dctx), /Manifest hash code different from downloaded image/);
      assert.deepEqual((await remote.readdir(hostData.images)).filter(f => f.includes('.part')), [], 'no partial file left on the host');
      // a decompression bomb is stopped on the host as soon as it inflates past the size the entry gives
      served.set('/bomb.img.gz', zlib.gzipSync(Buffer.alloc(64 << 20)));
      const small = crypto.createHash('sha1').update('small').digest('hex');
      await bad.addDraft(signMetadata(draftMetadata({ digests: { ...digests, bytes: 5, sha1: small }, imageId: sha1ToIdentifier(small), save: { title: 'bomb', comment: 'c', author: 'A', email: 'a@example.org' }, location: `${base}/bomb.img.gz`, compression: 'gz' }), signer2));
      const bombErr = await resolveImage(sha1ToIdentifier(small), dctx).then(() => undefined, e => e as Error);
      assert.match(bombErr?.message ?? 'resolved', /larger than the size in image manifest \(5\): stopped after 6 bytes/);
      assert.deepEqual((await remote.readdir(hostData.images)).filter(f => f.includes('.part')), [], 'nothing of the bomb left on the host');
      // an entry claiming the trusted identifier with another image is refused; a file planted in the host's
      // cache slot is re-checked on the next launch and replaced by the genuine image
      const evil = Buffer.from('an attacker image');
      served.set('/evil.img', evil);
      const eh = (a: string) => crypto.createHash(a).update(evil).digest('hex');
      // (a local marketplace would not even store it; a remote one is a server someone else runs)
      const forgedXml = signMetadata(draftMetadata({ digests: { bytes: evil.length, md5: eh('md5'), sha1: eh('sha1'), sha256: eh('sha256'), sha512: eh('sha512') }, imageId: id, save: { title: 'evil', comment: 'c', author: 'A', email: 'a@example.org' }, location: `${base}/evil.img` }), signer2);
      const fresh = { ...dctx, data: tempData('stratus-remote-forged-'), local: tempData('stratus-local-forged-'), fetchMetadata: async () => forgedXml };
      await assert.rejects(resolveImage(id, fresh), /does not match its SHA-1/);
      await remote.writeFile(d.path, evil);
      const again = await resolveImage(id, dctx);
      assert.ok((await remote.readFile(again.path)).equals(bytes), 'the planted file was not used: the genuine image was fetched again');
      fs.rmSync(dctx.local.root, { recursive: true, force: true });
    } finally {
      web.close();
      fs.rmSync(hostData.root, { recursive: true, force: true });
    }

    const vol = await new VolumeStore(data.volumes, { host: remote }).createFrom(u.path, { type: 'MACHINE_IMAGE_ORIGIN', identifier: id, tag: 'saved' });
    const v = await resolveImage(id, ctx);
    assert.equal(v.volumeId, vol.uuid, 'a saved-image volume on the host wins over the marketplace');
  } finally {
    server.close();
    pool.closeAll();
    await fx.stop();
    fs.rmSync(local.root, { recursive: true, force: true });
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('a base that pulls in host files is refused: an external data file, a backing file outside Stratus\'s folders, also when it comes from a URL', { skip }, async () => {
  const data = tempData();
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-hostfiles-'));
  try {
    // qemu-img create writes the data file it is given: a throw-away file stands for the host file
    const hostFile = path.join(outside, 'host-secret.txt');
    const withData = path.join(outside, 'data-file.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${hostFile},data_file_raw=on`, withData, '1M']);
    await assert.rejects(resolveImage(withData, { host, data }), /data-file\.qcow2 uses .*host-secret\.txt as its data file/);
    const backed = path.join(outside, 'backed.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', hostFile, '-F', 'raw', backed]);
    await assert.rejects(resolveImage(backed, { host, data }), /backed\.qcow2 is backed by .*host-secret\.txt, which Stratus did not place/);
    // the same image served over http: downloaded into the cache, then refused before any guest uses it
    const served = fs.readFileSync(withData);
    const server = http.createServer((_q, res) => res.end(served));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      await assert.rejects(resolveImage(`http://127.0.0.1:${(server.address() as { port: number }).port}/x.qcow2`, { host, data }), /uses .*host-secret\.txt as its data file/);
    } finally { server.close(); }
    // a standalone qcow2 is fine
    const clean = path.join(outside, 'clean.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', clean, '1M']);
    assert.equal((await resolveImage(clean, { host, data })).format, 'qcow2');
    // a saved volume recorded on an external base is fine; that base's own data file is still refused
    const ov = path.join(outside, 'ov.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', clean, ov]);
    const saved = await new VolumeStore(data.volumes).createFrom(ov, { type: 'MACHINE_IMAGE_ORIGIN', tag: 'saved' });
    assert.equal((await resolveImage(saved.uuid, { host, data })).volumeId, saved.uuid);
    const ov2 = path.join(outside, 'ov2.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', withData, ov2]);
    const sneaky = await new VolumeStore(data.volumes).createFrom(ov2, { type: 'MACHINE_IMAGE_ORIGIN', tag: 'sneaky' });
    await assert.rejects(resolveImage(sneaky.uuid, { host, data }), /uses .*host-secret\.txt as its data file/);
  } finally {
    fs.rmSync(data.root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
