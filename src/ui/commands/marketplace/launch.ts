import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { resolveEntry } from './pick';

/** stratus.marketplace.launch [entry|identifier] [LaunchArgs]: hands the image identifier (and any launch arguments) to the Instances area's launch command. */
export async function launch(ctx: UiContext, arg?: unknown, more?: object) {
  const node = await resolveEntry(arg, 'Image to launch an instance of');
  if (!node) return;
  return vscode.commands.executeCommand('stratus.instances.launch', node.entry.key.identifier, more);
}
