import { findLatest, type Marketplace } from '../marketplace/marketplace';
import { trustVerdict } from '../marketplace/trust';
import type { BaseCandidate } from '../../core/recipe/complete';
import type { BaseLookup } from './build';

/** Adapts marketplaces to the recipe's base lookup: the newest entry of an identifier, its manifest and its trust verdict. */
export function marketplaceLookup(marketplaces: { label: string; mp: Marketplace }[], trusted: string[] = []): (identifier: string) => Promise<BaseLookup | undefined> {
  return async identifier => {
    for (const { label, mp } of marketplaces) {
      const entry = await findLatest(mp, identifier).catch(() => undefined);
      if (!entry) continue;
      const manifest = entry.xml ?? await mp.get(entry.key);
      const v = trustVerdict(manifest, { trusted });
      const message = v.problems.length ? v.problems.join('; ') : `signature ${v.signature}${v.trusted ? ', trusted signer' : ''}`;
      return {
        title: v.summary.title ?? entry.summary.title, os: v.summary.os?.toLowerCase(), osVersion: v.summary.osVersion, marketplace: label, manifest,
        trust: { ok: v.level === 'good', message, refused: v.level === 'bad' },
      };
    }
    return undefined;
  };
}

/** Identifiers offered by completion: the valid entries of each marketplace (first page). */
export async function baseCandidates(marketplaces: { label: string; mp: Marketplace }[]): Promise<BaseCandidate[]> {
  const out: BaseCandidate[] = [];
  const seen = new Set<string>();
  for (const { label, mp } of marketplaces) {
    const page = await mp.list({ status: 'valid', length: 200 }).catch(() => undefined);
    for (const e of page?.entries ?? []) {
      if (seen.has(e.key.identifier)) continue;
      seen.add(e.key.identifier);
      out.push({ identifier: e.key.identifier, title: e.summary.title, os: e.summary.os, osVersion: e.summary.osVersion, marketplace: label });
    }
  }
  return out;
}
