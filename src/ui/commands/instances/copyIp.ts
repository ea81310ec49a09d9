import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.copyIp: the address SSH reaches the guest at (host loopback + forwarded port). */
export async function copyIp(ctx: UiContext, arg?: unknown) {
  const p = await pickInstance(ctx, arg, ['Running', 'Prolog'], 'Copy the address of');
  if (!p) return;
  const text = `${p.record.ip}:${p.record.sshPort}`;
  await vscode.env.clipboard.writeText(text);
  void vscode.window.setStatusBarMessage(`Copied ${text} (ssh -p ${p.record.sshPort} root@${p.record.ip})`, 4000);
  return text;
}
