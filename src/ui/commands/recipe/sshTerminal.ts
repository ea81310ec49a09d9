import * as vscode from 'vscode';
import * as path from 'path';
import type { UiContext } from '../../context';
import { hostRegistry } from '../../../backend/hosts/registry';
import { guestTerminalArgs } from '../instances/guestTerminal';
import type { BuildNode } from '../../services/nodes';
import { buildsModel } from '../../services/builds';
import { liveBuild } from './buildArgs';

/**
 * stratus.build.sshTerminal: an ssh terminal into a kept (or running) build VM, with its host keys
 * pinned (read from its serial log); a build VM of a remote host is reached through that host.
 */
export async function sshTerminal(ctx: UiContext, arg?: BuildNode | string) {
  const model = buildsModel(ctx);
  const l = liveBuild(model, arg);
  const rec = await l?.build.instance();
  if (!l || !rec) { if (l) void vscode.window.showWarningMessage('The build VM is gone.'); return undefined; }
  const host = hostRegistry().get(rec.hostId);
  if (!host) throw new Error(`The build VM runs on host ${rec.hostId}, which is no longer configured.`);
  let shellArgs: string[];
  // the build folder is on this machine whatever host the VM runs on
  shellArgs = await guestTerminalArgs(ctx, host, rec, path.join(l.build.dir, 'known_hosts'));
  const t = vscode.window.createTerminal({ name: `Build VM ${rec.name}${host.kind === 'local' ? '' : ` (${host.label})`}`, shellPath: 'ssh', shellArgs });
  t.show();
  ctx.log.info(`SSH terminal to build VM ${rec.id} on ${host.label}`);
  return t;
}
