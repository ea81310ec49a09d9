import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { QmpClient, QmpError, qemuOptValue } from '../../../src/backend/kvm/qmp';

/** A fake QMP server on a unix socket speaking the real protocol's framing. */
function fakeQmp(sock: string, seen: unknown[]): net.Server {
  return net.createServer(c => {
    c.write('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\r\n');
    let buf = '';
    c.on('data', d => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(buf.slice(0, nl)); buf = buf.slice(nl + 1);
        seen.push(m);
        if (!c.writable) return;   // after quit: like qemu, answer nothing more
        if (m.execute === 'query-status') {
          c.write('{"event": "RESUME", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}}\r\n');
          c.write(JSON.stringify({ return: { status: 'running', running: true }, id: m.id }) + '\r\n');
        } else if (m.execute === 'bogus') c.write(JSON.stringify({ error: { class: 'CommandNotFound', desc: 'The command bogus has not been found' }, id: m.id }) + '\r\n');
        else if (m.execute === 'quit') { c.write(JSON.stringify({ return: {}, id: m.id }) + '\r\n'); c.end(); }
        else c.write(JSON.stringify({ return: {}, id: m.id }) + '\r\n');
      }
    });
  });
}

test('QMP client: greeting, capabilities, id-matched replies, events, errors, close', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-qmp-'));
  const sock = path.join(dir, 'qmp.sock');
  const seen: any[] = [];
  const server = fakeQmp(sock, seen);
  await new Promise<void>(r => server.listen(sock, r));
  try {
    const c = await QmpClient.connect(net.connect(sock));
    const events: string[] = [];
    c.onEvent = e => events.push(e.event);
    assert.equal(seen[0].execute, 'qmp_capabilities');
    assert.deepEqual(await c.execute('query-status'), { status: 'running', running: true });
    assert.deepEqual(events, ['RESUME']);
    await assert.rejects(c.execute('bogus'), (e: Error) => e instanceof QmpError && e.klass === 'CommandNotFound');
    await c.execute('device_del', { id: 'd1' });
    assert.deepEqual(seen.at(-1).arguments, { id: 'd1' });
    await c.execute('quit');
    await assert.rejects(c.execute('query-status'), /closed/);
  } finally { server.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('QMP client: a socket that never greets times out with a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-qmp-'));
  const sock = path.join(dir, 'mute.sock');
  const server = net.createServer(() => { /* silent */ });
  await new Promise<void>(r => server.listen(sock, r));
  try {
    await assert.rejects(QmpClient.connect(net.connect(sock), 200), /no greeting/);
  } finally { server.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('qemu option values double their commas', () => {
  assert.equal(qemuOptValue('/a,b/c,,d'), '/a,,b/c,,,,d');
});
