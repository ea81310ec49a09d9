import * as path from 'path';
import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.openSshTerminal: ssh with the instance's key and its pinned host keys (StrictHostKeyChecking=yes). */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.instances.openSshTerminal', async (arg?: unknown) => {
    const p = await pickInstance(ctx, arg, ['Running'], 'Open an SSH terminal on');
    if (!p) return;
    const r = p.record;
    if (p.mgr.host.kind !== 'local') {
      void vscode.window.showWarningMessage(`${r.id} runs on ${p.mgr.host.label}: its SSH port is on that host's loopback; open a terminal there.`);
      return;
    }
    const knownHosts = path.join(ctx.data.instances, r.id, 'known_hosts');
    await p.mgr.host.writeFile(knownHosts, r.sshHostKeys.map(k => `[${r.ip}]:${r.sshPort} ${k.split(' ').slice(0, 2).join(' ')}`).join('\n') + '\n');
    const term = vscode.window.createTerminal({
      name: `ssh ${r.name}`, shellPath: 'ssh',
      shellArgs: ['-p', String(r.sshPort), '-i', r.privateKeyPath ?? '', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', `${r.sshUser}@${r.ip}`],
    });
    term.show();
    return term;
  }));
}
