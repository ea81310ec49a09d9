import type { UiContext } from '../../context';
import { marketplaces } from '../../services/marketplaces';
import type { MpNode } from '../../services/nodes';

/** stratus.marketplace.refresh [node]: re-lists one marketplace (from its node or its error row) or all. */
export function refresh(ctx: UiContext, node?: MpNode) {
  const tree = marketplaces();
  const mp = node?.kind === 'marketplace' ? node.mp : node?.kind === 'error' || node?.kind === 'empty' ? node.parent.mp : undefined;
  // The local store is re-read from disk, walking every file: entries copied in by hand or by another process appear.
  if (!mp || mp.kind === 'local') tree.reload({ rescan: true });
  else tree.refresh(mp);
}
