import type { CliCommand, CliIO } from '../command';
import { parseOptions as parse, type Parsed } from '../args';
import { CliError } from '../command';
import { askHidden } from '../prompt';
import { dataLayout } from '../../backend/paths';
import { ConnectionPool, UnknownHostKey } from '../../backend/host/connections';
import { formatChecklist, preflightBlocks } from '../../backend/host/preflight';
import { checkHostName, createSshHost, HostEntry, loadHostEntries, RemoteKvmHost, saveHostEntries } from '../../backend/host/remoteHosts';
import { loadSshConfig, parseDestination } from '../../backend/host/sshConfig';

/**
 * `stratus host add|list|remove|check|exec`: remote KVM hosts over SSH. Host keys are never accepted
 * silently: an unknown key needs --accept-new-host-key (optionally pinned with --fingerprint).
 */

const USAGE = `host add [--name NAME] [--identity KEYFILE] [--data-dir DIR] [--images upload|download] [--accept-new-host-key [--fingerprint SHA256:…]] TARGET
       host list
       host remove NAME
       host check NAME [--min-free-gib N] [--libvirt]
       host exec NAME -- COMMAND [ARG…]
  TARGET is an ~/.ssh/config alias or [user@]host[:port]. The data folder is $STRATUS_DATA_DIR (hosts.json, known_hosts).`;

const str = (p: Parsed, n: string) => (typeof p.opts[n] === 'string' ? (p.opts[n] as string) : undefined);

export interface Opened { host: RemoteKvmHost; entry: HostEntry; unknownKey(): UnknownHostKey | undefined }

export function openHost(entry: HostEntry, io: CliIO, accept?: { fingerprint?: string }, pool = new ConnectionPool()): Opened {
  const root = dataLayout().root;
  let pending: UnknownHostKey | undefined;
  const host = createSshHost(entry, {
    dataRoot: root, pool,
    prompts: {
      confirmHostKey: async k => {
        pending = k;
        if (!accept) return false;
        if (accept.fingerprint && accept.fingerprint !== k.fingerprint) {
          io.err(`The host key of ${entry.target} is ${k.fingerprint}, not the --fingerprint given (${accept.fingerprint}); not accepted.`);
          return false;
        }
        // a key of a new type beside a known one is what a man in the middle would show: only an exact fingerprint accepts it
        if (k.otherTypesKnown && !accept.fingerprint) {
          io.err(`${k.host}:${k.port} already has a known host key of another type, and now presents a ${k.keyType} key (${k.fingerprint}); not accepted. ` +
            `If the server really has this key (ssh-keygen -lf /etc/ssh/ssh_host_${k.keyType.replace(/^ssh-|-.*$/g, '')}_key.pub there), run again with --accept-new-host-key --fingerprint ${k.fingerprint}.`);
          return false;
        }
        io.out(`Accepted the ${k.keyType} host key ${k.fingerprint} of ${k.host}:${k.port} (recorded in ${root}/known_hosts).`);
        return true;
      },
      passphrase: async (file, retry) => (await askHidden(`${retry ? 'Wrong passphrase. ' : ''}Passphrase for ${file}: `)) ?? process.env.STRATUS_SSH_PASSPHRASE,
    },
  });
  return { host, entry, unknownKey: () => pending };
}

export async function connectOrExplain({ host, entry, unknownKey }: Opened): Promise<RemoteKvmHost> {
  try { await host.connect(); return host; } catch (e) {
    const k = unknownKey();
    if (k && /not accepted/.test((e as Error).message))
      throw new CliError(`the ${k.keyType} host key of ${entry.target} is not known yet.\n  fingerprint: ${k.fingerprint}\n` +
        `Compare it with the server's (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub there); if it matches, run again with ` +
        `--accept-new-host-key --fingerprint ${k.fingerprint}`);
    throw new CliError((e as Error).message);
  }
}

export function findHost(name: string | undefined): HostEntry {
  if (!name) throw new CliError('give the host NAME (see stratus host list)');
  const e = loadHostEntries(dataLayout().root).find(x => x.name === name);
  if (!e) throw new CliError(`no host named '${name}' (stratus host list shows them; stratus host add TARGET adds one)`);
  return e;
}

