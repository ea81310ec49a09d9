import * as dgram from 'dgram';
import * as net from 'net';
import type { Host } from '../host/host';
import { bridgeName, formatPort, type NetworkMode, type PortMapping } from '../../core/network';
import { BRIDGE_HELPER } from './qemu';

/** A user-facing network problem (a port in use, a missing bridge): one line that says what to do. */
export class NetworkError extends Error {}

export interface NetworkPlan {
  /** libvirt: the libvirt network the guest's outbound NIC joins. */
  libvirtNetwork?: string;
  detail: string;
}

/** How a mode is realised on this host and driver; a bridge that is not there is refused before anything is created. */
export async function planNetwork(host: Host, driver: 'qemu' | 'libvirt', mode: NetworkMode, libvirtNetworkActive?: (name: string) => Promise<boolean>): Promise<NetworkPlan> {
  if (mode === 'isolated') return { detail: 'isolated: QEMU user networking, restricted (only SSH and published ports reach the guest; it reaches nothing)' };
  const br = bridgeName(mode);
  if (br !== undefined) {
    const st = await host.stat(`/sys/class/net/${br}/bridge`);
    if (!st?.isDirectory) {
      throw new NetworkError(`There is no bridge '${br}' on ${host.label}: create it first (e.g. ip link add ${br} type bridge) or choose --network nat.`);
    }
    if (driver === 'qemu') {
      if (!(await host.stat(BRIDGE_HELPER))) throw new NetworkError(`${BRIDGE_HELPER} is missing on ${host.label}: install qemu-system-common, or use the libvirt driver for bridge:${br}.`);
      const conf = await host.readFile('/etc/qemu/bridge.conf').then(b => b.toString('utf8'), () => '');
      if (!conf.split('\n').some(l => /^\s*allow\s+(all|\S+)\s*$/.test(l) && [br, 'all'].includes(l.trim().split(/\s+/)[1]))) {
        throw new NetworkError(`qemu-bridge-helper on ${host.label} does not allow '${br}': add the line 'allow ${br}' to /etc/qemu/bridge.conf.`);
      }
    }
    return { detail: `bridge '${br}' (${driver === 'qemu' ? 'qemu-bridge-helper' : 'libvirt'}); SSH and published ports through restricted QEMU user networking` };
  }
  if (driver === 'libvirt' && libvirtNetworkActive && await libvirtNetworkActive('default').catch(() => false)) {
    return { libvirtNetwork: 'default', detail: "libvirt network 'default' (NAT); SSH and published ports through QEMU user networking" };
  }
  return { detail: driver === 'libvirt' ? "QEMU user networking (NAT): libvirt network 'default' is not active" : 'QEMU user networking (NAT)' };
}

/**
 * Resolves hostPort 0 to a free port and checks every asked host port is free on the instance's host,
 * before anything is created: qemu would otherwise die half-started with a terse hostfwd error.
 */
export async function reservePorts(host: Host, ports: PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const p of ports) {
    const clash = out.find(o => o.hostPort === p.hostPort && p.hostPort !== 0 && o.proto === p.proto);
    if (clash) throw new NetworkError(`Host port ${p.hostPort}/${p.proto} is published twice (${formatPort(clash)} and ${formatPort(p)}): give each its own host port.`);
    const got = await bindTest(host, p.hostAddr, p.hostPort, p.proto);
    if (got === 'in-use') throw new NetworkError(`Host port ${p.hostAddr}:${p.hostPort}/${p.proto} is already in use on ${host.label}: choose another (-p OTHER:${p.guestPort}) or 0 for a free one.`);
    if (got === 'no-address') throw new NetworkError(`${p.hostAddr} is not an address of ${host.label}: publish on 127.0.0.1 (the default) or one of its addresses.`);
    out.push({ ...p, hostPort: got });
  }
  return out;
}

/** Binds addr:port (0 = any) on the host and releases it: the port it got, or why not. */
async function bindTest(host: Host, addr: string, port: number, proto: 'tcp' | 'udp'): Promise<number | 'in-use' | 'no-address'> {
  if (host.kind === 'local') {
    return new Promise(resolve => {
      const fail = (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRNOTAVAIL' ? 'no-address' : 'in-use');
      if (proto === 'udp') {
        const s = dgram.createSocket('udp4');
        s.once('error', fail);
        s.bind(port, addr, () => { const got = s.address().port; s.close(() => resolve(got)); });
      } else {
        const s = net.createServer();
        s.once('error', fail);
        s.listen(port, addr, () => { const got = (s.address() as net.AddressInfo).port; s.close(() => resolve(got)); });
      }
    });
  }
  const py = 'import socket,sys,errno\n' +
    `s=socket.socket(socket.AF_INET,socket.${proto === 'udp' ? 'SOCK_DGRAM' : 'SOCK_STREAM'})\n` +
    'try:\n  s.bind((sys.argv[1],int(sys.argv[2])))\n' +
    'except OSError as e:\n  print("no-address" if e.errno==errno.EADDRNOTAVAIL else "in-use");sys.exit(0)\n' +
    'print(s.getsockname()[1])\n';
  const out = (await host.run(['python3', '-c', py, addr, String(port)])).trim();
  return out === 'in-use' || out === 'no-address' ? out : parseInt(out, 10);
}

