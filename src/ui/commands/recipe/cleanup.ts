import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { BuildNode } from '../../services/nodes';
import type { BuildsModel } from '../../services/builds';
import { liveBuild } from './buildArgs';
import { registerCommand } from '../../services/commands';

/** stratus.build.cleanup: destroys the build VM and its overlay. */
export function register(ctx: UiContext, model: BuildsModel): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.build.cleanup', async (arg?: BuildNode | string) => {
    const l = liveBuild(model, arg);
    if (!l) return;
    l.controller?.abort();
    await l.running?.catch(() => undefined);
    await l.build.cleanup();
    model.fire();
  }));
}
