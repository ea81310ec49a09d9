import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import type { BuildNode } from '../../services/nodes';
import type { BuildsModel } from '../../services/builds';
import { liveBuild } from './buildArgs';
import { registerCommand } from '../../services/commands';

/** stratus.build.cancel: stops a running build at its current step (the VM stays until the user chooses). */
export function register(ctx: UiContext, model: BuildsModel): void {
  ctx.ext.subscriptions.push(registerCommand('stratus.build.cancel', (arg?: BuildNode | string) => { liveBuild(model, arg)?.controller?.abort(); }));
}
