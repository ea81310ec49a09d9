import * as vscode from 'vscode';
import { dataLayout } from './backend/paths';
import { UiContext, TreeSnapshot } from './ui/context';
import { registerAll } from './ui/register';

/** What activate returns: used by the workbench tests and by other extensions. */
export interface StratusApi {
  dataRoot: string;
  treeSnapshot(viewId: string, depth?: number): Promise<TreeSnapshot[]>;
}

export function activate(ext: vscode.ExtensionContext): StratusApi {
  const log = vscode.window.createOutputChannel('Stratus', { log: true });
  ext.subscriptions.push(log);
  const configured = vscode.workspace.getConfiguration('stratus').get<string>('dataDirectory');
  const data = dataLayout(configured || undefined);
  const ctx: UiContext = { ext, log, data, trees: new Map() };
  registerAll(ctx);
  // The time is in the text: a log channel's lines are stamped when its logger is ready, which can be much later.
  log.info(`Stratus activated; data folder ${data.root} (at ${new Date().toISOString()})`);
  return {
    dataRoot: data.root,
    treeSnapshot: async (viewId, depth) => {
      const tree = ctx.trees.get(viewId);
      if (!tree) throw new Error(`no tree ${viewId}`);
      return tree.snapshot(depth);
    },
  };
}

export function deactivate(): void {}
