import * as fs from 'fs';
import * as path from 'path';
import { parseRecipe } from '../../core/recipe/parse';
import { hostRegistry } from '../hosts/registry';
import { LocalHost } from '../host/local';
import type { Host } from '../host/host';
import { hostServices, type HostServices } from '../hosts/services';
import type { GuestForward, InstanceType } from '../kvm/types';
import type { Marketplace } from '../marketplace/marketplace';
import type { DataLayout } from '../paths';
import { Build, type BuildOptions } from './build';
import { marketplaceLookup } from './lookup';
import { publicKeyLines } from '../../core/sshKeys';

/** The user's key pair for build VMs: the given public key file (private = same path without .pub), else data.keys/id_ed25519, made once. */
export async function buildKey(data: DataLayout, publicKeyFile?: string): Promise<{ publicKeys: string[]; privateKeyPath: string }> {
  let pub = publicKeyFile, priv: string;
  if (pub) priv = pub.endsWith('.pub') ? pub.slice(0, -4) : pub;   // a suffix, not str.strip('.pub') as the original
  else {
    priv = path.join(data.keys, 'id_ed25519');
    pub = `${priv}.pub`;
    if (!fs.existsSync(priv)) {
      await fs.promises.mkdir(data.keys, { recursive: true, mode: 0o700 });
      await new LocalHost().run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'stratus-build', '-f', priv]);
    }
  }
  const text = await fs.promises.readFile(pub, 'utf8').catch(() => { throw new Error(`Public key ${pub} not found: give an existing .pub file`); });
  return { publicKeys: publicKeyLines(text), privateKeyPath: priv };
}

export interface PrepareOptions {
  data: DataLayout;
  marketplaces: { label: string; mp: Marketplace }[];
  trusted?: string[];
  publicKeyFile?: string;
  instanceTypes?: InstanceType[];
  acceleration?: 'auto' | 'kvm' | 'tcg';
  /** Passed as is (tests inject their own manager). */
  vms?: BuildOptions['vms'];
  /** The recipe host's services (the extension passes its own, so the build VM shows in the Instances tree); default: assembled here. */
  servicesFor?(host: Host): Promise<HostServices>;
  guestForwards?: GuestForward[];
  allowUntrusted?: boolean;
  allowOutsidePaths?: boolean;
  onOutput?: BuildOptions['onOutput'];
  onChange?: BuildOptions['onChange'];
  cacheMaxBytes?: number;
  /** Metadata of a base only a remote marketplace has (the build VM's launch fetches it; see marketplace/sources). */
  fetchMetadata?(identifier: string): Promise<string | undefined>;
}

/** A Build wired to the recipe's host (default: this machine), the user's key and the marketplaces. */
export async function prepareBuild(recipePath: string, o: PrepareOptions & { resume?: boolean | string }): Promise<Build> {
  const hostId = parseRecipe(await fs.promises.readFile(recipePath, 'utf8').catch(() => '')).recipe.host ?? 'local';
  const host = hostRegistry().get(hostId);
  if (!host && !o.vms) throw new Error(`Unknown host '${hostId}' in ${recipePath}. Configured hosts: ${hostRegistry().hosts().map(h => h.id).join(', ')}`);
  // A remote KVM host keeps its images, overlays and saved volumes in its own data folder; logs, records, keys and drafts stay here.
  const vms = o.vms ?? (await (o.servicesFor ?? (h => hostServices(h, { local: o.data, instanceTypes: o.instanceTypes, acceleration: o.acceleration, fetchMetadata: o.fetchMetadata })))(host!)).instances;
  const key = await buildKey(o.data, o.publicKeyFile);
  const how = o.resume ? (p: string, b: BuildOptions) => Build.resume(p, b, typeof o.resume === 'string' ? o.resume : undefined) : Build.prepare;
  return how(recipePath, {
    data: o.data, vms, ...key,
    lookupBase: marketplaceLookup(o.marketplaces, o.trusted),
    guestForwards: o.guestForwards, allowUntrusted: o.allowUntrusted, allowOutsidePaths: o.allowOutsidePaths,
    instanceTypes: o.instanceTypes?.map(t => t.name),
    onOutput: o.onOutput, onChange: o.onChange, cacheMaxBytes: o.cacheMaxBytes,
  });
}
