import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { ConnectionPool } from '../../../src/backend/host/connections';
import { KnownHosts } from '../../../src/backend/host/knownHosts';
import { SshHost } from '../../../src/backend/host/ssh';

/**
 * A real "remote host" for the SSH tests: OpenSSH sshd with key-only auth (fresh ed25519 host and
 * client keys in a temp dir) inside a network namespace reached over a veth pair in 10.77.<100-200>.0/30.
 * Where namespaces are not permitted it listens on 127.0.0.1 on a free port instead.
 * stop() kills exactly the sshd it started and deletes exactly the namespace/veth it created.
 */
export interface RemoteHostFixture {
  dir: string;
  host: string;
  port: number;
  user: string;
  /** Address:port where the same sshd answers as seen from inside the remote (for ProxyJump tests). */
  innerHost: string;
  innerPort: number;
  netns?: string;
  clientKeyFile: string;
  clientKey: Buffer;
  /** known_hosts with the current host key for host:port and innerHost:innerPort. */
  knownHostsFile: string;
  hostKeyPub(): string;
  /** SHA256 fingerprint of the host key, as `ssh-keygen -l` prints it (changes after restart({ newHostKey })). */
  fingerprint(): string;
  /** Kills the per-connection sshd processes (the listener stays): every client connection drops. */
  killSessions(): number;
  /** Restarts the listener; with newHostKey the server is re-keyed (known_hosts file is NOT updated). */
  restart(opts?: { newHostKey?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

export function sshdAvailable(): string | undefined {
  if (!fs.existsSync(SSHD)) return 'OpenSSH server (sshd) is not installed: apt-get install openssh-server';
  if (process.getuid?.() !== 0) return 'the sshd fixture needs root (it runs sshd with its own host key and may create a network namespace)';
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); });
    s.on('error', rej);
  });
}

