import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import type { CliCommand, CliIO } from '../command';
import { CliError, inputError } from '../command';
import { LocalHost } from '../../backend/host/local';
import { InstanceError, type InstanceManager } from '../../backend/kvm/instances';
import { exportImage } from '../../backend/kvm/images';
import { DEFAULT_INSTANCE_TYPE, ExtraDiskSpec, InstanceRecord, LaunchOptions } from '../../backend/kvm/types';
import { formatPort, isLoopback, NetworkSpecError, parseNetworkMode, parsePublish } from '../../core/network';
import { ContextError, readParts } from '../../core/context/cloudinit';
import { resolveContext } from '../../core/context/launch';
import { hostOption, localServices, withTarget } from '../target';
import { DEFAULT_PUBLIC_KEY_FILES, publicKeyLines } from '../../core/sshKeys';

type Values = Record<string, string | boolean | string[] | undefined>;
function opts(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): { values: Values; positionals: string[] } {
  try { return parseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] }; } catch (e) { throw new CliError((e as Error).message); }
}

async function wrap<T>(f: () => Promise<T>): Promise<T> {
  try { return await f(); } catch (e) { if (e instanceof InstanceError || e instanceof ContextError) throw new CliError(e.message, e.usage ? 2 : 1); throw e; }
}

/** Key files as the original reads them: several keys per file, 'Comment:' lines dropped. */
function readKeys(files: string[]): string[] {
  const defaults = DEFAULT_PUBLIC_KEY_FILES.map(f => path.join(os.homedir(), '.ssh', f));
  const chosen = files.length ? files : (process.env.STRATUSLAB_KEY ? [process.env.STRATUSLAB_KEY] : defaults.filter(f => fs.existsSync(f)).slice(0, 1));
  const keys: string[] = [];
  for (const f of chosen) {
    let text: string;
    try { text = fs.readFileSync(f, 'utf8'); } catch { throw inputError(`cannot read the public key file ${f} — give an existing .pub file with -k/--key`); }
    keys.push(...publicKeyLines(text));
  }
  return keys;
}

/** --context 'K=V#K2=V2' and --context-file (KEY=VALUE lines, # comments); the cloud-init keys are kept apart. */
export function contextVars(inline: string[], files: string[]): Record<string, string> {
  return resolveContext({ inline, files: files.map(f => ({ name: f, text: readContextFile(f) })) }).vars;
}

function readContextFile(f: string): string {
  try { return fs.readFileSync(f, 'latin1'); } catch { throw new CliError(`Cannot read the context file ${f}.`); }
}

/** The published ports as docker ps shows them; on a remote host, where this machine reaches them when it does. */
export function portsColumn(r: InstanceRecord): string {
  return (r.localPorts ?? r.ports ?? []).map(formatPort).join(', ') || '-';
}

export function describeLine(r: InstanceRecord, cpu?: number): string[] {
  return [r.id, r.state, String(r.vcpu), `${r.memoryMiB * 1024} kB`, cpu === undefined ? '-' : String(cpu), `${r.ip}:${r.sshPort}`, r.name, portsColumn(r)];
}

/** The original's table: id(4) state(10) vcpu(5) memory(10) cpu%(5) host/ip(24) name(16), widened to the longest value + 1; then the published ports. */
export function describeTable(rs: InstanceRecord[], cpu: Map<string, number> = new Map()): string {
  const head = ['id', 'state', 'vcpu', 'memory', 'cpu%', 'host/ip', 'name', 'ports'];
  const widths = [4, 10, 5, 10, 5, 24, 16, 5];
  const rows = rs.map(r => describeLine(r, cpu.get(r.id)));
  for (const row of [head, ...rows]) row.forEach((c, i) => { widths[i] = Math.max(widths[i], c.length + 1); });
  return [head, ...rows].map(row => row.map((c, i) => c.padEnd(widths[i])).join(' ').trimEnd()).join('\n');
}

