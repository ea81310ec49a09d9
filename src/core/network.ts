/**
 * Guest networking vocabulary shared by the backends, the CLI and the UI: network modes and
 * published ports in docker's `-p` syntax.
 */

/** nat: outbound through the host (default); isolated: sealed, only SSH reaches the guest; bridge:NAME: on a host bridge. */
export type NetworkMode = 'nat' | 'isolated' | `bridge:${string}`;

export const DEFAULT_NETWORK: NetworkMode = 'nat';

/** A guest port reachable on the instance's host at hostAddr:hostPort. */
export interface PortMapping { hostAddr: string; hostPort: number; guestPort: number; proto: 'tcp' | 'udp' }

export class NetworkSpecError extends Error {}

/** Linux interface names: 1–15 characters, no '/', ':', ',' or spaces (',' would also break qemu's option syntax). */
const BRIDGE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

export function parseNetworkMode(s: string): NetworkMode {
  const v = s.trim();
  if (v === 'nat' || v === 'isolated') return v;
  if (v.startsWith('bridge:')) {
    const name = v.slice('bridge:'.length);
    if (BRIDGE_NAME.test(name)) return `bridge:${name}`;
    throw new NetworkSpecError(`Invalid bridge name '${name}': use bridge:NAME with the host's bridge (e.g. bridge:br0).`);
  }
  throw new NetworkSpecError(`Unknown network mode '${v}': use nat, isolated or bridge:NAME.`);
}

export function bridgeName(mode: NetworkMode): string | undefined {
  return mode.startsWith('bridge:') ? mode.slice('bridge:'.length) : undefined;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function port(s: string, what: string, spec: string, min: number): number {
  const n = /^\d{1,5}$/.test(s) ? Number(s) : NaN;
  if (!(n >= min && n <= 65535)) throw new NetworkSpecError(`Invalid ${what} '${s}' in '${spec}': use a number ${min}–65535 (e.g. -p 8080:80).`);
  return n;
}

/** Docker's `[HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]`; HOSTPORT 0 = any free port, HOSTADDR default 127.0.0.1. */
export function parsePublish(spec: string): PortMapping {
  const s = spec.trim();
  const slash = s.lastIndexOf('/');
  const proto = slash < 0 ? 'tcp' : s.slice(slash + 1).toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp') throw new NetworkSpecError(`Invalid protocol '${proto}' in '${spec}': use /tcp or /udp.`);
  const parts = (slash < 0 ? s : s.slice(0, slash)).split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new NetworkSpecError(`Invalid port mapping '${spec}': use [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp], e.g. 8080:80 or 127.0.0.1:0:80.`);
  }
  const hostAddr = parts.length === 3 ? parts[0] : '127.0.0.1';
  if (!IPV4.test(hostAddr)) throw new NetworkSpecError(`Invalid host address '${hostAddr}' in '${spec}': use an IPv4 address such as 127.0.0.1.`);
  return { hostAddr, hostPort: port(parts[parts.length - 2], 'host port', spec, 0), guestPort: port(parts[parts.length - 1], 'guest port', spec, 1), proto };
}

/** `127.0.0.1:8080->80/tcp`, as docker ps shows it. */
export function formatPort(p: PortMapping): string {
  return `${p.hostAddr}:${p.hostPort}->${p.guestPort}/${p.proto}`;
}

export function isLoopback(addr: string): boolean { return /^127\./.test(addr); }

/** The URL a browser opens for a published TCP port (http, or https for 443/8443). */
export function portUrl(p: Pick<PortMapping, 'hostAddr' | 'hostPort' | 'guestPort'>): string {
  const host = p.hostAddr === '0.0.0.0' ? '127.0.0.1' : p.hostAddr;
  return `${p.guestPort === 443 || p.guestPort === 8443 ? 'https' : 'http'}://${host}:${p.hostPort}/`;
}

/** The `slterms:inbound-port` values of image metadata (0, "all ports", cannot be published and is left out). */
export function inboundPorts(metadataXml: string): number[] {
  const out = new Set<number>();
  for (const m of metadataXml.matchAll(/<(?:[A-Za-z0-9_-]+:)?inbound-port(?:\s[^>]*)?>\s*(\d{1,5})\s*</g)) {
    const n = Number(m[1]);
    if (n > 0 && n <= 65535) out.add(n);
  }
  return [...out];
}
