import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import type { Host } from '../../../src/backend/host/host';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { dataLayout } from '../../../src/backend/paths';
import type { InstanceRecord } from '../../../src/backend/kvm/types';

/** A remote host's one capability the forwards use: a TCP channel to a port on that host. Here every channel goes to
 * a small server on this machine's loopback that stands for the guest's published port on the remote host. */
function remoteHost(guestPort: number): Host {
  return { kind: 'ssh', id: 'ssh:test', label: 'test-host', connectTcp: () => new Promise((res, rej) => {
    const s = net.connect(guestPort, '127.0.0.1', () => res(s)); s.once('error', rej);
  }) } as unknown as Host;
}
const freePort = () => new Promise<number>(r => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => r(p)); }); });

const connects = (port: number) => new Promise<boolean>(res => {
  const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true); }); s.once('error', () => res(false));
});

test('a replaced manager closes its local ends of remote published ports; the next one opens the same port numbers', async () => {
  const guest = net.createServer(s => s.end('hello from the guest\n'));
  await new Promise<void>(r => guest.listen(0, '127.0.0.1', r));
  const guestPort = (guest.address() as net.AddressInfo).port;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-fw-'));
  const host = remoteHost(guestPort);
  // the port the instance has on the remote host; free here, so the local end takes the same number
  const remotePort = await freePort();
  const rec = { id: 'i1', state: 'Running', ports: [{ hostAddr: '127.0.0.1', hostPort: remotePort, guestPort: 80, proto: 'tcp' }] } as unknown as InstanceRecord;
  const first = new InstanceManager({ host, data: dataLayout(path.join(tmp, 'a')) });
  const [a] = (await (first as any).forwards.sync(rec))!;
  const read = (port: number) => new Promise<string>((res, rej) => { let d = ''; net.connect(port, '127.0.0.1').on('data', c => { d += c; }).on('end', () => res(d)).on('error', rej); });
  assert.equal(a.hostPort, remotePort, 'the local end has the remote port number');
  assert.equal(await read(a.hostPort), 'hello from the guest\n', 'the forward reaches the guest');
  first.dispose();
  await new Promise(r => setTimeout(r, 50));
  assert.equal(await connects(a.hostPort), false, 'the old manager no longer listens');
  const second = new InstanceManager({ host, data: dataLayout(path.join(tmp, 'b')) });
  const [b] = (await (second as any).forwards.sync(rec))!;
  assert.equal(b.hostPort, a.hostPort, 'the same local port number again (a leftover listener would push it elsewhere)');
  assert.equal(await read(b.hostPort), 'hello from the guest\n');
  second.dispose();
  guest.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
