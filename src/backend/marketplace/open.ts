import { LocalMarketplace, LocalOptions } from './local';
import { RemoteMarketplace, RemoteOptions } from './remote';
import { DEFAULT_DEPRECATION_REASON, prepareDeprecation } from '../../core/marketplace/deprecate';
import { EntryKey } from '../../core/marketplace/keys';
import { findLatest, Marketplace, MarketplaceError, UploadOk } from './marketplace';

/** The word users write for the embedded store (settings, CLI --endpoint). */
export const LOCAL_ENDPOINT = 'local';

/** `local` (or nothing) → the embedded store in `localDir`; an http(s) URL → a remote endpoint. */
export function openMarketplace(endpoint: string | undefined, localDir: string, opts: LocalOptions & RemoteOptions = {}): Marketplace {
  if (!endpoint || endpoint === LOCAL_ENDPOINT) return new LocalMarketplace(localDir, opts);
  return new RemoteMarketplace(endpoint, opts);
}

/**
 * Deprecates an entry as stratus-deprecate-metadata does (docs/stratuslab.md#deprecation): fetch it (given `created`, else the latest of
 * identifier+e-mail), add the reason, re-sign through `sign` (which renews the endorsement) and upload.
 */
export async function deprecateEntry(mp: Marketplace, target: { identifier: string; email: string; created?: string }, reason: string | undefined, sign: (unsignedXml: string) => string | Promise<string>): Promise<UploadOk> {
  let key: EntryKey;
  if (target.created) key = { identifier: target.identifier, email: target.email, created: target.created };
  else {
    const latest = await findLatest(mp, target.identifier, { email: target.email });
    if (!latest) throw new MarketplaceError(404, `no entry of ${target.identifier} endorsed by ${target.email} in ${mp.endpoint}`);
    key = latest.key;
  }
  const xml = await mp.get(key);
  const signed = await sign(prepareDeprecation(xml, reason || DEFAULT_DEPRECATION_REASON));
  return mp.upload(signed);
}
