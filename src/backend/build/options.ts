import * as path from 'path';
import type { Client } from 'ssh2';
import type { BaseInfo } from '../../core/recipe/check';
import type { RecipeDiagnostic } from '../../core/recipe/parse';
import type { Host } from '../host/host';
import type { GuestForward, InstanceRecord, LaunchOptions, Progress } from '../kvm/types';
import type { DataLayout } from '../paths';
import { BuildCache } from './cache';
import type { BuildRecord, StepId } from './steps';

// What a build is given: the VM manager it drives, the recipe's surroundings, and where it reports.

/** The cache bound after each build: STRATUS_BUILD_CACHE_MAX_GIB (the editor passes its setting as cacheMaxBytes), default 10 GiB. */
export const DEFAULT_CACHE_MAX_BYTES = Number(process.env.STRATUS_BUILD_CACHE_MAX_GIB || 10) * 2 ** 30;

/** The part of InstanceManager a build needs (InstanceManager satisfies it as is). */
export interface BuildVmApi {
  launch(opts: LaunchOptions, progress?: Progress): Promise<InstanceRecord>;
  ssh(id: string, signal?: AbortSignal): Promise<Client>;
  shutdown(id: string, progress?: Progress): Promise<InstanceRecord>;
  kill(id: string): Promise<void>;
  forget(id: string): Promise<void>;
  describe(id: string): Promise<InstanceRecord | undefined>;
  list?(): Promise<InstanceRecord[]>;
  /** For checkpoints (InstanceManager has them): the VM host, its data folder and the guest's QMP monitor. */
  host?: Host;
  options?: { data: DataLayout };
  qmp?<T = unknown>(id: string, command: string, args?: Record<string, unknown>): Promise<T> | undefined;
}

/** The build cache of a VM host (images/build-cache there), when the instance manager can checkpoint. */
export function buildCacheOf(vms: BuildVmApi): BuildCache | undefined {
  return vms.host && vms.options ? new BuildCache(vms.host, path.posix.join(vms.options.data.images, 'build-cache')) : undefined;
}

export interface BaseLookup extends BaseInfo { manifest?: string }

export interface BuildOptions {
  data: DataLayout;
  vms: BuildVmApi;
  /** OpenSSH public key lines put into the build VM (the user's key). */
  publicKeys: string[];
  privateKeyPath?: string;
  /** Marketplace lookup for identifier bases (the signed manifest and its verdict). */
  lookupBase?(identifier: string): Promise<BaseLookup | undefined>;
  /** Extra slirp forwards, e.g. a package repository served on the host's loopback. */
  guestForwards?: GuestForward[];
  instanceTypes?: string[];
  allowUntrusted?: boolean;
  /** Scripts and context files may be outside the recipe's folder (the user's choice, never the recipe's). */
  allowOutsidePaths?: boolean;
  onOutput?(text: string, step: StepId): void;
  onChange?(record: BuildRecord): void;
  /** No reuse of earlier checkpoints (a build from scratch; it still leaves its own). */
  noCache?: boolean;
  /** After a build the cache is pruned to this (least recently used first); default DEFAULT_CACHE_MAX_BYTES. */
  cacheMaxBytes?: number;
}

/** The recipe has errors: nothing was started. */
export class RecipeInvalidError extends Error {
  constructor(readonly diagnostics: RecipeDiagnostic[], recipePath: string) {
    const errors = diagnostics.filter(d => d.severity === 'error');
    super(`${recipePath} has ${errors.length} error(s); fix them and build again:\n` + errors.map(d => `  ${path.basename(recipePath)}:${d.range.line}:${d.range.column}: ${d.message}`).join('\n'));
  }
}
