import { findLatest } from './marketplace';
import { RemoteMarketplace } from './remote';

/** The remote marketplaces the user configured: `--marketplace-endpoint` / STRATUSLAB_MARKETPLACE_ENDPOINT / stratus.marketplaces. */
export function remoteEndpoints(...lists: (string | string[] | undefined)[]): string[] {
  const out: string[] = [];
  for (const l of lists) for (const e of (Array.isArray(l) ? l : l ? l.split(',') : []).map(x => x.trim())) {
    if (e && e !== 'local' && !out.includes(e.replace(/\/+$/, ''))) out.push(e.replace(/\/+$/, ''));
  }
  return out;
}

/**
 * Metadata of an identifier from remote marketplaces, asked in order: the newest entry of the first one
 * that has it. `onAnswer` says which one answered. An unreachable marketplace is skipped; when none has
 * the entry and some could not be asked, the error says which and why (not a bare "no entry").
 */
export function remoteMetadataFetcher(endpoints: string[], onAnswer?: (endpoint: string) => void): ((identifier: string) => Promise<string | undefined>) | undefined {
  if (!endpoints.length) return undefined;
  return async identifier => {
    const failures: string[] = [];
    for (const ep of endpoints) {
      try {
        const mp = new RemoteMarketplace(ep, { timeoutMs: 15_000, retries: 1 });
        const latest = await findLatest(mp, identifier);
        if (!latest) continue;
        const xml = latest.xml ?? await mp.get(latest.key);
        onAnswer?.(mp.endpoint);
        return xml;
      } catch (e) {
        const err = e as Error & { cause?: Error };
        failures.push(`${ep}: ${err.message === 'fetch failed' && err.cause ? err.cause.message : err.message}`);
      }
    }
    if (failures.length) throw new Error(`No marketplace could give image ${identifier}; unreachable: ${failures.join('; ')} — check --marketplace-endpoint / STRATUSLAB_MARKETPLACE_ENDPOINT`);
    return undefined;
  };
}
