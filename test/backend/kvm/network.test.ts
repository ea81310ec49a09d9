import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'net';
import { LocalHost } from '../../../src/backend/host/local';
import { NetworkError, planNetwork, reservePorts } from '../../../src/backend/kvm/network';

test('reservePorts: 0 becomes a free port; a port in use or published twice is refused with one line', async () => {
  const host = new LocalHost();
  const [p] = await reservePorts(host, [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 80, proto: 'tcp' }]);
  assert.ok(p.hostPort > 0 && p.guestPort === 80);
  const busy = net.createServer();
  await new Promise<void>(r => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    await assert.rejects(reservePorts(host, [{ hostAddr: '127.0.0.1', hostPort: port, guestPort: 8000, proto: 'tcp' }]),
      (e: Error) => e instanceof NetworkError && e.message === `Host port 127.0.0.1:${port}/tcp is already in use on ${host.label}: choose another (-p OTHER:8000) or 0 for a free one.`);
    // the same number over udp is another port
    const [u] = await reservePorts(host, [{ hostAddr: '127.0.0.1', hostPort: port, guestPort: 53, proto: 'udp' }]);
    assert.equal(u.hostPort, port);
  } finally { busy.close(); }
  await assert.rejects(reservePorts(host, [{ hostAddr: '127.0.0.1', hostPort: 18080, guestPort: 80, proto: 'tcp' }, { hostAddr: '127.0.0.1', hostPort: 18080, guestPort: 81, proto: 'tcp' }]), /published twice/);
  await assert.rejects(reservePorts(host, [{ hostAddr: '192.0.2.77', hostPort: 0, guestPort: 80, proto: 'tcp' }]), /is not an address of/);
});

test('planNetwork: a missing bridge is refused up front; nat and isolated say how they are realised', async () => {
  const host = new LocalHost();
  await assert.rejects(planNetwork(host, 'qemu', 'bridge:nosuchbr0'), (e: Error) => e instanceof NetworkError && /There is no bridge 'nosuchbr0'.*--network nat/.test(e.message));
  assert.equal((await planNetwork(host, 'qemu', 'nat')).detail, 'QEMU user networking (NAT)');
  assert.match((await planNetwork(host, 'qemu', 'isolated')).detail, /^isolated: /);
  const viaDefault = await planNetwork(host, 'libvirt', 'nat', async n => n === 'default');
  assert.deepEqual(viaDefault.libvirtNetwork, 'default');
  assert.match(viaDefault.detail, /^libvirt network 'default'/);
  const inactive = await planNetwork(host, 'libvirt', 'nat', async () => false);
  assert.equal(inactive.libvirtNetwork, undefined);
  assert.match(inactive.detail, /QEMU user networking \(NAT\): libvirt network 'default' is not active/);
});
