import * as path from 'path';
import { inboundPorts } from '../../core/network';
import type { Host } from '../host/host';
import type { VolumeStore } from '../volumes/store';
import type { DomainDisk } from './driver';
import { InstanceError } from './instanceError';
import { reservePorts } from './network';
import type { ExtraDiskSpec, InstanceRecord } from './types';

/** What the disks of one launch are made with: the instance's folder on the host and the host's volumes. */
export interface LaunchDiskContext {
  host: Host;
  /** The instance's folder on `host`. */
  dir: string;
  volumes: VolumeStore;
  /** A read-only image disk, fetched like the launch's own image (the manager's resolver settings). */
  resolveImage(image: string, signal?: AbortSignal): Promise<{ path: string; format: DomainDisk['format'] }>;
  log(message: string): void;
}

/** The launch's extra disks in order; every file made is pushed onto `created` so a failed launch removes it. */
export async function extraDisks(ctx: LaunchDiskContext, id: string, specs: ExtraDiskSpec[], created: string[], signal?: AbortSignal): Promise<DomainDisk[]> {
  const out: DomainDisk[] = [];
  for (const [i, d] of specs.entries()) {
    if (d.kind === 'volatile') {
      const f = path.join(ctx.dir, `volatile-${i}.qcow2`);
      await ctx.host.run(['qemu-img', 'create', '-q', '-f', 'qcow2', f, `${d.sizeGiB}G`]);
      created.push(f);
      out.push({ path: f, format: 'qcow2', id: `volatile${i}` });
    } else if (d.kind === 'persistent') {
      const store = ctx.volumes;
      const v = await store.get(d.volumeId);
      if (!v) throw new InstanceError(`No volume ${d.volumeId} (see describe-volumes).`);
      if (v.attachedTo.length) throw new InstanceError(`Volume ${d.volumeId} is already attached to ${v.attachedTo.join(', ')}.`);
      await store.markAttached(v.uuid, id);
      out.push({ path: v.path, format: v.format, id: `pdisk${i}` });
    } else {
      const img = await ctx.resolveImage(d.image, signal);
      out.push({ path: img.path, format: img.format, readonly: true, id: `ro${i}` });
    }
  }
  return out;
}

/**
 * The instance type's swap disk (the original attached it as a disk of type swap): a sparse raw file
 * formatted with mkswap and labelled 'swap', so the guest can `swapon LABEL=swap`. After the extra disks,
 * so their device names do not move.
 */
export async function swapDisk(ctx: LaunchDiskContext, swapMiB: number, created: string[]): Promise<DomainDisk> {
  const f = path.join(ctx.dir, 'swap.img');
  await ctx.host.run(['truncate', '-s', `${swapMiB}M`, f]);
  created.push(f);
  await ctx.host.run(['mkswap', '-L', 'swap', f]).catch(e => ctx.log(`swap disk left unformatted (${(e as Error).message.split('\n')[0]}): run mkswap in the guest`));
  return { path: f, format: 'raw', id: 'swap' };
}

/** --publish-all: the image's declared inbound ports, each on a free host port (loopback), unless already published. */
export async function publishInbound(host: Host, rec: InstanceRecord, metadataFile: string | undefined, log: (m: string) => void): Promise<void> {
  const xml = metadataFile ? (await host.readFile(metadataFile)).toString('utf8') : '';
  const want = inboundPorts(xml).filter(p => !rec.ports.some(m => m.guestPort === p && m.proto === 'tcp'));
  if (!want.length) { log(`${rec.id}: the image declares no inbound ports to publish`); return; }
  rec.ports.push(...await reservePorts(host, want.map(guestPort => ({ hostAddr: '127.0.0.1', hostPort: 0, guestPort, proto: 'tcp' as const }))));
}
