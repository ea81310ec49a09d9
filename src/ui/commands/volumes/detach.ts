import { detachVolume } from '../../../backend/volumes/attach';
import type { UiContext } from '../../context';
import { managerFor } from '../../services/hostServices';
import { volumeArg, volumeStoreFor } from '../../services/volumes';

/** stratus.volumes.detach: hot-unplugs the volume from the instance(s) of its host it is attached to. */
export async function detach(ctx: UiContext, arg?: unknown) {
  const { host, uuid } = volumeArg(arg);
  if (!host) return false;
  const store = await volumeStoreFor(ctx, host);
  const v = uuid ? await store.get(uuid) : undefined;
  if (!v) throw new Error('select an attached volume in the Volumes view.');
  const mgr = await managerFor(ctx, host);
  for (const id of v.attachedTo) {
    await detachVolume(mgr, store, id, v.uuid);
    ctx.log.info(`DETACHED ${v.uuid} from VM ${id} (${host.label})`);
  }
  ctx.trees.get('stratus.volumes')?.refresh();
  return true;
}
