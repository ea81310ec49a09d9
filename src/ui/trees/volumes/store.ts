import type { UiContext } from '../../context';
import { Volume, VolumeStore } from '../../../backend/volumes/store';

const stores = new Map<string, VolumeStore>();

/** The one VolumeStore of the data folder, shared by the Volumes tree and the volume commands. */
export function volumeStore(ctx: UiContext): VolumeStore {
  let s = stores.get(ctx.data.volumes);
  if (!s) { s = new VolumeStore(ctx.data.volumes); stores.set(ctx.data.volumes, s); }
  return s;
}

/** Commands get a tree node (a Volume), a `{ uuid }` object or a uuid string. */
export function volumeUuid(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as Volume).uuid === 'string') return (arg as Volume).uuid;
  return undefined;
}
