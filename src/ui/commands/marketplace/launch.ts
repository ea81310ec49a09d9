import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { resolveEntry } from './pick';
import { registerCommand } from '../../services/commands';

/** stratus.marketplace.launch [entry|identifier] [LaunchArgs]: hands the image identifier (and any launch arguments) to the Instances area's launch command. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.marketplace.launch', async (arg?: unknown, more?: object) => {
    const node = await resolveEntry(arg, 'Image to launch an instance of');
    if (!node) return;
    return vscode.commands.executeCommand('stratus.instances.launch', node.entry.key.identifier, more);
  }));
}
