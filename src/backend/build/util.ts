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
