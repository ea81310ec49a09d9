import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { Visibility, VolumeFormat, checkSize, checkTag } from '../../../backend/volumes/store';
import type { Host } from '../../../backend/host/host';
import { hostById } from '../../services/hosts';
import { pickHostForVolume, volumeStoreFor } from '../../services/volumes';

/** `host`: a host id (default: this machine; from the palette it is asked when there are several hosts). */
export interface CreateVolumeArgs { host?: string; sizeGiB?: number; tag?: string; visibility?: Visibility; format?: VolumeFormat }

const message = (f: () => void) => { try { f(); return undefined; } catch (e) { return (e as Error).message; } };

/**
 * stratus.volumes.create: asks host (when several), size, tag and visibility, or takes them as arguments;
 * from a host node of the Volumes tree, creates on that host. Returns the new Volume.
 */
export async function create(ctx: UiContext, arg?: CreateVolumeArgs | { kind: 'host'; host: Host }) {
  const node = arg && 'kind' in arg && arg.kind === 'host' ? arg : undefined;
  const args = node ? undefined : arg as CreateVolumeArgs | undefined;
  // scripted calls without `host` keep meaning this machine; only the palette asks
  const host = node?.host ?? (args ? hostById(args.host) : await pickHostForVolume('Create Volume: host'));
  if (!host) {
    if (args) throw new Error(`no host named '${args.host}'.`);
    return undefined;
  }
  let size = args?.sizeGiB;
  if (size === undefined) {
    const s = await vscode.window.showInputBox({ title: `Create Volume on ${host.label} (1/3)`, prompt: 'Size in GiB (1–1024)', value: '1',
      validateInput: v => message(() => checkSize(/^\d+$/.test(v.trim()) ? Number(v) : NaN)) });
    if (s === undefined) return undefined;
    size = Number(s);
  }
  let tag = args?.tag;
  if (tag === undefined) {
    tag = await vscode.window.showInputBox({ title: `Create Volume on ${host.label} (2/3)`, prompt: 'Tag (optional, less than 40 characters)', validateInput: v => message(() => checkTag(v)) });
    if (tag === undefined) return undefined;
  }
  let visibility = args?.visibility;
  if (!visibility) {
    const pick = await vscode.window.showQuickPick([{ label: 'Private', v: 'PRIVATE' as const, description: 'default' }, { label: 'Public', v: 'PUBLIC' as const }], { title: `Create Volume on ${host.label} (3/3)`, placeHolder: 'Visibility' });
    if (!pick) return undefined;
    visibility = pick.v;
  }
  const v = await (await volumeStoreFor(ctx, host)).create({ sizeGiB: size, tag, visibility, format: args?.format });
  ctx.log.info(`Created volume ${v.uuid} on ${host.label} (${v.size} GiB, tag '${v.tag}')`);
  ctx.trees.get('stratus.volumes')?.refresh();
  return v;
}
