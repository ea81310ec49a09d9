import type { InstanceManager } from '../kvm/instances';
import { VolumeError, VolumeStore } from './store';

/** Max volumes hot-attached to one instance (stratus-attach-volume: "needs a free slot (max 10)"). */
export const MAX_ATTACHED = 10;

/** The driver's disk id of a hot-attached volume: stable, so detach finds it again. */
export const volumeDiskId = (uuid: string) => `vol-${uuid.slice(0, 8)}`;

/**
 * pdisk hot attach (`stratus-attach-volume`, docs/stratuslab.md#volumes): the instance must be Running and on the volume's host;
 * the volume must be free and not the backing of copy-on-write volumes (a guest would write into it).
 * Resolves with the guest device the driver reports.
 */
export async function attachVolume(mgr: InstanceManager, store: VolumeStore, instanceId: string, uuid: string): Promise<string> {
  const rec = await mgr.describe(instanceId);
  if (!rec) throw new VolumeError(`No instance ${instanceId} — describe-instance lists the instances`);
  if (rec.state !== 'Running') throw new VolumeError(`Instance ${instanceId} is ${rec.state}: volumes attach to Running instances only.`);
  if (store.host.id !== mgr.host.id) throw new VolumeError(`Volume ${uuid} is on ${store.host.label} and instance ${instanceId} on ${mgr.host.label}: a volume attaches only to instances on its own host.`);
  const v = await store.get(uuid);
  if (!v) throw new VolumeError(`No volume ${uuid} (see describe-volumes).`);
  if (v.attachedTo.length) throw new VolumeError(`Volume ${uuid} is already attached to ${v.attachedTo.join(', ')}: detach it first.`);
  if (v.dependents.length) throw new VolumeError(`Volume ${uuid} is the backing of copy-on-write volumes: attach one of those (or a copy) instead.`);
  const inUse = (await store.list()).filter(x => x.attachedTo.includes(instanceId)).length;
  if (inUse >= MAX_ATTACHED) throw new VolumeError(`Instance ${instanceId} already has ${MAX_ATTACHED} volumes attached: detach one first.`);
  await store.markAttached(uuid, instanceId);
  try {
    return await mgr.driver.attachDisk(instanceId, { path: v.path, format: v.format, readonly: v.type === 'DATA_IMAGE_RAW_READONLY', id: volumeDiskId(uuid) });
  } catch (e) {
    await store.markDetached(uuid, instanceId);
    throw e;
  }
}

/** Hot detach; the record is freed even when the instance is already gone. */
export async function detachVolume(mgr: InstanceManager, store: VolumeStore, instanceId: string, uuid: string): Promise<void> {
  const v = await store.get(uuid);
  if (!v) throw new VolumeError(`No volume ${uuid} (see describe-volumes).`);
  if (!v.attachedTo.includes(instanceId)) throw new VolumeError(`Volume ${uuid} is not attached to ${instanceId} — describe-volumes shows where it is attached`);
  const rec = await mgr.describe(instanceId);
  if (rec && rec.state === 'Running') await mgr.driver.detachDisk(instanceId, volumeDiskId(uuid));
  await store.markDetached(uuid, instanceId);
}
