import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { HostCommandError } from '../../../src/backend/host/host';

const host = new LocalHost();

test('exec passes arguments literally (no shell) and streams output', async () => {
  const chunks: string[] = [];
  const r = await host.exec(['printf', '%s|', 'a b', '$(id)', "'q'"], { onStdout: c => chunks.push(c) });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "a b|$(id)|'q'|");
  assert.equal(chunks.join(''), r.stdout);
});

test('exec feeds input, reports non-zero exits; run throws with stderr', async () => {
  assert.equal((await host.exec(['cat'], { input: 'hello' })).stdout, 'hello');
  assert.equal((await host.exec(['sh', '-c', 'exit 3'])).code, 3);
  await assert.rejects(host.run(['sh', '-c', 'echo boom >&2; exit 1']), (e: Error) => e instanceof HostCommandError && /boom/.test(e.message));
  await assert.rejects(host.exec(['no-such-tool-xyz']), /not installed/);
});

test('exec is cancelled by an AbortSignal and by its timeout', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  const p = host.exec(['sleep', '30'], { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(p, (e: Error) => e.name === 'AbortError');
  await assert.rejects(host.exec(['sleep', '30'], { timeoutMs: 100 }), /timed out/);
  assert.ok(Date.now() - t0 < 5000);
});

test('writeFile is atomic (temp + rename) and leaves no temp files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-local-'));
  try {
    const f = path.join(dir, 'x.json');
    await host.writeFile(f, 'one');
    await host.writeFile(f, 'two', 0o600);
    assert.equal(fs.readFileSync(f, 'utf8'), 'two');
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(dir), ['x.json']);
    assert.equal((await host.stat(f))?.size, 3);
    assert.equal(await host.stat(path.join(dir, 'missing')), undefined);
    await host.upload(f, path.join(dir, 'copy'));
    assert.equal(fs.readFileSync(path.join(dir, 'copy'), 'utf8'), 'two');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('freeSpace works for paths that do not exist yet', async () => {
  const free = await host.freeSpace(path.join(os.tmpdir(), 'no', 'such', 'dir'));
  const s = fs.statfsSync(os.tmpdir());
  assert.equal(free, s.bavail * s.bsize);
});

test('connectTcp reaches a loopback server', async () => {
  const server = net.createServer(s => s.end('hi'));
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  try {
    const sock = await host.connectTcp('127.0.0.1', (server.address() as net.AddressInfo).port);
    const data = await new Promise<string>(r => { let b = ''; sock.on('data', d => b += d); sock.on('end', () => r(b)); });
    assert.equal(data, 'hi');
  } finally { server.close(); }
});
