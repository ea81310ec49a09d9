import { parseArgs } from 'util';
import type { CliCommand } from '../command';
import { CliError } from '../command';
import { ImageError } from '../../backend/images/convert';
import { ExportFormat, exportVolume, importImage } from '../../backend/images/import';
import { VolumeError } from '../../backend/volumes/store';
import { READINESS_ITEMS, checkInstance, checkRootfs, formatReadiness, installContextAgent, verdict } from '../../backend/readiness/check';
import { HOST_USAGE, hostOption, localServices, withTarget } from '../target';

type Values = Record<string, string | boolean | string[] | undefined>;
function opts(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): { values: Values; positionals: string[] } {
  try { return parseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] }; } catch (e) { throw new CliError((e as Error).message); }
}

/** Ctrl-C cancels cleanly (temp files removed) instead of killing the process mid-write. */
function cancellable<T>(f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  return f(ac.signal).catch(e => {
    if (e instanceof ImageError || e instanceof VolumeError) throw new CliError(e.message, 1);
    throw e;
  }).finally(() => process.off('SIGINT', onInt));
}

function progressPrinter(err: (t: string) => void) {
  let last = -1; let lastMsg = '';
  return (f: number, msg: string) => {
    const pct = Math.floor(f * 100);
    if (pct === last && msg === lastMsg) return;
    if (pct - last >= 10 || msg !== lastMsg || pct === 100) { err(`${msg} ${pct}%`); last = pct; lastMsg = msg; }
  };
}

const importCmd: CliCommand = {
  name: 'import-image',
  summary: 'Import a VDI/VMDK/VHD(X)/qcow2/raw image (.gz/.bz2 too) into the volume store, with draft metadata',
  usage: `import-image [--format raw|qcow2] [--tag TAG] [--author EMAIL] [--no-metadata] ${HOST_USAGE} FILE`,
  async run(args, io) {
    const { values, positionals } = opts(args, { format: { type: 'string' }, tag: { type: 'string', short: 't' }, author: { type: 'string' }, 'no-metadata': { type: 'boolean' }, ...hostOption });
    if (positionals.length !== 1) throw new CliError('give exactly one image file');
    const format = (values.format ?? 'qcow2') as string;
    if (format !== 'raw' && format !== 'qcow2') throw new CliError('--format is raw or qcow2');
    const tag = values.tag as string | undefined;
    const r = await withTarget(values.host as string | undefined, io, t => cancellable(signal => importImage(t.volumes(), positionals[0], {
      format, tag, author: values.author as string | undefined, metadata: !values['no-metadata'], staging: t.local.volumes, signal, onProgress: progressPrinter(io.err),
    })));
    io.out(`DISK ${r.volume.uuid}`);
    if (r.identifier) io.out(`IDENTIFIER ${r.identifier}`);
    if (r.metadataPath) io.out(`METADATA ${r.metadataPath}`);
    return 0;
  },
};

const exportCmd: CliCommand = {
  name: 'export-volume',
  summary: 'Export a volume as raw .img.gz (for publishing), raw .img or a standalone qcow2',
  usage: `export-volume UUID --format img.gz|img|qcow2 -o|--output FILE ${HOST_USAGE}`,
  async run(args, io) {
    const { values, positionals } = opts(args, { format: { type: 'string' }, output: { type: 'string', short: 'o' }, ...hostOption });
    if (positionals.length !== 1) throw new CliError('give exactly one volume UUID');
    const format = (values.format ?? 'img.gz') as string;
    if (!['img.gz', 'img', 'qcow2'].includes(format)) throw new CliError('--format is img.gz, img or qcow2');
    if (!values.output) throw new CliError('give the output file with -o FILE');
    const out = await withTarget(values.host as string | undefined, io, t =>
      cancellable(signal => exportVolume(t.volumes(), positionals[0], values.output as string, format as ExportFormat, { signal, onProgress: progressPrinter(io.err) })));
    io.out(`EXPORTED ${out}`);
    return 0;
  },
};

const readiness: CliCommand = {
  name: 'check-readiness',
  summary: 'Check an image against the "building images from scratch" checklist (running instance or unpacked root file system)',
  usage: 'check-readiness (--instance ID [--install-context] | --root DIR) [--waive ID,…] [--require ID,…] [--json]\n' +
    '  --install-context installs the StratusLab one-context agent into the instance first (the fix for context.present)\n  item ids: ' + Object.keys(READINESS_ITEMS).join(', '),
  async run(args, io) {
    const { values } = opts(args, { instance: { type: 'string', short: 'i' }, root: { type: 'string' }, waive: { type: 'string' }, require: { type: 'string' }, json: { type: 'boolean' }, 'install-context': { type: 'boolean' } });
    const list = (v: unknown) => typeof v === 'string' ? v.split(',').map(x => x.trim()).filter(Boolean) : [];
    const waive = list(values.waive); const require = list(values.require);
    for (const id of [...waive, ...require]) if (!READINESS_ITEMS[id]) throw new CliError(`unknown item id '${id}'; ids: ${Object.keys(READINESS_ITEMS).join(', ')}`);
    if (!values.instance === !values.root) throw new CliError('give --instance ID (a running instance) or --root DIR (an unpacked root file system)');
    let items;
    if (values.root) items = await checkRootfs(values.root as string);
    else {
      const mgr = localServices().instances;
      const rec = await mgr.describe(values.instance as string);
      if (!rec) throw new CliError(`no instance ${values.instance} (see describe-instance)`);
      if (rec.state !== 'Running') throw new CliError(`instance ${rec.id} is ${rec.state}: the check runs on a Running instance`);
      if (values['install-context']) {
        try { await installContextAgent(mgr, rec.id); } catch (e) { throw new CliError((e as Error).message); }
        io.err(`Installed stratuslab-one-context in ${rec.id} (enabled at boot; save the instance to keep it in an image).`);
      }
      items = await checkInstance(mgr, rec.id, [(await mgr.managedKey()).publicKey]);
    }
    const v = verdict(items, { waive, require });
    io.out(values.json ? JSON.stringify({ ok: v.ok, items }, null, 2) : formatReadiness(items));
    return v.ok ? 0 : 1;
  },
};

export const imagesCommands: CliCommand[] = [importCmd, exportCmd, readiness];
