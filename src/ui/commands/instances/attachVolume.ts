import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.attachVolume: hands over to the volumes area's attach command with the instance id. */
export async function attachVolume(ctx: UiContext, arg?: unknown) {
  const p = await pickInstance(ctx, arg, ['Running'], 'Attach a volume to');
  if (!p) return;
  const all = await vscode.commands.getCommands(true);
  if (!all.includes('stratus.volumes.attach')) {
    void vscode.window.showInformationMessage('Attaching volumes is not available in this build yet (stratus.volumes.attach).');
    return;
  }
  return vscode.commands.executeCommand('stratus.volumes.attach', undefined, { instanceId: p.record.id, hostId: p.mgr.host.id });
}
