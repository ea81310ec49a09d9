import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { BuildNode } from '../../services/nodes';
import type { BuildsModel } from '../../services/builds';
import { liveBuild } from './buildArgs';
import { runWithProgress } from './createImage';
import { registerCommand } from '../../services/commands';

/** stratus.build.retry: runs a failed or cancelled build again from the failed step, on the same VM. */
export function register(ctx: UiContext, model: BuildsModel): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.build.retry', async (arg?: BuildNode | string) => {
    if (typeof arg !== 'string' && arg && model.interrupted(arg.record)) return vscode.commands.executeCommand('stratus.build.resume', arg);
    const l = liveBuild(model, arg);
    if (!l || l.running) return undefined;
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Builds do not run in an untrusted workspace.'); return undefined; }
    return runWithProgress(ctx, model, l.build, true);
  }));
  // an interrupted build (the editor or the machine restarted, the process was killed): from its last checkpoint
  ctx.ext.subscriptions.push(registerCommand('stratus.build.resume', async (arg?: BuildNode) => {
    if (!arg || arg.kind !== 'build') return undefined;
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Builds do not run in an untrusted workspace.'); return undefined; }
    return runWithProgress(ctx, model, await model.prepare(arg.record.recipePath, arg.record.id));
  }));
  // Discard: its leftover VM removed, the build marked cleaned (its checkpoints stay in the build cache)
  ctx.ext.subscriptions.push(registerCommand('stratus.build.discard', async (arg?: BuildNode) => {
    if (!arg || arg.kind !== 'build') return;
    try { await (await model.prepare(arg.record.recipePath, arg.record.id)).cleanup(); }
    finally { model.fire(); }
  }));
}
