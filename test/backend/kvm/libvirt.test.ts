import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from '../../../src/core/xml';
import { METADATA_NS, domainXml } from '../../../src/backend/kvm/libvirt';

test('domain XML: qemu type for TCG, our metadata tag, NIC with an explicit PCI address, paths escaped', () => {
  const xml = domainXml({
    id: 'i-1', name: "it's <mine>", dir: "/tmp/a'b&c/i-1", vcpu: 2, memoryMiB: 1024, accel: 'tcg', sshPort: 2222,
    disks: [{ path: "/tmp/a'b&c/i-1/root.qcow2", format: 'qcow2' }, { path: '/tmp/x/cidata.iso', format: 'raw', media: 'cdrom' }],
    guestForwards: [{ guestAddr: '10.0.2.100', guestPort: 8080, hostPort: 3128 }],
  });
  parseXml(xml);   // well-formed despite the quotes and ampersands
  assert.match(xml, /^<domain type='qemu'/);
  assert.ok(xml.includes(`<stratus:instance xmlns:stratus='${METADATA_NS}' id='i-1'/>`));
  assert.ok(xml.includes("<source file='/tmp/a&apos;b&amp;c/i-1/root.qcow2'/>"));
  assert.ok(xml.includes('virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x10'));
  assert.ok(xml.includes('hostfwd=tcp:127.0.0.1:2222-:22,guestfwd=tcp:10.0.2.100:8080-cmd:nc 127.0.0.1 3128'));
  assert.ok(xml.includes("<target dev='sda' bus='sata'/><readonly/>"));
  assert.throws(() => domainXml({ id: 'i', name: 'n', dir: '/d/i', vcpu: 1, memoryMiB: 512, accel: 'tcg', sshPort: 1, disks: [],
    guestForwards: [{ guestAddr: '10.0.2.100,hostfwd=tcp::1-:2', guestPort: 1, hostPort: 2 }] }), /invalid/);
});

test('domain XML per network mode: nat user networking without restrict plus published ports, libvirt NAT network and bridge NICs', () => {
  const base = { id: 'i-2', name: 'n', dir: '/d/i-2', vcpu: 1, memoryMiB: 512, accel: 'tcg' as const, sshPort: 2200, disks: [], guestForwards: [] };
  const nat = domainXml({ ...base, network: 'nat', ports: [{ hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80, proto: 'tcp' }] });
  assert.ok(nat.includes("<qemu:arg value='user,id=n0,hostfwd=tcp:127.0.0.1:2200-:22,hostfwd=tcp:127.0.0.1:8080-:80'/>"));
  assert.ok(!nat.includes('<interface'));
  const dflt = domainXml({ ...base, network: 'nat', libvirtNetwork: 'default' });
  parseXml(dflt);
  assert.ok(dflt.includes("<interface type='network'><source network='default'/><model type='virtio'/></interface>"));
  const br = domainXml({ ...base, network: 'bridge:br0' });
  assert.ok(br.includes("<interface type='bridge'><source bridge='br0'/>"));
  assert.ok(br.includes('restrict=on'));
  assert.ok(domainXml({ ...base, network: 'isolated' }).includes('user,id=n0,restrict=on,'));
  assert.throws(() => domainXml({ ...base, libvirtNetwork: "x'/><evil" }), /invalid libvirt network/);
});
