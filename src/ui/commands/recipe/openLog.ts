import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import type { UiContext } from '../../context';
import type { BuildNode } from '../../services/nodes';
import { idOf } from './buildArgs';

/** stratus.build.openLog: opens data.builds/<id>/build.log, or from a step node that step's own log. */
export async function openLog(ctx: UiContext, arg?: BuildNode | string) {
  const id = idOf(arg);
  if (!id) return;
  const stepLog = typeof arg === 'object' && arg.kind === 'step' ? arg.step.logPath : undefined;
  const file = stepLog && fs.existsSync(stepLog) ? stepLog : path.join(ctx.data.builds, id, 'build.log');
  if (!fs.existsSync(file)) { void vscode.window.showWarningMessage(`No log for build ${id}.`); return; }
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
}
