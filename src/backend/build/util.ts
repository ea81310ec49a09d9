import * as fs from 'fs';
import * as path from 'path';
import type { DataLayout } from '../paths';
import type { BuildRecord } from './steps';

export class CancelledError extends Error { constructor() { super('Cancelled'); } }

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortable(new Promise<void>(res => setTimeout(res, ms)), signal);
}

export function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(v => { signal.removeEventListener('abort', onAbort); resolve(v); }, e => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

/** Build records under data.builds, newest first. */
export async function listBuilds(data: DataLayout): Promise<BuildRecord[]> {
  const names = await fs.promises.readdir(data.builds).catch(() => [] as string[]);
  const out: BuildRecord[] = [];
  for (const n of names) {
    try { out.push(JSON.parse(await fs.promises.readFile(path.join(data.builds, n, 'build.json'), 'utf8'))); } catch { /* not a build folder */ }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** A build that stopped before its end and can continue from its checkpoints. */
export function isResumable(b: BuildRecord): boolean {
  // a failed build whose VM the CLI removed ('cleaned' with its failed step) still has its checkpoints
  return b.status === 'failed' || b.status === 'cancelled' || (b.status === 'cleaned' && !!b.failedStep) || (b.status === 'running' && !alive(b.pid));
}

/** Checkpoints builds still read through: those of running builds, and of any build whose VM still exists. */
export function checkpointsInUse(builds: BuildRecord[]): string[] {
  return builds.filter(b => b.cacheInUse?.length && ((b.status === 'running' && alive(b.pid)) || b.instanceId)).flatMap(b => b.cacheInUse!);
}
