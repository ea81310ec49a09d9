import * as vscode from 'vscode';
import * as path from 'path';
import type { UiContext } from '../../context';
import { RecipeInvalidError, type Build } from '../../../backend/build/build';
import type { BuildRecord } from '../../../backend/build/steps';
import type { BuildsModel } from '../../services/builds';
import { buildsModel } from '../../services/builds';

export const isRecipePath = (p: string) => /\.recipe\.yaml$|(^|[\\/])stratus-recipe\.yaml$/.test(p);

/** Runs (or retries) a build under a cancellable progress notification, then offers the next move. */
export async function runWithProgress(ctx: UiContext, model: BuildsModel, build: Build, retry = false): Promise<BuildRecord> {
  const name = path.basename(build.recipePath);
  const record = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Creating image from ${name}`, cancellable: true }, (progress, token) => {
    const { controller, done } = model.run(build, retry);
    token.onCancellationRequested(() => controller.abort());
    let last = '';
    const sub = model.onDidChange(() => {
      const s = build.record.steps.find(x => x.state === 'running');
      if (s && s.label !== last) { last = s.label; progress.report({ message: s.label }); }
    });
    return done.finally(() => sub.dispose());
  });
  for (const id of ['stratus.marketplace', 'stratus.instances', 'stratus.builds']) ctx.trees.get(id)?.refresh();
  if (record.status === 'succeeded') {
    const msg = record.result ? `New image ${record.result.imageId} from ${name}.` : `The build VM of ${name} is ready (shutdown: false). Remember to stop it when finished.`;
    void vscode.window.showInformationMessage(msg, 'Open Build Log').then(a => { if (a) void vscode.commands.executeCommand('stratus.build.openLog', record.id); });
    if (record.result) void vscode.commands.executeCommand('stratus.marketplace.focus').then(undefined, () => undefined);
    return record;
  }
  void afterFailure(ctx, model, build, record);
  return record;
}

/** Failure or cancel: clean up, keep the VM for inspection, or retry from the failed step. */
async function afterFailure(ctx: UiContext, model: BuildsModel, build: Build, record: BuildRecord): Promise<void> {
  const step = record.failedStep ? build.step(record.failedStep).label : 'a step';
  const actions = record.instanceId ? ['Retry', 'Keep VM', 'Clean Up', 'Open Build Log'] : ['Retry', 'Open Build Log'];
  const text = record.status === 'cancelled' ? `Build of ${path.basename(build.recipePath)} cancelled at "${step}".` : `Build of ${path.basename(build.recipePath)} failed at "${step}": ${record.error?.split('\n')[0]}`;
  const choice = await vscode.window.showErrorMessage(text, ...actions);
  if (choice === 'Retry') await runWithProgress(ctx, model, build, true);
  else if (choice === 'Keep VM') { build.keep(); model.fire(); void vscode.window.showInformationMessage('The build VM is kept running. Open an SSH terminal from the Builds view; remove it there when done.', 'Open SSH Terminal').then(a => { if (a) void vscode.commands.executeCommand('stratus.build.sshTerminal', record.id); }); }
  else if (choice === 'Clean Up') { await build.cleanup(); model.fire(); }
  else if (choice === 'Open Build Log') void vscode.commands.executeCommand('stratus.build.openLog', record.id);
}

/** stratus.recipe.createImage [uri]: builds the recipe (the active editor's by default). Refused in untrusted workspaces. */
export async function createImage(ctx: UiContext, arg?: vscode.Uri) {
  const model = buildsModel(ctx);
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri || !isRecipePath(uri.fsPath)) {
    void vscode.window.showWarningMessage('Open a recipe (*.recipe.yaml or stratus-recipe.yaml) first, or create one with "Stratus: New Recipe…".');
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('This workspace is not trusted: recipes are checked but never run. Trust the workspace to build images from it.', 'Manage Workspace Trust')
      .then(a => { if (a) void vscode.commands.executeCommand('workbench.trust.manage'); });
    return undefined;
  }
  const doc = vscode.workspace.textDocuments.find(d => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  let build: Build;
  try {
    build = await model.prepare(uri.fsPath);
  } catch (e) {
    if (e instanceof RecipeInvalidError) {
      void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} has errors; nothing was started. Fix them and build again.`, 'Show Problems')
        .then(a => { if (a) void vscode.commands.executeCommand('workbench.actions.view.problems'); });
      return undefined;
    }
    throw e;
  }
  ctx.log.info(`Build ${build.record.id} of ${uri.fsPath} (log ${build.record.logPath})`);
  return runWithProgress(ctx, model, build);
}
