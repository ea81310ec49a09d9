import * as path from 'path';
import type { CliCommand } from '../command';
import { CliError } from '../command';
import { dataLayout } from '../../backend/paths';
import { LocalHost } from '../../backend/host/local';
import { BuildCache } from '../../backend/build/cache';
import { checkpointsInUse, DEFAULT_CACHE_MAX_BYTES } from '../../backend/build/build';
import { listBuilds } from '../../backend/build/util';

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** `build-cache list|prune`: the checkpoints create-image keeps on this machine (images/build-cache). */
export const buildCacheCommand: CliCommand = {
  name: 'build-cache',
  summary: 'List or prune the build checkpoints create-image reuses (never base images, never a checkpoint a running build uses)',
  usage: 'build-cache list\n  build-cache prune [--max-size GIB]   (default: remove every checkpoint not in use; the bound after each build is STRATUS_BUILD_CACHE_MAX_GIB, default 10)',
  async run(args, io) {
    const data = dataLayout();
    const cache = new BuildCache(new LocalHost(), path.join(data.images, 'build-cache'));
    const [sub, ...rest] = args;
    if (sub === 'list' && !rest.length) {
      const all = await cache.list();
      const inUse = new Set(checkpointsInUse(await listBuilds(data)));
      for (const c of all) io.out(`${c.key.slice(0, 12)}  ${mib(c.bytes).padStart(10)}  ${c.lastUsedAt.slice(0, 19)}  build ${c.build}  after ${c.unit}${inUse.has(c.key) ? '  (in use)' : ''}`);
      io.out(`${all.length} checkpoint(s), ${gib(all.reduce((s, c) => s + c.bytes, 0))} in ${cache.dir} (bound ${gib(DEFAULT_CACHE_MAX_BYTES)} unless STRATUS_BUILD_CACHE_MAX_GIB says otherwise)`);
      return 0;
    }
    if (sub === 'prune') {
      let max = 0;
      if (rest.length) {
        if (rest[0] !== '--max-size' || rest.length !== 2 || !/^\d+(\.\d+)?$/.test(rest[1])) throw new CliError('usage: build-cache prune [--max-size GIB], e.g. --max-size 5');
        max = Number(rest[1]) * 2 ** 30;
      }
      const { removed, kept } = await cache.prune(max, checkpointsInUse(await listBuilds(data)));
      io.out(`Removed ${removed.length} checkpoint(s) (${gib(removed.reduce((s, c) => s + c.bytes, 0))}); ${kept.length} kept (${gib(kept.reduce((s, c) => s + c.bytes, 0))})`);
      return 0;
    }
    throw new CliError('give list or prune (stratus build-cache list | stratus build-cache prune [--max-size GIB])');
  },
};
