import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { BuildNode } from './buildsTree';
import type { BuildsModel } from './model';
import { liveBuild } from './buildArgs';
import { runWithProgress } from './createImage';

/** stratus.build.retry: runs a failed or cancelled build again from the failed step, on the same VM. */
export function register(ctx: UiContext, model: BuildsModel): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.build.retry', async (arg?: BuildNode | string) => {
    const l = liveBuild(model, arg);
    if (!l || l.running) return undefined;
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Builds do not run in an untrusted workspace.'); return undefined; }
    return runWithProgress(ctx, model, l.build, true);
  }));
}
