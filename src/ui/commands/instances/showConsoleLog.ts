import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { pickInstance } from './pick';

/** stratus.instances.showConsoleLog: the guest's serial console so far, in a read-only editor. */
export async function showConsoleLog(ctx: UiContext, arg?: unknown) {
  const p = await pickInstance(ctx, arg, ['Prolog', 'Running', 'Shutdown', 'Epilog', 'Done', 'Failed'], 'Show the console log of');
  if (!p) return;
  const text = await p.mgr.consoleLog(p.record.id);
  const doc = await vscode.workspace.openTextDocument({ content: text || '(the console is empty)', language: 'log' });
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}
