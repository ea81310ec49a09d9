import * as path from 'path';
import type { Host } from '../host/host';
import { BuildCache } from './cache';
import { sleep } from './util';

export type Qmp = <T = unknown>(command: string, args?: Record<string, unknown>) => Promise<T>;

interface BlockJob { device: string; ready?: boolean; status?: string; type?: string }

/**
 * The running build VM's disk as a chain of layers, frozen into the cache after each disk-changing step.
 *
 * Why a live external snapshot (QMP blockdev-snapshot-sync) and not a shutdown: at the step boundary
 * nothing of the recipe runs any more, the guest's `sync` has written its page cache and made qemu
 * flush the qcow2 metadata, and qemu switches the active layer between two requests (in-flight I/O is
 * drained first), so the frozen layer is a consistent disk holding everything the step wrote — the
 * same state a power cut right after `sync` would leave, which the guest's journaling filesystem
 * replays. A clean shutdown would cost a whole boot under TCG (25–50 s) for every step.
 *
 * The frozen layer (read-only for qemu from then on) is copied into the cache as an overlay of the
 * previous checkpoint. Before the image is saved, `finalize` folds every layer back into the
 * instance's own overlay and streams whatever came from the cache into it, so the overlay is again a
 * plain overlay of the base image: the saved image never depends on the cache.
 */
export class DiskCheckpoints {
  private active: string;
  private layers = 0;

  constructor(
    private readonly host: Host,
    private readonly qmp: Qmp,
    readonly cache: BuildCache,
    /** The instance's overlay (what the save moves) and the real base under everything. */
    private readonly overlay: string,
    private readonly base: { file: string; format: string },
    /** Backing of the content of `overlay` when it was made: the checkpoint it started from, or the base. */
    private previous: { file: string; format: string },
  ) {
    this.active = overlay;
  }

  /**
   * Freezes the current layer as checkpoint `key` (the caller ran `sync` in the guest). False when the
   * cache has it already (a step run again by a retry): the layer goes on, and the next checkpoint holds both.
   */
  async take(key: string, meta: { parent?: string; build: string; unit: string }): Promise<boolean> {
    if (await this.cache.meta(key)) return false;
    const next = path.posix.join(path.posix.dirname(this.overlay), `layer-${++this.layers}.qcow2`);
    await this.qmp('blockdev-snapshot-sync', { device: 'root', 'snapshot-file': next, format: 'qcow2', mode: 'absolute-paths' });
    const frozen = this.active;
    this.active = next;
    await this.cache.add(key, frozen, this.previous, meta);
    this.previous = { file: this.cache.file(key), format: 'qcow2' };
    return true;
  }

  /** Everything back into the overlay, over the base only (a no-op when nothing was taken and nothing reused). */
  async finalize(signal?: AbortSignal): Promise<void> {
    if (this.active !== this.overlay) {
      // active commit: the layers above the overlay are written into it, then qemu pivots back to it
      await this.qmp('block-commit', { device: 'root', base: this.overlay });
      await this.waitJob(j => j.ready === true, signal);
      await this.qmp('block-job-complete', { device: 'root' });
      await this.waitJob(undefined, signal);
      this.active = this.overlay;
      for (let i = 1; i <= this.layers; i++) await this.host.remove(path.posix.join(path.posix.dirname(this.overlay), `layer-${i}.qcow2`)).catch(() => undefined);
      this.layers = 0;
    }
    if (this.startedFromCache) {
      // the overlay was made over a cached checkpoint: pull that chain's data into it, then its backing is the base
      await this.qmp('block-stream', { device: 'root', base: this.base.file });
      await this.waitJob(undefined, signal);
      this.startedFromCache = false;
    }
    this.previous = this.base;
  }

  /** Set when the overlay was created over a cached checkpoint. */
  startedFromCache = false;

  /** Polls the device's block job until `until` holds (default: until it has gone, i.e. completed). */
  private async waitJob(until: ((j: BlockJob) => boolean) | undefined, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const jobs = await this.qmp<BlockJob[]>('query-block-jobs');
      const j = jobs.find(x => x.device === 'root');
      if (!j) {
        if (until) throw new Error('The disk job ended before it was ready');
        return;
      }
      if (until?.(j)) return;
      await sleep(200, signal);
    }
  }
}