async function waitPort(host: string, port: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>(r => {
      const s = net.connect(port, host, () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`sshd did not listen on ${host}:${port}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

/** Namespaces this fixture made in runs whose process was killed before stop() (their veth goes with them). */
function reapStale(ip: (...a: string[]) => Buffer): void {
  let list = '';
  try { list = ip('netns', 'list').toString(); } catch { return; }
  for (const m of list.matchAll(/^stratus-ssh-(\d+)-(\d+)\b/gm)) {
    let alive = true;
    try { process.kill(Number(m[1]), 0); } catch (e) { alive = (e as NodeJS.ErrnoException).code === 'EPERM'; }
    if (!alive) { try { ip('netns', 'del', `stratus-ssh-${m[1]}-${m[2]}`); } catch { /* raced */ } }
  }
}

// Never reused within a process: a later test's known_hosts would meet an earlier fixture's key at the
// same address and (rightly) refuse it as a changed host key.
const subnetsUsed = new Set<number>();
let fixtures = 0;

function tryNetns(tag: string, loopback?: boolean): { ns: string; hostIf: string; outer: string; inner: string } | undefined {
  if (loopback || process.env.STRATUS_SSH_FIXTURE === 'loopback') return undefined;
  const used = execFileSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' });
  let third = 0;
  for (let i = 0; i < 40 && !third; i++) { const t = 100 + Math.floor(Math.random() * 101); if (!used.includes(`10.77.${t}.`) && !subnetsUsed.has(t)) third = t; }
  if (!third) return undefined;
  subnetsUsed.add(third);
  const ns = `stratus-ssh-${process.pid}-${tag}`, hostIf = `vss${tag}a`, peer = `vss${tag}b`;
  const outer = `10.77.${third}.1`, inner = `10.77.${third}.2`;
  const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
  reapStale(ip);
  try {
    ip('netns', 'add', ns);
  } catch { return undefined; }
  try {
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', ns);
    ip('addr', 'add', `${outer}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${inner}/30`, 'dev', peer);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    return { ns, hostIf, outer, inner };
  } catch {
    try { ip('link', 'del', hostIf); } catch { /* not created */ }
    try { ip('netns', 'del', ns); } catch { /* already gone */ }
    return undefined;
  }
}

/**
 * `loopback`: sshd in this machine's own network namespace, for remote tests that use a daemon of this
 * machine (libvirtd): its guests' forwarded ports live here, where a real remote's would live on the remote.
 */
export async function startRemoteHost(o: { loopback?: boolean } = {}): Promise<RemoteHostFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-sshd-'));
  const keygen = (f: string, c: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', c, '-f', f]);
  keygen(path.join(dir, 'client_ed25519'), 'stratus-test-client');
  keygen(path.join(dir, 'host_ed25519'), 'stratus-test-host');
  fs.copyFileSync(path.join(dir, 'client_ed25519.pub'), path.join(dir, 'authorized_keys'));
  fs.chmodSync(path.join(dir, 'authorized_keys'), 0o600);
  fs.mkdirSync('/run/sshd', { recursive: true });

  const tag = `${process.pid % 100000}${fixtures++}`;
  const net4 = tryNetns(tag, o.loopback);
  const host = net4?.inner ?? '127.0.0.1';
  const port = net4 ? 22 : await freePort();
  const listen = net4 ? [`${net4.inner}:22`, '127.0.0.1:22'] : [`127.0.0.1:${port}`];
  const conf = path.join(dir, 'sshd_config');
  fs.writeFileSync(conf, [
    ...listen.map(l => `ListenAddress ${l}`),
    `HostKey ${path.join(dir, 'host_ed25519')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password', 'PubkeyAuthentication yes', 'StrictModes no',
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
    'AllowTcpForwarding yes', 'Subsystem sftp internal-sftp', `PidFile ${path.join(dir, 'sshd.pid')}`,
    // MaxSessions stays OpenSSH's default (10), as on users' hosts
    'LogLevel VERBOSE', 'MaxStartups 100', '',
  ].join('\n'));

  let proc: ChildProcess | undefined;
  const start = async () => {
    // pdeathsig: sshd dies with the test process even if that is killed before stop()
    const argv = ['setpriv', '--pdeathsig', 'KILL', SSHD, '-D', '-e', '-f', conf];
    const log = fs.openSync(path.join(dir, 'sshd.log'), 'a');
    // `ip netns exec` execs sshd, so the recorded pid is sshd's own
    proc = net4 ? spawn('ip', ['netns', 'exec', net4.ns, ...argv], { stdio: ['ignore', log, log] }) : spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    proc.unref();
    await waitPort(host, port);
  };
  const stopSshd = async () => {
    const p = proc;
    if (!p?.pid || p.exitCode !== null) return;
    for (const c of childrenOf(p.pid)) { try { process.kill(c, 'SIGKILL'); } catch { /* gone */ } }
    p.kill('SIGTERM');
    for (let i = 0; i < 60 && p.exitCode === null && p.signalCode === null; i++) await new Promise(r => setTimeout(r, 50));
  };
  // If the test process dies without calling stop(), still remove exactly what was created.
  const emergency = () => {
    try { if (proc?.pid && proc.exitCode === null) process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
    if (net4) { try { execFileSync('ip', ['netns', 'del', net4.ns], { stdio: 'pipe' }); } catch { /* gone */ } }
  };
  process.once('exit', emergency);
  const knownHostsFile = path.join(dir, 'known_hosts');
  const writeKnown = () => {
    const k = fs.readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const names = net4 ? [host, '127.0.0.1'] : [`[127.0.0.1]:${port}`];
    fs.writeFileSync(knownHostsFile, names.map(n => `${n} ${k}\n`).join(''));
  };
  writeKnown();
  await start();

  return {
    dir, host, port, user: 'root', netns: net4?.ns,
    innerHost: '127.0.0.1', innerPort: net4 ? 22 : port,
    clientKeyFile: path.join(dir, 'client_ed25519'),
    clientKey: fs.readFileSync(path.join(dir, 'client_ed25519')),
    knownHostsFile,
    hostKeyPub: () => fs.readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' '),
    // computed by OpenSSH itself: the reference the extension's own fingerprints are compared with
    fingerprint: () => execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1],
    killSessions: () => {
      const kids = proc?.pid ? childrenOf(proc.pid) : [];
      for (const c of kids) { try { process.kill(c, 'SIGKILL'); } catch { /* gone */ } }
      return kids.length;
    },
    restart: async (opts = {}) => {
      await stopSshd();
      if (opts.newHostKey) {
        for (const f of ['host_ed25519', 'host_ed25519.pub']) fs.rmSync(path.join(dir, f));
        keygen(path.join(dir, 'host_ed25519'), 'stratus-test-host-rekeyed');
      }
      await start();
    },
    stop: async () => {
      process.removeListener('exit', emergency);
      await stopSshd();
      if (net4) {
        try { execFileSync('ip', ['link', 'del', net4.hostIf], { stdio: 'pipe' }); } catch { /* went with the ns */ }
        try { execFileSync('ip', ['netns', 'del', net4.ns], { stdio: 'pipe' }); } catch { /* already gone */ }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An SshHost logged into the fixture with its client key, trusting only its host key (own known_hosts in `dir`). */
export function fixtureHost(fx: RemoteHostFixture, id: string, pool: ConnectionPool, dir: string): SshHost {
  return new SshHost(id, { host: fx.host, port: fx.port, user: fx.user, privateKey: fx.clientKey, agent: false },
    { knownHosts: new KnownHosts(path.join(dir, 'known_hosts'), [fx.knownHostsFile]) }, pool);
}
