import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { BuildNode } from '../../services/nodes';
import { buildsModel } from '../../services/builds';
import { liveBuild } from './buildArgs';
import { runWithProgress } from './createImage';

/** stratus.build.retry: runs a failed or cancelled build again from the failed step, on the same VM. */
export async function retry(ctx: UiContext, arg?: BuildNode | string) {
  const model = buildsModel(ctx);
  if (typeof arg !== 'string' && arg && model.interrupted(arg.record)) return vscode.commands.executeCommand('stratus.build.resume', arg);
  const l = liveBuild(model, arg);
  if (!l || l.running) return undefined;
  if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Builds do not run in an untrusted workspace.'); return undefined; }
  return runWithProgress(ctx, model, l.build, true);
}

/** stratus.build.resume: an interrupted build (the editor or the machine restarted, the process was killed), from its last checkpoint. */
export async function resume(ctx: UiContext, arg?: BuildNode) {
  const model = buildsModel(ctx);
  if (!arg || arg.kind !== 'build') return undefined;
  if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Builds do not run in an untrusted workspace.'); return undefined; }
  return runWithProgress(ctx, model, await model.prepare(arg.record.recipePath, arg.record.id));
}

/** stratus.build.discard: its leftover VM removed, the build marked cleaned (its checkpoints stay in the build cache). */
export async function discard(ctx: UiContext, arg?: BuildNode) {
  const model = buildsModel(ctx);
  if (!arg || arg.kind !== 'build') return;
  try { await (await model.prepare(arg.record.recipePath, arg.record.id)).cleanup(); }
  finally { model.fire(); }
}
