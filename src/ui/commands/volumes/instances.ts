import type { UiContext } from '../../context';
import { LocalHost } from '../../../backend/host/local';
import { InstanceManager } from '../../../backend/kvm/instances';

let mgr: InstanceManager | undefined;

/** The local host's InstanceManager, for hot attach/detach (volumes live on this machine). */
export function localInstances(ctx: UiContext): InstanceManager {
  mgr ??= new InstanceManager({ host: new LocalHost(), data: ctx.data, log: m => ctx.log.info(m) });
  return mgr;
}
