import * as vscode from 'vscode';

/** stratus.marketplace.editEndpoints: the fix action of an unreachable marketplace row. */
export function editEndpoints(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', 'stratus.marketplaces');
}
