import type { SshHostSpec } from './connections';
import { shellQuote } from './host';
import { knownHostName } from './knownHosts';

/**
 * The OpenSSH command line (argv after `ssh`) for an interactive terminal into a guest. A guest on a
 * remote KVM host listens on that host's loopback, so ssh reaches it through a ProxyCommand that runs
 * `ssh -W` to the remote host (and, nested the same way, to its ProxyJump hosts). A ProxyCommand rather
 * than -J: -J gives the jump hosts none of our -i/-o options, so their host keys would not be checked
 * against the extension's known_hosts file.
 *
 * Every value is its own argv item. Two things OpenSSH does to values are undone here: it expands
 * `%` tokens in ProxyCommand, IdentityFile and UserKnownHostsFile (so `%` is written `%%`), and it splits
 * `-o` values like a config line (so file names are double-quoted). Keys go as `-o IdentityFile=`, not
 * `-i`: ssh checks an -i name exists before expanding it, so a name with `%` could never pass both.
 * ProxyCommand is run by a shell: its words are quoted with shellQuote.
 */

export interface SshHop { host: string; port: number; user: string; identityFiles?: string[] }

export interface GuestSshTarget {
  /** Address and port as seen from the last hop (the KVM host), e.g. 127.0.0.1 and the forwarded port. */
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  /** This machine's file holding the guest's pinned keys (see guestKnownHosts). */
  knownHostsFile: string;
  /** True when knownHostsFile holds the guest's keys (from its console); without them no terminal is opened. */
  pinned: boolean;
}

export interface GuestSshOptions {
  /** Hosts to go through, outermost first; the last one is the KVM host whose loopback the guest is on. */
  via?: { hops: SshHop[]; knownHostsFiles: string[] };
  /** No prompts at all (tests, scripts). */
  batchMode?: boolean;
  /** The ssh program the ProxyCommand runs (default `ssh` from PATH). */
  ssh?: string;
}

/** The hops to a remote host as its connection resolved them: ProxyJump hosts first, then the host. */
export function hopsOf(spec: SshHostSpec): SshHop[] {
  const hop = (s: SshHostSpec): SshHop => ({ host: s.host, port: s.port, user: s.user, identityFiles: s.identityFiles });
  return [...(spec.proxyJump ?? []).map(hop), hop(spec)];
}

/** known_hosts lines pinning a guest's keys (OpenSSH public-key lines; comments dropped) at host:port. */
export function guestKnownHosts(host: string, port: number, keys: string[]): string {
  return keys.map(k => k.trim().split(/\s+/).slice(0, 2).join(' ')).filter(k => k.includes(' ')).map(k => `${knownHostName(host, port)} ${k}\n`).join('');
}

export function guestSshArgv(guest: GuestSshTarget, o: GuestSshOptions = {}): string[] {
  // no accept-new: a key first seen over the network proves nothing (anything on that port could answer)
  if (!guest.pinned) throw new Error(`No host key is known for the guest at ${guest.host}:${guest.port} yet (it has not printed its keys on the console): wait until it is Running.`);
  const common = o.batchMode ? ['-o', 'BatchMode=yes'] : [];
  const args = [
    '-l', guest.user, '-p', String(guest.port),
    ...(guest.identityFile ? ['-o', `IdentityFile=${configFiles([guest.identityFile])}`, '-o', 'IdentitiesOnly=yes'] : []),
    // only the pinned keys count: no entry in the system-wide file can vouch for a guest
    '-o', `UserKnownHostsFile=${configFiles([guest.knownHostsFile])}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    ...common,
  ];
  if (o.via?.hops.length) args.push('-o', `ProxyCommand=${proxyCommand(o.via.hops, guest, o.via.knownHostsFiles, common, o.ssh ?? 'ssh')}`);
  return [...args, '--', guest.host];
}

/** A ProxyCommand value connecting stdin/stdout to `dest` through `hops` (the last one reaches dest). */
function proxyCommand(hops: SshHop[], dest: { host: string; port: number }, knownHostsFiles: string[], common: string[], ssh: string): string {
  const last = hops[hops.length - 1];
  const before = hops.slice(0, -1);
  const argv = [
    ssh, '-l', last.user, '-p', String(last.port),
    ...(last.identityFiles ?? []).flatMap(f => ['-o', `IdentityFile=${configFiles([f])}`]),
    '-o', `UserKnownHostsFile=${configFiles(knownHostsFiles)}`, '-o', 'StrictHostKeyChecking=yes',
    ...common,
    ...(before.length ? ['-o', `ProxyCommand=${proxyCommand(before, last, knownHostsFiles, common, ssh)}`] : []),
    '-W', `${dest.host.includes(':') ? `[${dest.host}]` : dest.host}:${dest.port}`, '--', last.host,
  ];
  // the ssh reading this value expands its % tokens once, then a shell splits it into argv
  return pct(shellQuote(argv));
}

const pct = (s: string) => s.replace(/%/g, '%%');

/** A file name OpenSSH will token-expand: `${` (environment expansion) has no escape, so it is refused. */
function fileArg(f: string): string {
  if (f.includes('${')) throw new Error(`ssh would expand '\${…}' in the file name ${f}: move or rename it`);
  if (f.includes('\\')) throw new Error(`ssh reads '\\' in ${f} as an escape: move or rename it`);
  return pct(f);
}

/** Several files as one `-o` value: each double-quoted (names may hold spaces), separated by a space. */
function configFiles(files: string[]): string {
  return files.map(f => `"${fileArg(f).replace(/"/g, '\\"')}"`).join(' ');
}
