import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConnectionLostError, ConnectionPool, HostKeyError, SshHostSpec, UnknownHostKey } from '../../../src/backend/host/connections';
import { KnownHosts } from '../../../src/backend/host/knownHosts';
import { formatChecklist, preflight } from '../../../src/backend/host/preflight';
import { SshHost } from '../../../src/backend/host/ssh';
import { parseSshConfig, specFor } from '../../../src/backend/host/sshConfig';
import { createSshHost, DEFAULT_REMOTE_DATA_DIR } from '../../../src/backend/host/remoteHosts';
import { RemoteHostFixture, sshdAvailable, startRemoteHost } from './remoteHost';

const skip = sshdAvailable();

describe('SshHost against a real sshd', { skip }, () => {
  let fx: RemoteHostFixture;
  let work: string;
  const pools: ConnectionPool[] = [];

  before(async () => {
    fx = await startRemoteHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ssh-test-'));
  });
  after(async () => {
    for (const p of pools) p.closeAll();
    await fx?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  function spec(extra: Partial<SshHostSpec> = {}): SshHostSpec {
    return { host: fx.host, port: fx.port, user: fx.user, privateKey: fx.clientKey, agent: false, ...extra };
  }
  /** A host with its own pool (so connection counts are per test) trusting the fixture's known_hosts. */
  function mkHost(opts: { known?: KnownHosts; confirm?(k: UnknownHostKey): Promise<boolean>; spec?: Partial<SshHostSpec> } = {}): SshHost {
    const pool = new ConnectionPool();
    pools.push(pool);
    const known = opts.known ?? new KnownHosts(path.join(work, `own-${crypto.randomUUID()}`), [fx.knownHostsFile]);
    return new SshHost('remote', spec(opts.spec), { knownHosts: known, confirmHostKey: opts.confirm }, pool);
  }

  test('hostile arguments arrive literally, exit codes and streamed output come back', async () => {
    const h = mkHost();
    const marker = path.join(work, 'pwned');
    const hostile = [`$(touch ${marker})`, `\`touch ${marker}\``, 'a; touch ' + marker, "it's", '"dq"', 'two\nlines', '*', '', '  spaced  ', '--', '-n', '|&><'];
    const r = await h.exec(['printf', '%s\\0', ...hostile]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), hostile);
    assert.equal(fs.existsSync(marker), false, 'no argument was interpreted by the remote shell');
    assert.equal((await h.exec(['sh', '-c', 'echo oops >&2; exit 7'])).code, 7);
    const chunks: string[] = [];
    const s = await h.exec(['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.05; done'], { onStdout: c => chunks.push(c) });
    assert.equal(s.stdout, 'line1\nline2\nline3\n');
    assert.ok(chunks.length >= 2, `output streamed in ${chunks.length} chunk(s)`);
    assert.equal(await h.run(['cat'], { input: 'piped in' }), 'piped in');
    assert.equal((await h.run(['pwd'], { cwd: work })).trim(), work);
    assert.equal((await h.run(['sh', '-c', 'echo "$WHO"'], { env: { WHO: "x'; y" } })).trim(), "x'; y");
    await assert.rejects(h.run(['false']), /false failed on remote \(exit 1\)/);
  });

  test('cancellation stops the remote process', async () => {
    const h = mkHost();
    const ac = new AbortController();
    const tag = `31.${process.pid}`;
    // the fixture's sshd shares this machine's pid namespace: look for the remote process directly
    const alive = () => fs.readdirSync('/proc').filter(p => /^\d+$/.test(p)).some(p => {
      try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\0${tag}\0`; } catch { return false; }
    });
    const p = h.exec(['sleep', tag], { signal: ac.signal });
    for (let i = 0; i < 50 && !alive(); i++) await new Promise(r => setTimeout(r, 100));
    assert.equal(alive(), true, 'the remote sleep runs');
    ac.abort();
    await assert.rejects(p, /cancel|abort/i);
    for (let i = 0; i < 30 && alive(); i++) await new Promise(r => setTimeout(r, 100));
    assert.equal(alive(), false, 'the remote sleep was killed');
    await assert.rejects(h.exec(['sleep', '5'], { timeoutMs: 200 }), /timed out after 200 ms/);
  });

  test('files: atomic write, read, stat, readdir, rename, remove, mkdirp, free space — hostile names stay names', async () => {
    const h = mkHost();
    const dir = path.join(work, "d $(id) ;'x'");
    await h.mkdirp(path.join(dir, 'sub'));
    const f = path.join(dir, 'a "b".txt');
    await h.writeFile(f, 'hello');
    await h.writeFile(f, 'hello again', 0o600);
    assert.equal((await h.readFile(f)).toString(), 'hello again');
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    assert.deepEqual(await h.readdir(dir), ['a "b".txt', 'sub'], 'no temp file left behind');
    assert.equal((await h.stat(f))?.size, 11);
    assert.equal((await h.stat(path.join(dir, 'sub')))?.isDirectory, true);
    assert.equal(await h.stat(path.join(dir, 'missing')), undefined);
    await h.rename(f, path.join(dir, 'c'));
    assert.equal(fs.readFileSync(path.join(dir, 'c'), 'utf8'), 'hello again');
    await assert.rejects(h.readFile(path.join(dir, 'nope')), /no such file/);
    const free = await h.freeSpace(path.join(dir, 'not', 'yet'));
    const local = fs.statfsSync(dir);
    assert.ok(Math.abs(free - local.bavail * local.bsize) < 64 * 1024 ** 2, `df on the host (${free}) agrees with statfs (${local.bavail * local.bsize})`);
    await h.remove(dir);
    assert.equal(fs.existsSync(dir), false);
  });

  test('SFTP upload/download: progress, resume from a verified prefix, restart on a bad prefix', async () => {
    const h = mkHost();
    const src = path.join(work, 'img.bin');
    const data = crypto.randomBytes(3 * 1024 * 1024 + 123);
    fs.writeFileSync(src, data);
    const dst = path.join(work, 'remote-img.bin');
    const progress: number[] = [];
    await h.upload(src, dst, { onProgress: d => progress.push(d) });
    assert.ok(fs.readFileSync(dst).equals(data));
    assert.equal(progress[0], 0);
    assert.equal(progress[progress.length - 1], data.length);
    assert.ok(progress.length > 10);
    assert.equal(fs.existsSync(`${dst}.part`), false);

    // an interrupted earlier upload left a true prefix: only the rest is sent
    const dst2 = path.join(work, 'resumed.bin');
    await h.writeFile(`${dst2}.part`, data.subarray(0, 1024 * 1024));
    const p2: number[] = [];
    await h.upload(src, dst2, { onProgress: d => p2.push(d) });
    assert.equal(p2[0], 1024 * 1024, 'resumed from the partial size');
    assert.ok(fs.readFileSync(dst2).equals(data));

    // a partial file that is NOT a prefix is discarded, not appended to
    const dst3 = path.join(work, 'badprefix.bin');
    await h.writeFile(`${dst3}.part`, crypto.randomBytes(1024 * 1024));
    const p3: number[] = [];
    await h.upload(src, dst3, { onProgress: d => p3.push(d) });
    assert.equal(p3[0], 0);
    assert.ok(fs.readFileSync(dst3).equals(data));

    // cancelled mid-way: rejects, then the next upload resumes from what arrived
    const dst4 = path.join(work, 'cancelled.bin');
    const ac = new AbortController();
    await assert.rejects(h.upload(src, dst4, { signal: ac.signal, onProgress: d => { if (d > 1024 * 1024) ac.abort(); } }), /cancel|abort/i);
    assert.equal(fs.existsSync(dst4), false, 'no half file under the final name');
    const p4: number[] = [];
    await h.upload(src, dst4, { onProgress: d => p4.push(d) });
    assert.ok(p4[0] > 0, 'resumed after cancellation');
    assert.ok(fs.readFileSync(dst4).equals(data));

    // download, then resume from a local prefix
    const back = path.join(work, 'back.bin');
    const pd: number[] = [];
    await h.download(dst, back, { onProgress: d => pd.push(d) });
    assert.ok(fs.readFileSync(back).equals(data));
    assert.equal(pd[pd.length - 1], data.length);
    const back2 = path.join(work, 'back2.bin');
    fs.writeFileSync(`${back2}.part`, data.subarray(0, 2 * 1024 * 1024));
    const pd2: number[] = [];
    await h.download(dst, back2, { onProgress: d => pd2.push(d) });
    assert.equal(pd2[0], 2 * 1024 * 1024);
    assert.ok(fs.readFileSync(back2).equals(data));
  });

  test('one connection is shared by concurrent callers of every kind, more at once than sshd\'s MaxSessions (10): they wait their turn', async () => {
    const h = mkHost();
    const h2 = new SshHost('remote-again', spec(), { knownHosts: new KnownHosts(path.join(work, 'x'), [fx.knownHostsFile]) }, pools[pools.length - 1]);
    const f = path.join(work, 'shared.txt');
    fs.writeFileSync(f, 'x');
    const results = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => h.run(['sh', '-c', `sleep 0.3; echo ${i}`])),
      ...Array.from({ length: 12 }, () => h2.run(['sleep', '0.3'])),
      h.readFile(f).then(String), h2.stat(f).then(s => String(s?.size)), h.readdir(work).then(l => String(l.length > 0)),
    ]);
    assert.deepEqual(results.slice(0, 12), Array.from({ length: 12 }, (_, i) => `${i}\n`));
    assert.equal(h.conn.pool.opened, 1, 'exactly one SSH connection for all of them');
    assert.equal(h.state, 'connected');
  });

  test('a dropped connection fails in-flight work clearly, then reconnects with backoff', async () => {
    const h = mkHost();
    await h.run(['true']);
    const states: string[] = [];
    h.onDidChangeState(s => states.push(s));
    const inflight = h.exec(['sleep', '20']);
    await new Promise(r => setTimeout(r, 300));
    assert.ok(fx.killSessions() >= 1);
    await assert.rejects(inflight, (e: Error) => e instanceof ConnectionLostError && /lost while running sleep/.test(e.message));
    for (let i = 0; i < 100 && h.state !== 'connected'; i++) await new Promise(r => setTimeout(r, 100));
    assert.equal(h.state, 'connected', `reconnected in the background (states: ${states.join(' → ')})`);
    assert.ok(states.includes('reconnecting'));
    assert.equal((await h.run(['echo', 'back'])).trim(), 'back');
    assert.equal(h.conn.pool.opened, 2, 'the first connection and one reconnect');
  });

  test('an unknown host key asks with its SHA256 fingerprint; acceptance persists; refusal is final', async () => {
    const own = path.join(work, 'stratus_known_hosts');
    const pubFile = path.join(fx.dir, 'host_ed25519.pub');
    const expectedFp = execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1];
    const asked: UnknownHostKey[] = [];
    await assert.rejects(mkHost({ known: new KnownHosts(own, []), confirm: async k => { asked.push(k); return false; } }).run(['true']),
      (e: Error) => e instanceof HostKeyError && e.message.includes(expectedFp) && /not accepted/.test(e.message));
    assert.equal(fs.existsSync(own), false, 'a refused key is not recorded');
    const h = mkHost({ known: new KnownHosts(own, []), confirm: async k => { asked.push(k); return true; } });
    assert.equal((await h.run(['echo', 'ok'])).trim(), 'ok');
    assert.equal(asked.length, 2);
    assert.equal(asked[1].fingerprint, expectedFp);
    assert.equal(asked[1].keyType, 'ssh-ed25519');
    assert.match(fs.readFileSync(own, 'utf8'), /ssh-ed25519 AAAA/);
    const again = mkHost({ known: new KnownHosts(own, []), confirm: async () => { throw new Error('must not ask again'); } });
    assert.equal((await again.run(['echo', 'ok'])).trim(), 'ok');
  });

  test('hashed known_hosts entries are honoured', async () => {
    const hashed = path.join(work, 'hashed_known_hosts');
    fs.copyFileSync(fx.knownHostsFile, hashed);
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'pipe' });
    assert.match(fs.readFileSync(hashed, 'utf8'), /^\|1\|/);
    const h = mkHost({ known: new KnownHosts(path.join(work, 'none'), [hashed]) });
    assert.equal((await h.run(['echo', 'hashed'])).trim(), 'hashed');
  });

  test('ssh config: alias, IdentityFile and ProxyJump through the same sshd', async () => {
    const home = fs.mkdtempSync(path.join(work, 'home-'));
    const cfgText = [
      'Host jump', `  HostName ${fx.host}`, `  Port ${fx.port}`, '  User root', `  IdentityFile ${fx.clientKeyFile}`,
      'Host inner', `  HostName ${fx.innerHost}`, `  Port ${fx.innerPort}`, '  User root', '  ProxyJump jump', `  IdentityFile ${fx.clientKeyFile}`,
    ].join('\n');
    const cfg = parseSshConfig(cfgText, path.join(home, '.ssh', 'config'), home);
    const s = specFor('inner', cfg);
    assert.equal(s.proxyJump?.[0].host, fx.host);
    const pool = new ConnectionPool();
    pools.push(pool);
    const h = new SshHost('inner', { ...s, agent: false }, { knownHosts: new KnownHosts(path.join(work, 'n2'), [fx.knownHostsFile]) }, pool);
    const out = await h.run(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    assert.match(out, /^127\.0\.0\.1 /, `the inner session came in over the jump host's tunnel (${out.trim()})`);
    assert.equal(pool.opened, 2, 'one connection to the jump host, one through it');
  });

  test('pre-flight checklist on the remote host', async () => {
    const h = mkHost();
    const items = await preflight(h, { imagesDir: path.join(work, 'images'), instancesDir: work, minFreeBytes: 1024 });
    const byId = new Map(items.map(i => [i.id, i]));
    assert.equal(byId.get('space:images')?.ok, true);
    assert.equal(byId.get('qemu-img')?.ok, fs.existsSync('/usr/bin/qemu-img'));
    assert.equal(byId.get('qemu-system')?.ok, fs.existsSync('/usr/bin/qemu-system-x86_64'));
    assert.equal(byId.get('kvm')?.ok, (() => { try { fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK); return true; } catch { return false; } })());
    const tmpType = execFileSync('stat', ['-f', '-c', '%T', '/tmp'], { encoding: 'utf8' }).trim();
    assert.equal(byId.get('tmp:/tmp')?.ok, tmpType !== 'tmpfs');
    const huge = await preflight(h, { imagesDir: work, instancesDir: work, minFreeBytes: 2 ** 60 });
    const sp = huge.find(i => i.id === 'space:images')!;
    assert.equal(sp.ok, false);
    assert.match(sp.fix ?? '', /Free at least/);
    assert.match(formatChecklist(huge), /✘ Free space for images/);
  });

  test('a configured host entry: ssh-config-style target, remote data layout resolved to absolute paths', async () => {
    const pool = new ConnectionPool();
    pools.push(pool);
    const h = createSshHost({ name: 'lab', target: `root@${fx.host}:${fx.port}`, identityFile: fx.clientKeyFile }, {
      dataRoot: work, pool, sshConfig: parseSshConfig('', path.join(work, 'no-config')),
      knownHosts: new KnownHosts(path.join(work, 'kh-entry'), [fx.knownHostsFile]),
    });
    const home = (await h.run(['sh', '-c', 'echo "$HOME"'])).trim();
    const layout = await h.dataLayout('/local/keys');
    assert.equal(layout.root, path.posix.join(home, DEFAULT_REMOTE_DATA_DIR));
    assert.equal(layout.instances, path.posix.join(home, DEFAULT_REMOTE_DATA_DIR, 'instances'));
    assert.equal(layout.keys, '/local/keys');
    const abs = createSshHost({ name: 'abs', target: `root@${fx.host}:${fx.port}`, identityFile: fx.clientKeyFile, dataDir: '/srv/stratus' }, {
      dataRoot: work, pool, sshConfig: parseSshConfig('', path.join(work, 'no-config')), knownHosts: new KnownHosts(path.join(work, 'kh-entry'), [fx.knownHostsFile]),
    });
    assert.equal((await abs.dataLayout('/k')).images, '/srv/stratus/images');
    assert.equal(pool.opened, 1, 'two host objects for the same user@host:port share one connection');
  });

  test('auth: an encrypted key asks its passphrase (again when wrong) and reports the right one; ssh-agent works', async () => {
    const key = path.join(work, 'enc_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-C', 'enc', '-f', key]);
    const agentKey = path.join(work, 'agent_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'agent', '-f', agentKey]);
    fs.appendFileSync(path.join(fx.dir, 'authorized_keys'), fs.readFileSync(`${key}.pub`, 'utf8') + fs.readFileSync(`${agentKey}.pub`, 'utf8'));
    const asked: Array<[string, boolean]> = [];
    const kept: string[] = [];
    const pool = new ConnectionPool();
    pools.push(pool);
    const h = new SshHost('enc', { host: fx.host, port: fx.port, user: fx.user, agent: false, identityFiles: [path.join(work, 'missing_key'), key] }, {
      knownHosts: new KnownHosts(path.join(work, 'kh-auth'), [fx.knownHostsFile]),
      passphrase: async (file, retry) => { asked.push([file, retry]); return retry ? 'correct horse' : 'wrong'; },
      passphraseAccepted: (_f, p) => kept.push(p),
    }, pool);
    assert.equal((await h.run(['echo', 'in'])).trim(), 'in');
    assert.deepEqual(asked, [[key, false], [key, true]]);
    assert.deepEqual(kept, ['correct horse']);

    const sock = path.join(work, 'agent.sock');
    const agentOut = execFileSync('ssh-agent', ['-a', sock], { encoding: 'utf8' });
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agentOut)![1]);
    try {
      execFileSync('ssh-add', [agentKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'pipe' });
      const viaAgent = new SshHost('agent', { host: fx.host, port: fx.port, user: fx.user, agent: sock, identityFiles: [path.join(work, 'missing_key')] },
        { knownHosts: new KnownHosts(path.join(work, 'kh-auth'), [fx.knownHostsFile]) }, pool);
      assert.equal((await viaAgent.run(['echo', 'agent'])).trim(), 'agent');
      const none = new SshHost('none', { host: fx.host, port: fx.port, user: 'nobody-here', agent: false, identityFiles: [path.join(work, 'missing_key')] },
        { knownHosts: new KnownHosts(path.join(work, 'kh-auth'), [fx.knownHostsFile]) }, new ConnectionPool());
      await assert.rejects(none.run(['true']), /refused every key offered.*IdentityFile/);
    } finally { process.kill(agentPid); }
  });

  // last: re-keys the server
  test('a CHANGED host key is refused with the file and line that hold the old key', async () => {
    await fx.restart({ newHostKey: true });
    const h = mkHost({ confirm: async () => true });
    await assert.rejects(h.run(['true']), (e: Error) => {
      assert.ok(e instanceof HostKeyError);
      assert.match(e.message, /CHANGED/);
      assert.ok(e.message.includes(fx.knownHostsFile), e.message);
      assert.match(e.message, /line \d+/);
      return true;
    });
    assert.equal(h.state, 'error');
  });
});
