import * as vscode from 'vscode';
import type { BuildNode } from '../../services/nodes';
import type { BuildsModel } from '../../services/builds';

/** Tree node or build id → build id. */
export const idOf = (arg: BuildNode | string | undefined) => (typeof arg === 'string' ? arg : arg?.record.id);

/** The live build behind a Builds view item; earlier sessions' builds only keep their record and log. */
export function liveBuild(model: BuildsModel, arg: BuildNode | string | undefined) {
  const id = idOf(arg);
  const l = id ? model.get(id) : undefined;
  if (!l) void vscode.window.showWarningMessage('That build belongs to an earlier session: only its log and record are kept.');
  return l;
}
