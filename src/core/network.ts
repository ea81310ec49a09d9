/** How an instance is networked, and the ports it publishes (docker's `-p` syntax). */
export type NetworkMode = 'nat' | 'isolated' | `bridge:${string}`;

export interface PortMapping { hostAddr: string; hostPort: number; guestPort: number; proto: 'tcp' | 'udp' }

const port = (s: string, what: string, zeroOk: boolean): number => {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535 || (!zeroOk && n === 0)) throw new Error(`invalid ${what} '${s}' in a publish spec (1-65535${zeroOk ? ', or 0 for any free port' : ''})`);
  return n;
};

/** `[HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]`; HOSTPORT 0 = a free port chosen at launch; HOSTADDR defaults to 127.0.0.1. */
export function parsePublish(spec: string): PortMapping {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[^:/]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(spec.trim());
  if (!m) throw new Error(`invalid publish spec '${spec}': use [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp], e.g. 8080:80 or 0:80`);
  return { hostAddr: m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1', hostPort: port(m[2], 'host port', true), guestPort: port(m[3], 'guest port', false), proto: (m[4] as 'tcp' | 'udp') ?? 'tcp' };
}

export function parseNetworkMode(s: string): NetworkMode {
  if (s === 'nat' || s === 'isolated' || /^bridge:[A-Za-z0-9_.-]+$/.test(s)) return s as NetworkMode;
  throw new Error(`invalid network '${s}': use nat, isolated or bridge:NAME`);
}
