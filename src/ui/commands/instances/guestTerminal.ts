import * as fs from 'fs';
import * as path from 'path';
import type { Host } from '../../../backend/host/host';
import { guestKnownHosts, guestSshArgv } from '../../../backend/host/guestSsh';
import { sshRouteTo } from '../../../backend/host/remoteHosts';
import { SshHost } from '../../../backend/host/ssh';
import type { InstanceRecord } from '../../../backend/kvm/types';
import type { UiContext } from '../../context';

/**
 * The `ssh` arguments of a terminal into a guest (an instance or a build VM) of `host`. The guest's
 * pinned keys go to `knownHostsFile` on this machine, where ssh runs; a guest of a remote host is reached
 * through that host, whose key is checked against the same files the extension's connection uses.
 */
export async function guestTerminalArgs(ctx: UiContext, host: Host, rec: InstanceRecord, knownHostsFile: string): Promise<string[]> {
  await fs.promises.mkdir(path.dirname(knownHostsFile), { recursive: true });
  await fs.promises.writeFile(knownHostsFile, guestKnownHosts(rec.ip, rec.sshPort, rec.sshHostKeys), { mode: 0o600 });
  const via = host instanceof SshHost ? sshRouteTo(host, ctx.data.root) : undefined;
  return guestSshArgv({
    host: rec.ip, port: rec.sshPort, user: rec.sshUser, identityFile: rec.privateKeyPath,
    knownHostsFile, pinned: rec.sshHostKeys.length > 0,
  }, { via });
}

/** Where this machine keeps a guest's pinned keys for ssh: beside a local instance, per host for a remote one. */
export function guestKnownHostsFile(ctx: UiContext, host: Host, id: string): string {
  return host.kind === 'local' ? path.join(ctx.data.instances, id, 'known_hosts') : path.join(ctx.data.root, 'hosts', host.id, 'instances', id, 'known_hosts');
}
