import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { guestKnownHostsFile, guestTerminalArgs } from './guestTerminal';
import { pickInstance } from './pick';

/**
 * stratus.instances.openSshTerminal: OpenSSH with the instance's key and its pinned host keys; for an
 * instance of a remote host, through that host (its SSH port is on that host's loopback).
 */
export async function openSshTerminal(ctx: UiContext, arg?: unknown) {
  const p = await pickInstance(ctx, arg, ['Running'], 'Open an SSH terminal on');
  if (!p) return undefined;
  const r = p.record;
  // an id or a tree node skips the picker's filter: a stopped guest would only give a refused connection
  if (r.state !== 'Running') {
    void vscode.window.showWarningMessage(`Open SSH Terminal: ${r.name} (${r.id}) on ${p.mgr.host.label} is ${r.state}, not Running.`);
    return undefined;
  }
  let shellArgs: string[];
  shellArgs = await guestTerminalArgs(ctx, p.mgr.host, r, guestKnownHostsFile(ctx, p.mgr.host, r.id));
  const term = vscode.window.createTerminal({ name: `ssh ${r.name}${p.mgr.host.kind === 'local' ? '' : ` (${p.mgr.host.label})`}`, shellPath: 'ssh', shellArgs });
  term.show();
  return term;
}
