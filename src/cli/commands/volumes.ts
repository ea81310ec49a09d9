import { parseArgs } from 'util';
import type { CliCommand, CliIO } from '../command';
import { CliError } from '../command';
import { Volume, VolumeError, VolumeStore, checkUuid } from '../../backend/volumes/store';
import { hostOption, localServices, withTarget } from '../target';
import { attachVolume, detachVolume } from '../../backend/volumes/attach';

/** pdisk-like volumes in the data folder ($STRATUS_DATA_DIR/volumes), with the original commands' output (docs/stratuslab.md#volumes). */
export function openStore(): VolumeStore { return localServices().volumes; }

async function wrap<T>(f: () => Promise<T>): Promise<T> {
  try { return await f(); } catch (e) { if (e instanceof VolumeError) throw new CliError(e.message, e.usage ? 2 : 1); throw e; }
}

type Values = Record<string, string | boolean | string[] | undefined>;
function opts(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): { values: Values; positionals: string[] } {
  try { return parseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] }; } catch (e) { throw new CliError((e as Error).message); }
}

/** The fields `stratus-describe-volumes` prints, pdisk names first. */
export function volumeFields(v: Volume): Array<[string, string]> {
  return [
    ['uuid', v.uuid], ['tag', v.tag], ['count', String(v.count)], ['owner', v.owner], ['identifier', v.identifier],
    ['size', String(v.size)], ['type', v.type], ['visibility', v.visibility], ['format', v.format], ['path', v.path],
    ...(v.backing ? [['backing', v.backing] as [string, string]] : []), ...(v.backingFile ? [['backingFile', v.backingFile] as [string, string]] : []),
    ['attachedTo', v.attachedTo.join(',')], ['created', v.created],
  ];
}

const create: CliCommand = {
  name: 'create-volume',
  summary: 'Create a persistent disk volume (prints DISK <uuid>)',
  usage: 'create-volume [-H|--host NAME] -s|--size GiB [-t|--tag TAG] [--private|--public] [--format qcow2|raw] [--cow UUID]',
  async run(args, io) {
    const { values } = opts(args, { size: { type: 'string', short: 's' }, tag: { type: 'string', short: 't' }, private: { type: 'boolean' },
      public: { type: 'boolean' }, format: { type: 'string' }, cow: { type: 'string' }, ...hostOption });
    return withTarget(values.host as string | undefined, io, async t => {
      const store = t.volumes();
      if (values.cow) {
        const v = await wrap(() => store.copyOnWrite(values.cow as string, { tag: values.tag as string | undefined }));
        io.out(`DISK ${v.uuid}`);
        return 0;
      }
      const size = Number(values.size);
      if (values.size === undefined || !/^\d+$/.test(String(values.size))) throw new CliError('Volume size must be a valid integer between 1 and 1024');
      if (values.public && values.private) throw new CliError('give --public or --private, not both');
      const format = (values.format ?? 'qcow2') as string;
      if (format !== 'qcow2' && format !== 'raw') throw new CliError('--format is qcow2 or raw');
      const v = await wrap(() => store.create({ sizeGiB: size, tag: values.tag as string | undefined, visibility: values.public ? 'PUBLIC' : 'PRIVATE', format: format as 'qcow2' | 'raw' }));
      io.out(`DISK ${v.uuid}`);
      return 0;
    });
  },
};

function printVolumes(vs: Volume[], io: CliIO): void {
  if (!vs.length) { io.out('No disk to show'); return; }
  for (const v of vs) {
    io.out(`:: DISK ${v.uuid}`);
    for (const [k, val] of volumeFields(v)) io.out(`\t${k}: ${val}`);
  }
}

