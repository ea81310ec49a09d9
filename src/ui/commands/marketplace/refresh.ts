import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { marketplaceTree } from '../../trees/marketplace';
import type { MpNode } from '../../trees/marketplace/provider';

/** stratus.marketplace.refresh [node]: re-lists one marketplace (from its node or its error row) or all. */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.marketplace.refresh', (node?: MpNode) => {
    const tree = marketplaceTree();
    if (node?.kind === 'marketplace') tree.refresh(node.mp);
    else if (node?.kind === 'error' || node?.kind === 'empty') tree.refresh(node.parent.mp);
    else tree.refresh();
  }));
}
