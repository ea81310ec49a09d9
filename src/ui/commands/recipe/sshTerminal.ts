import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import type { UiContext } from '../../context';
import type { BuildNode } from './buildsTree';
import type { BuildsModel } from './model';
import { liveBuild } from './buildArgs';

/** stratus.build.sshTerminal: an ssh terminal into a kept (or running) build VM, with its host keys pinned. */
export function register(ctx: UiContext, model: BuildsModel): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.build.sshTerminal', async (arg?: BuildNode | string) => {
    const l = liveBuild(model, arg);
    const rec = await l?.build.instance();
    if (!l || !rec) { if (l) void vscode.window.showWarningMessage('The build VM is gone.'); return; }
    if (rec.hostId !== 'local') { void vscode.window.showWarningMessage(`The build VM runs on host ${rec.hostId}: open a terminal there and use ssh -p ${rec.sshPort} root@127.0.0.1.`); return; }
    // Pin the guest's host keys (read from its serial log) instead of trusting on first use.
    const knownHosts = path.join(l.build.dir, 'known_hosts');
    await fs.promises.writeFile(knownHosts, rec.sshHostKeys.map(k => `[${rec.ip}]:${rec.sshPort} ${k}\n`).join(''));
    const args = ['-p', String(rec.sshPort), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', rec.sshHostKeys.length ? 'StrictHostKeyChecking=yes' : 'StrictHostKeyChecking=accept-new'];
    if (rec.privateKeyPath) args.push('-i', rec.privateKeyPath);
    const t = vscode.window.createTerminal({ name: `Build VM ${rec.name}`, shellPath: 'ssh', shellArgs: [...args, `${rec.sshUser}@${rec.ip}`] });
    t.show();
    ctx.log.info(`SSH terminal to build VM ${rec.id}`);
  }));
}