const describe: CliCommand = {
  name: 'describe-volumes',
  summary: 'List volumes (filters: -f name:regex, ANDed)',
  usage: 'describe-volumes [-H|--host NAME] [--json] [-f|--filter NAME:REGEX …] [UUID …]',
  async run(args, io) {
    const { values, positionals } = opts(args, { json: { type: 'boolean' }, filter: { type: 'string', short: 'f', multiple: true }, ...hostOption });
    const filters = ((values.filter ?? []) as string[]).map(f => {
      const i = f.indexOf(':');
      if (i <= 0) throw new CliError(`filter '${f}' must be NAME:REGEX, e.g. tag:^data`);
      try { return { name: f.slice(0, i), re: new RegExp(f.slice(i + 1)) }; } catch (e) { throw new CliError(`filter '${f}': ${(e as Error).message}`); }
    });
    let vs = await withTarget(values.host as string | undefined, io, t => t.volumes().list());
    if (positionals.length) vs = vs.filter(v => positionals.includes(v.uuid));
    vs = vs.filter(v => {
      const fields = new Map(volumeFields(v));
      return filters.every(f => fields.has(f.name) && f.re.test(fields.get(f.name)!));
    });
    if (values.json) io.out(JSON.stringify(vs, null, 2));
    else printVolumes(vs, io);
    return 0;
  },
};

const del: CliCommand = {
  name: 'delete-volume',
  summary: 'Delete volumes (refused while attached or while a copy-on-write volume uses it)',
  usage: 'delete-volume [-H|--host NAME] UUID …',
  async run(args, io) {
    const { values, positionals } = opts(args, hostOption);
    if (!positionals.length) throw new CliError('give the UUID of the volume(s) to delete');
    for (const u of positionals) await wrap(async () => checkUuid(u));
    return withTarget(values.host as string | undefined, io, async t => {
      const store = t.volumes();
      for (const u of positionals) { await wrap(() => store.delete(u)); io.out(`DELETED ${u}`); }
      return 0;
    });
  },
};

const copy: CliCommand = {
  name: 'copy-volume',
  summary: 'Copy-on-write: a new qcow2 volume backed by UUID (prints DISK <uuid>)',
  usage: 'copy-volume [-H|--host NAME] [-t|--tag TAG] UUID',
  async run(args, io) {
    const { values, positionals } = opts(args, { tag: { type: 'string', short: 't' }, ...hostOption });
    if (positionals.length !== 1) throw new CliError('give exactly one volume UUID');
    const v = await withTarget(values.host as string | undefined, io, t => wrap(() => t.volumes().copyOnWrite(positionals[0], { tag: values.tag as string | undefined })));
    io.out(`DISK ${v.uuid}`);
    return 0;
  },
};

/** stratus-attach-volume / stratus-detach-volume: hot-plug volumes into a Running instance on the same host. */
function attachCommand(detach: boolean): CliCommand {
  const name = detach ? 'detach-volume' : 'attach-volume';
  return {
    name,
    summary: detach ? 'Hot-detach volumes from an instance' : 'Hot-attach volumes to a Running instance (prints the guest device)',
    usage: `${name} [-H|--host NAME] -i|--instance VM_ID UUID …`,
    async run(args, io) {
      const { values, positionals } = opts(args, { instance: { type: 'string', short: 'i' }, ...hostOption });
      const vm = values.instance as string | undefined;
      if (!vm) throw new CliError('give the instance with -i VM_ID (see describe-instance)');
      if (!positionals.length) throw new CliError(`give the UUID of the volume(s) to ${detach ? 'detach' : 'attach'}`);
      for (const u of positionals) await wrap(async () => checkUuid(u));
      return withTarget(values.host as string | undefined, io, async t => {
        const mgr = t.manager(io), store = t.volumes();
        for (const u of positionals) {
          if (detach) { await wrap(() => detachVolume(mgr, store, vm, u)); io.out(`DETACHED ${u} from VM ${vm}`); }
          else { const dev = await wrap(() => attachVolume(mgr, store, vm, u)); io.out(`ATTACHED ${u} in VM ${vm} on /dev/${dev.replace(/^\/dev\//, '')}`); }
        }
        return 0;
      });
    },
  };
}

export const volumesCommands: CliCommand[] = [create, describe, del, copy, attachCommand(false), attachCommand(true)];
