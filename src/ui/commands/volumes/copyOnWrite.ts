import type { UiContext } from '../../context';
import { volumeArg, volumeStoreFor } from '../../services/volumes';

/** stratus.volumes.copyOnWrite: a qcow2 overlay volume on the selected one, on the same host (the origin is never written). */
export async function copyOnWrite(ctx: UiContext, arg?: unknown) {
  const { host, uuid } = volumeArg(arg);
  if (!host) return undefined;
  if (!uuid) throw new Error('select a volume in the Volumes view.');
  const v = await (await volumeStoreFor(ctx, host)).copyOnWrite(uuid);
  ctx.log.info(`Copy-on-write volume ${v.uuid} on ${uuid} (${host.label})`);
  ctx.trees.get('stratus.volumes')?.refresh();
  return v;
}
