import { bridgeName, type NetworkMode, type PortMapping } from '../../core/network';
import type { GuestForward } from './types';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const okPort = (p: unknown, min = 1) => Number.isInteger(p) && Number(p) >= min && Number(p) < 65536;

/**
 * The slirp (QEMU user networking) netdev every guest has: SSH on the host's loopback, published ports,
 * guestfwd entries. `nat` lets the guest out through the host; `isolated` and bridge mode restrict it
 * (in bridge mode the bridge NIC is the guest's way out, slirp only carries SSH and published ports).
 * Values are checked here because a ',' in any of them would add qemu options.
 */
export function slirpNetdev(o: { sshPort: number; network?: NetworkMode; ports?: PortMapping[]; guestForwards: GuestForward[] }): string {
  const network = o.network ?? 'isolated';   // domains defined before network modes were sealed
  const parts = ['user', 'id=n0'];
  if (network !== 'nat') parts.push('restrict=on');
  if (!okPort(o.sshPort)) throw new Error(`invalid SSH port ${o.sshPort}`);
  parts.push(`hostfwd=tcp:127.0.0.1:${o.sshPort}-:22`);
  for (const p of o.ports ?? []) {
    if (!IPV4.test(p.hostAddr) || !okPort(p.hostPort) || !okPort(p.guestPort) || (p.proto !== 'tcp' && p.proto !== 'udp')) {
      throw new Error(`published port: invalid ${JSON.stringify(p)}`);
    }
    parts.push(`hostfwd=${p.proto}:${p.hostAddr}:${p.hostPort}-:${p.guestPort}`);
  }
  for (const f of o.guestForwards) {
    for (const [k, v] of [['guestAddr', f.guestAddr], ['guestPort', f.guestPort], ['hostPort', f.hostPort]] as const) {
      if (k === 'guestAddr' ? !IPV4.test(String(v)) : !okPort(v)) throw new Error(`guest forward: invalid ${k} ${v}`);
    }
    parts.push(`guestfwd=tcp:${f.guestAddr}:${f.guestPort}-cmd:nc 127.0.0.1 ${f.hostPort}`);
  }
  return parts.join(',');
}

/** The bridge of a bridge:NAME mode, checked for characters qemu or libvirt XML would misread. */
export function checkedBridge(network: NetworkMode | undefined): string | undefined {
  const br = network && bridgeName(network);
  if (br !== undefined && !/^[A-Za-z0-9_.-]{1,15}$/.test(br)) throw new Error(`invalid bridge name ${br}`);
  return br;
}
