import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { buildMetadata } from '../../core/metadata/build';
import { computeDigests } from '../../core/metadata/digests';
import type { ImageDigests } from '../../core/metadata/advice';
import { signMetadata } from '../../core/metadata/sign';
import { LocalMarketplace } from '../marketplace/local';
import type { DataLayout } from '../paths';
import { ensureLocalBuilder, SecretStore } from './localBuilder';

/**
 * First start: the Debian 13 base image the set-up builds (scripts/setup-kvm.sh) published into the embedded
 * marketplace with complete metadata, signed by the local builder certificate — so a fresh data folder has
 * one trusted image to launch. Done once per data folder (a marker file remembers it, also when the user
 * later removes the entry), and again only for a different base image.
 */

export const BASE_TITLE = 'Debian 13 base image (local)';

export interface SeedOptions {
  /** The base image (qcow2) to publish. */
  image: string;
  secrets: SecretStore;
  /** Where an older password may be (the CLI's 0600 file when the extension runs first after it). */
  fallbackSecrets?: SecretStore;
  /** Publish even if this data folder already had a first start with this image. */
  force?: boolean;
  onStep?(step: string): void;
  now?: Date;
}

export interface SeedResult { identifier: string; published: boolean; certificateCreated: boolean; reason?: string }

interface Marker { image: string; sha1: string; identifier: string; at: string }

export function seedMarkerFile(data: DataLayout): string { return path.join(data.root, 'first-start.json'); }

/**
 * The base image the set-up caches, if built: setup-kvm.sh names it <cache>/base-<hash>.qcow2, the hash over
 * build-base-image.sh and then the guest/ files it installs, in name order.
 */
export function setupBaseImage(repoRoot: string, cacheDir = process.env.STRATUS_IMAGE_CACHE || '/var/cache/stratus'): string | undefined {
  try {
    const h = crypto.createHash('sha256').update(fs.readFileSync(path.join(repoRoot, 'scripts', 'build-base-image.sh')));
    const guest = path.join(repoRoot, 'guest');
    for (const f of fs.readdirSync(guest).sort()) h.update(fs.readFileSync(path.join(guest, f)));
    const hash = h.digest('hex').slice(0, 12);
    const img = path.join(cacheDir, `base-${hash}.qcow2`);
    return fs.existsSync(img) && fs.statSync(img).size > 0 ? img : undefined;
  } catch { return undefined; }
}

/**
 * The digests of a read-only cached image are remembered beside it (keyed by size and mtime) when that
 * folder is writable, so a second fresh data folder does not hash 200+ MiB again.
 */
async function digestsOf(image: string): Promise<ImageDigests> {
  const st = await fs.promises.stat(image);
  const side = `${image}.digests.json`;
  try {
    const c = JSON.parse(await fs.promises.readFile(side, 'utf8'));
    if (c.size === st.size && c.mtimeMs === st.mtimeMs && c.digests?.sha1) return c.digests as ImageDigests;
  } catch { /* none yet */ }
  const digests = await computeDigests(image);
  const tmp = `${side}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify({ size: st.size, mtimeMs: st.mtimeMs, digests })).then(() => fs.promises.rename(tmp, side), () => undefined).catch(() => fs.promises.rm(tmp, { force: true }));
  return digests;
}

export async function seedBaseImage(data: DataLayout, o: SeedOptions): Promise<SeedResult> {
  const step = o.onStep ?? (() => undefined);
  const image = path.resolve(o.image);
  if (!fs.existsSync(image)) throw new Error(`base image ${image} does not exist: run \`bash scripts/setup-kvm.sh\` to build it.`);
  let marker: Marker | undefined;
  try { marker = JSON.parse(await fs.promises.readFile(seedMarkerFile(data), 'utf8')); } catch { /* fresh */ }
  step('Hashing the base image');
  const digests = await digestsOf(image);
  if (marker && marker.sha1 === digests.sha1 && !o.force) {
    return { identifier: marker.identifier, published: false, certificateCreated: false, reason: 'already published in this data folder' };
  }
  step('Preparing the local builder certificate');
  const builder = await ensureLocalBuilder(data, o.secrets, o.fallbackSecrets);
  step('Writing and signing the metadata');
  const built = await buildMetadata(image, {
    digests, os: 'Debian', osVersion: '13', osArch: 'x86_64', type: 'base', kind: 'machine', imageVersion: '1.0',
    format: 'qcow2', hypervisor: 'kvm', disksBus: 'virtio', location: pathToFileURL(image).href,
    title: BASE_TITLE, tag: 'debian-13-base',
    comment: 'Minimal Debian 13 (trixie) with SSH and contextualization (SSH keys, host name, start script), built on this machine by the Stratus set-up.',
    author: 'Stratus set-up', now: o.now,
  });
  const signed = signMetadata(built.xml, builder.key, { now: o.now });
  step('Publishing into the embedded marketplace');
  const market = new LocalMarketplace(data.marketplace);
  await market.upload(signed);
  await market.flush();
  const m: Marker = { image, sha1: digests.sha1, identifier: built.identifier, at: (o.now ?? new Date()).toISOString() };
  const tmp = `${seedMarkerFile(data)}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify(m, null, 2) + '\n');
  await fs.promises.rename(tmp, seedMarkerFile(data));
  return { identifier: built.identifier, published: true, certificateCreated: builder.created };
}