async function add(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, ['accept-new-host-key']);
  const target = p.pos[0];
  if (!target) throw new CliError('give TARGET: an ~/.ssh/config alias or [user@]host[:port]');
  try { parseDestination(target); } catch (e) { throw new CliError((e as Error).message); }
  const name = str(p, 'name') ?? target;
  const bad = checkHostName(name);
  if (bad) throw new CliError(`${bad} (use --name)`);
  const root = dataLayout().root;
  const entries = loadHostEntries(root);
  if (entries.some(e => e.name === name)) throw new CliError(`a host named '${name}' exists already (stratus host remove ${name} first, or use --name)`);
  const images = str(p, 'images');
  if (images !== undefined && images !== 'upload' && images !== 'download') throw new CliError('--images is upload (fetched here, then sent over SSH) or download (the host fetches them)');
  const entry: HostEntry = { name, target, identityFile: str(p, 'identity'), dataDir: str(p, 'data-dir'), images };
  const fp = str(p, 'fingerprint');
  const o = openHost(entry, io, p.opts['accept-new-host-key'] ? { fingerprint: fp } : undefined);
  const host = o.host;
  try {
    await connectOrExplain(o);
    const uname = (await host.run(['uname', '-nrm'])).trim();
    saveHostEntries(root, [...entries, entry]);
    io.out(`Added host '${name}' (${host.conn.label}): ${uname}`);
    return 0;
  } finally { await host.close(); }
}

async function list(_args: string[], io: CliIO): Promise<number> {
  const entries = loadHostEntries(dataLayout().root);
  if (!entries.length) { io.out('no remote hosts (stratus host add TARGET)'); return 0; }
  for (const e of entries) io.out(`${e.name}\t${e.target}${e.identityFile ? `\tkey ${e.identityFile}` : ''}${e.dataDir ? `\tdata ${e.dataDir}` : ''}`);
  return 0;
}

async function remove(args: string[], io: CliIO): Promise<number> {
  const e = findHost(args[0]);
  const root = dataLayout().root;
  saveHostEntries(root, loadHostEntries(root).filter(x => x.name !== e.name));
  io.out(`Removed host '${e.name}' (its accepted host key stays in ${root}/known_hosts)`);
  return 0;
}

async function check(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, ['libvirt']);
  const entry = findHost(p.pos[0]);
  const gib = str(p, 'min-free-gib');
  if (gib !== undefined && !(Number(gib) >= 0)) throw new CliError('--min-free-gib must be a number ≥ 0');
  const o = openHost(entry, io);
  const host = o.host;
  try {
    await connectOrExplain(o);
    const items = await host.check({ minFreeBytes: gib !== undefined ? Number(gib) * 1024 ** 3 : undefined, libvirt: !!p.opts.libvirt });
    io.out(`Pre-flight on ${entry.name} (${host.conn.label}), data folder ${host.dataDir}:\n${formatChecklist(items)}`);
    return preflightBlocks(items).length ? 1 : 0;
  } finally { await host.close(); }
}

async function exec(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, []);
  const entry = findHost(p.pos[0]);
  if (!p.rest.length) throw new CliError('give the command after --, e.g. stratus host exec kvm1 -- virsh list --all');
  const o = openHost(entry, io);
  const host = o.host;
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  try {
    await connectOrExplain(o);
    const r = await host.exec(p.rest, { signal: ac.signal, onStdout: c => process.stdout.write(c), onStderr: c => process.stderr.write(c) });
    return r.code;
  } finally { process.removeListener('SIGINT', onInt); await host.close(); }
}

const hostCmd: CliCommand = {
  name: 'host',
  summary: 'Remote KVM hosts over SSH: add (host key checked), list, remove, pre-flight check, run a command',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'add': return add(rest, io);
      case 'list': case 'ls': return list(rest, io);
      case 'remove': case 'rm': return remove(rest, io);
      case 'check': return check(rest, io);
      case 'exec': return exec(rest, io);
      case 'ssh-config': io.out(loadSshConfig().aliases().join('\n')); return 0;
      default: throw new CliError(`unknown subcommand '${sub ?? ''}'. usage: stratus ${USAGE}`);
    }
  },
};

export const hostsCommands: CliCommand[] = [hostCmd];