async function launch(mgr: InstanceManager, values: Values, positionals: string[], io: CliIO): Promise<number> {
  if (values['list-types']) {
    io.out(`  ${'Type'.padEnd(10)} ${'CPU'.padEnd(6)} ${'RAM'.padEnd(9)} SWAP`);
    for (const t of mgr.instanceTypes()) io.out(`${t.name === DEFAULT_INSTANCE_TYPE ? '*' : ' '} ${t.name.padEnd(10)} ${`${t.vcpu} CPU`.padEnd(6)} ${`${t.memoryMiB} MB`.padEnd(9)} ${t.swapMiB} MB`);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('give exactly one image: a marketplace identifier, a volume uuid, a URL or a file');
  const sshKeys = readKeys((values.key as string[] | undefined) ?? []);
  const parts = values['cloud-init'] ? await wrap(() => readParts((values['cloud-init'] as string[]).flatMap(c => c.split('#')))) : [];
  const ctx = await wrap(async () => resolveContext({
    method: values['context-method'] as string | undefined, parts, inline: (values.context as string[] | undefined) ?? [],
    files: ((values['context-file'] as string[] | undefined) ?? []).map(f => ({ name: f, text: readContextFile(f) })),
  }));
  sshKeys.push(...ctx.sshKeys.filter(k => !sshKeys.includes(k)));
  const num = (v: unknown, what: string) => { if (v === undefined) return undefined; const n = Number(v); if (!Number.isInteger(n) || n <= 0) throw new CliError(`${what} must be a positive integer`); return n; };
  const disks: ExtraDiskSpec[] = [
    ...((values['volatile-disk'] as string[] | undefined) ?? []).map(g => ({ kind: 'volatile' as const, sizeGiB: num(g, '--volatile-disk')! })),
    ...((values['persistent-disk'] as string[] | undefined) ?? []).map(u => ({ kind: 'persistent' as const, volumeId: u })),
    ...((values['readonly-disk'] as string[] | undefined) ?? []).map(i => ({ kind: 'readonly' as const, image: i })),
  ];
  const net = (f: () => unknown) => { try { return f(); } catch (e) { if (e instanceof NetworkSpecError) throw new CliError(e.message); throw e; } };
  const publish = ((values.publish as string[] | undefined) ?? []).map(p => net(() => parsePublish(p)) as ReturnType<typeof parsePublish>);
  for (const p of publish) if (!isLoopback(p.hostAddr)) io.err(`warning: ${p.hostAddr}:${p.hostPort || '(any)'} is reachable from other machines (not only this host's loopback)`);
  const lo: LaunchOptions = {
    network: (values.network ?? process.env.STRATUS_NETWORK) ? net(() => parseNetworkMode((values.network ?? process.env.STRATUS_NETWORK) as string)) as LaunchOptions['network'] : undefined,
    publish, publishAll: !!values['publish-all'],
    image: positionals[0], type: values.type as string | undefined, vcpu: num(values.cpu, '--cpu'), memoryMiB: num(values.ram, '--ram'),
    name: values['vm-name'] as string | undefined, sshKeys, contextMethod: ctx.method, contextVars: ctx.vars,
    userData: ctx.userData, disks, allowUntrusted: !!values['allow-untrusted'], bootTimeoutMs: values.wait ? num(values.wait, '--wait')! * 1000 : undefined,
    swapMiB: values.swap === '0' ? 0 : num(values.swap, '--swap'),
  };
  if (values.number !== undefined && num(values.number, '--number') !== 1) throw new CliError('-n/--number: one instance per command here — run the command once per instance');
  if (values.save) {
    lo.save = { title: (values.title as string) ?? '', comment: (values.comment as string) ?? '', author: (values.author as string) ?? '',
      email: ((values['author-email'] ?? values.email) as string) ?? '', version: (values['image-version'] ?? values.version) as string | undefined };
  }
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  try {
    const r = await wrap(() => mgr.launch(lo, { signal: ac.signal, onStep: s => { if (!values.quiet) io.err(s); }, onEvent: e => { if (e.phase === 'console') io.err(`console: ${e.message} (${e.detail})`); } }));
    if (values.output) fs.writeFileSync(values.output as string, `${r.id}\n`);
    if (values.quiet) io.out(`${r.id}, ${r.ip}:${r.sshPort}`);
    else {
      io.out(`Machine 1 (vm ID: ${r.id})`);
      io.out(`\tPublic ip: ${r.ip} (ssh port ${r.sshPort}): ssh -p ${r.sshPort} -i ${r.privateKeyPath} root@${r.ip}`);
      io.out(`\tNetwork: ${r.network}${r.networkDetail ? ` — ${r.networkDetail}` : ''}`);
      for (const p of r.ports) io.out(`\tPort: ${formatPort(p)}`);
    }
    return 0;
  } finally { process.removeListener('SIGINT', onSig); }
}

const run: CliCommand = {
  name: 'run-instance',
  summary: 'Launch an instance from a marketplace id, volume uuid, URL or file (.img, .img.gz, .qcow2) and wait for SSH',
  usage: 'run-instance IMAGE [-H|--host NAME] [-t|--type TYPE] [-k|--key FILE]… [--cpu N] [--ram MB] [--swap MB] [--vm-name NAME]\n' +
    '  [--marketplace-endpoint URL] [-o|--output FILE] [-n|--number 1]\n' +
    '  [--context K=V#K2=V2] [--context-file FILE] [--context-method one|stratuslab|cloud-init] [--cloud-init MIME,FILE#MIME,FILE]\n' +
    '  [--volatile-disk GB] [--persistent-disk UUID] [--readonly-disk ID] [--allow-untrusted] [--wait SECONDS] [-q]\n' +
    '  [--network nat|isolated|bridge:NAME] [-p|--publish [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]]… [--publish-all]\n' +
    '  [--save --title T --comment C --author A --author-email E [--image-version V]]\n' +
    '  run-instance -l|--list-types',
  async run(args, io) {
    const { values, positionals } = opts(args, {
      type: { type: 'string', short: 't' }, key: { type: 'string', short: 'k', multiple: true }, cpu: { type: 'string' }, ram: { type: 'string' },
      'vm-name': { type: 'string' }, context: { type: 'string', multiple: true }, 'context-file': { type: 'string', multiple: true },
      'context-method': { type: 'string' }, 'cloud-init': { type: 'string', multiple: true }, 'volatile-disk': { type: 'string', multiple: true },
      'persistent-disk': { type: 'string', multiple: true }, 'readonly-disk': { type: 'string', multiple: true }, 'allow-untrusted': { type: 'boolean' },
      wait: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, save: { type: 'boolean' }, title: { type: 'string' }, comment: { type: 'string' },
      author: { type: 'string' }, email: { type: 'string' }, 'author-email': { type: 'string' }, version: { type: 'string' }, 'image-version': { type: 'string' },
      'list-types': { type: 'boolean', short: 'l' }, ...hostOption,
      // the original's: a remote marketplace for identifiers, swap size, VM ids to a file, instance count (1), no URL check (a no-op)
      'marketplace-endpoint': { type: 'string', multiple: true }, swap: { type: 'string' }, output: { type: 'string', short: 'o' },
      number: { type: 'string', short: 'n' }, 'no-check-image-url': { type: 'boolean' },
      network: { type: 'string' }, publish: { type: 'string', short: 'p', multiple: true }, 'publish-all': { type: 'boolean' },
    });
    return withTarget(values.host as string | undefined, io, t => launch(t.manager(io, values['marketplace-endpoint'] as string[] | undefined), values, positionals, io));
  },
};

const describe: CliCommand = {
  name: 'describe-instance',
  summary: 'Show instances (all, or the given ids): state, vcpu, memory, host/ip:port, name',
  usage: 'describe-instance [-H|--host NAME] [-v] [-a|--all] [ID…]\n  Ended (Done) instances are listed with --all or by id; kill-instance ID removes one from the list.',
  async run(args, io) {
    const { values, positionals } = opts(args, { verbose: { type: 'boolean', short: 'v', multiple: true }, all: { type: 'boolean', short: 'a' }, ...hostOption });
    const verbose = ((values.verbose as boolean[] | undefined) ?? []).length;
    // cpu% is measured from each running guest's process on its host (half a second), as the original's monitor showed it
    const { rs, cpu } = await withTarget(values.host as string | undefined, io, async t => {
      const mgr = t.manager();
      const all = await mgr.list();
      const rs = positionals.length ? positionals.map(id => { const r = all.find(x => x.id === id); if (!r) throw inputError(`No instance ${id} — run describe-instance without an id for the list`); return r; })
        // as OpenNebula's list (the original's back end): ended instances drop out; Failed ones stay, they need a look
        : values.all ? all : all.filter(r => r.state !== 'Done');
      return { rs, cpu: await mgr.cpuUsage(rs.filter(r => r.state === 'Running' || r.state === 'Shutdown').map(r => r.id)) };
    });
    if (verbose >= 3 && rs.length === 1) { io.out(JSON.stringify(rs[0], null, 2)); return 0; }
    const table = describeTable(rs, cpu).split('\n');
    io.out(table[0]);
    rs.forEach((r, i) => {
      io.out(table[i + 1]);
      if (verbose && r.error) io.out(`    ${r.error}`);
      if (verbose && r.networkDetail) io.out(`    network ${r.network}: ${r.networkDetail}`);
      if (verbose && r.saved) io.out(`    saved image ${r.saved.imageId} (volume ${r.saved.volumeId})`);
    });
    return 0;
  },
};

function ids(values: Values, positionals: string[]): string[] {
  const out = [...positionals];
  if (values.input) out.push(...fs.readFileSync(values.input as string, 'utf8').split(/\r?\n/).map(l => l.trim()).filter(Boolean));
  if (!out.length) throw new CliError('give at least one instance id (or -i FILE)');
  return out;
}

const shutdown: CliCommand = {
  name: 'shutdown-instance',
  summary: 'Shut instances down cleanly (ACPI); an instance launched with --save is then saved as a new image',
  usage: 'shutdown-instance [-H|--host NAME] [-i|--input FILE] ID…',
  async run(args, io) {
    const { values, positionals } = opts(args, { input: { type: 'string', short: 'i' }, ...hostOption });
    return withTarget(values.host as string | undefined, io, async t => {
      const mgr = t.manager(io);
      for (const id of ids(values, positionals)) {
        const r = await wrap(() => mgr.shutdown(id, { onStep: s => io.err(s) }));
        if (r.saved) {
          io.out(`${id}: new image ${r.saved.imageId} (volume ${r.saved.volumeId}, ${r.saved.bytes} bytes)`);
          if (r.saved.metadataPath) io.out(`\tdraft metadata (valid 2 days): ${r.saved.metadataPath}`);
          if (r.saved.metadataProblem) io.err(`warning: no draft metadata: ${r.saved.metadataProblem}`);
        } else io.out(`${id}: ${r.state}`);
      }
      return 0;
    });
  },
};

const kill: CliCommand = {
  name: 'kill-instance',
  summary: 'Destroy instances at once and discard their disks (no save); an ended one is removed from the list',
  usage: 'kill-instance [-H|--host NAME] [-i|--input FILE] ID…',
  async run(args, io) {
    const { values, positionals } = opts(args, { input: { type: 'string', short: 'i' }, ...hostOption });
    return withTarget(values.host as string | undefined, io, async t => {
      const mgr = t.manager(io);
      for (const id of ids(values, positionals)) {
        // an ended instance has nothing left to kill: its record goes (its saved image, volume and draft stay)
        if ((await wrap(() => mgr.describe(id)))?.state === 'Done') { await wrap(() => mgr.forget(id)); io.out(`${id}: removed from the list (it had ended)`); continue; }
        await wrap(() => mgr.kill(id));
        io.out(`${id}: killed`);
      }
      return 0;
    });
  },
};

const exportCmd: CliCommand = {
  name: 'export-image',
  summary: 'Export a saved image (volume uuid, identifier or file) as raw .img.gz (same identifier) or a flattened qcow2',
  usage: 'export-image IMAGE OUTPUT.img.gz|OUTPUT.qcow2',
  async run(args, io) {
    const { positionals } = opts(args, {});
    if (positionals.length !== 2) throw new CliError('give the image and the output file');
    const [ref, out] = positionals;
    const vols = await localServices().volumes.list();
    const vol = vols.find(v => v.uuid === ref || (v.identifier === ref && v.type === 'MACHINE_IMAGE_ORIGIN'));
    const file = vol?.path ?? ref;
    if (!fs.existsSync(file)) throw new CliError(`No volume or file ${ref}.`);
    const format = /\.qcow2$/i.test(out) ? 'qcow2' : /\.img\.gz$/i.test(out) ? 'img.gz' : undefined;
    if (!format) throw new CliError('the output must end in .img.gz or .qcow2');
    await exportImage(new LocalHost(), file, path.resolve(out), format, { log: m => io.err(m) });
    io.out(path.resolve(out));
    return 0;
  },
};

export const instancesCommands: CliCommand[] = [run, describe, shutdown, kill, exportCmd];
