import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuArgv, freePort } from '../../../src/backend/kvm/qemu';
import type { DomainSpec } from '../../../src/backend/kvm/driver';
import { LocalHost } from '../../../src/backend/host/local';

const spec: DomainSpec = {
  id: 'vm-1', name: 'one', dir: '/data/instances/vm-1', vcpu: 2, memoryMiB: 1024, accel: 'tcg', sshPort: 40022,
  disks: [{ path: '/data/instances/vm-1/overlay.qcow2', format: 'qcow2', id: 'root' }, { path: '/x,y/cidata.iso', format: 'raw', media: 'cdrom', readonly: true }],
  guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 8080, hostPort: 41000 }],
};

test('qemu argv: restricted slirp, SSH forwarded on loopback only, guestfwd, escaped paths, daemonized with pid/QMP/serial', () => {
  const a = qemuArgv(spec);
  const net = a[a.indexOf('-netdev') + 1];
  assert.match(net, /^user,id=n0,restrict=on,hostfwd=tcp:127\.0\.0\.1:40022-:22,guestfwd=tcp:10\.0\.2\.100:8080-cmd:nc 127\.0\.0\.1 41000$/);
  assert.ok(a.includes('file=/x,,y/cidata.iso,format=raw,media=cdrom,if=ide,readonly=on'));
  assert.ok(a.some(x => x.startsWith('file=/data/instances/vm-1/overlay.qcow2,format=qcow2,id=root,if=virtio')));
  // two vCPUs under TCG share one thread (multi-threaded TCG let a vCPU run code the kernel was patching); one vCPU needs no choice
  assert.deepEqual(a.slice(a.indexOf('-accel'), a.indexOf('-accel') + 2), ['-accel', 'tcg,thread=single']);
  const one = qemuArgv({ ...spec, vcpu: 1 });
  assert.deepEqual(one.slice(one.indexOf('-accel'), one.indexOf('-accel') + 2), ['-accel', 'tcg']);
  assert.ok(a.includes('stratus-vm-1'), 'the process is tagged with the instance id');
  assert.equal(a[a.indexOf('-pidfile') + 1], '/data/instances/vm-1/qemu.pid');
  assert.equal(a[a.indexOf('-qmp') + 1], 'unix:/data/instances/vm-1/qmp.sock,server=on,wait=off');
  assert.ok(a.includes('-daemonize'));
  const kvm = qemuArgv({ ...spec, accel: 'kvm' });
  assert.deepEqual(kvm.slice(kvm.indexOf('-accel'), kvm.indexOf('-accel') + 4), ['-accel', 'kvm', '-cpu', 'host']);
});

test('qemu argv per network mode: nat drops restrict, published ports are hostfwd on their address, bridge adds a helper NIC', () => {
  const net = (a: string[]) => a.filter((_, i) => a[i - 1] === '-netdev');
  const nat = net(qemuArgv({ ...spec, guestForwards: [], network: 'nat', ports: [
    { hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80, proto: 'tcp' }, { hostAddr: '0.0.0.0', hostPort: 5353, guestPort: 53, proto: 'udp' }] }));
  assert.deepEqual(nat, ['user,id=n0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53']);
  assert.match(net(qemuArgv({ ...spec, network: 'isolated' }))[0], /^user,id=n0,restrict=on,/);
  assert.match(net(qemuArgv(spec))[0], /restrict=on/, 'a domain.json from before network modes stays sealed');
  const br = qemuArgv({ ...spec, network: 'bridge:br0' });
  assert.deepEqual(net(br).slice(1), ['bridge,id=n1,br=br0,helper=/usr/lib/qemu/qemu-bridge-helper']);
  assert.match(net(br)[0], /restrict=on/, 'in bridge mode slirp only carries SSH and published ports');
  assert.ok(br.includes('virtio-net-pci,netdev=n1'));
  assert.throws(() => qemuArgv({ ...spec, ports: [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 80, proto: 'tcp' }] }), /published port: invalid/);
  assert.throws(() => qemuArgv({ ...spec, ports: [{ hostAddr: '127.0.0.1,restrict=off', hostPort: 1, guestPort: 80, proto: 'tcp' }] }), /published port: invalid/);
  assert.throws(() => qemuArgv({ ...spec, network: 'bridge:br0,x' as never }), /invalid bridge/);
});

test('qemu argv refuses forward values that could smuggle options', () => {
  assert.throws(() => qemuArgv({ ...spec, guestForwards: [{ guestAddr: '10.0.2.100,hostfwd=tcp::1-:2', guestPort: 1, hostPort: 2 }] }), /invalid guestAddr/);
  assert.throws(() => qemuArgv({ ...spec, guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 70000, hostPort: 2 }] }), /invalid guestPort/);
});

test('freePort gives a bindable loopback port', async () => {
  const p = await freePort(new LocalHost());
  assert.ok(p > 1024 && p < 65536);
});
