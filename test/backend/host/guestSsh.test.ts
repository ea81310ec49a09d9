import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { GuestSshOptions, GuestSshTarget, guestKnownHosts, guestSshArgv, hopsOf } from '../../../src/backend/host/guestSsh';
import { KnownHosts, knownHostName } from '../../../src/backend/host/knownHosts';
import { createSshHost, sshRouteTo } from '../../../src/backend/host/remoteHosts';
import { parseSshConfig } from '../../../src/backend/host/sshConfig';
import { RemoteHostFixture, sshdAvailable, startRemoteHost } from './remoteHost';

const guest: GuestSshTarget = { host: '127.0.0.1', port: 2201, user: 'root', identityFile: '/k/id', knownHostsFile: '/d/known_hosts', pinned: true };

test('a guest on this machine: one ssh, its pinned keys only, destination after --', () => {
  assert.deepEqual(guestSshArgv(guest), [
    '-l', 'root', '-p', '2201', '-o', 'IdentityFile="/k/id"', '-o', 'IdentitiesOnly=yes',
    '-o', 'UserKnownHostsFile="/d/known_hosts"', '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes',
    '--', '127.0.0.1',
  ]);
  assert.throws(() => guestSshArgv({ ...guest, pinned: false }), /No host key is known/, 'no keys yet: no terminal, never accept-new');
});

test('a guest on a remote host: a ProxyCommand with -W to the guest, host keys checked on that hop too', () => {
  const a = guestSshArgv(guest, { via: { hops: [{ host: 'kvm1', port: 2222, user: 'ops', identityFiles: ['/h/my key%1'] }], knownHostsFiles: ['/d/known_hosts', '/home/u/.ssh/known_hosts'] } });
  const pc = a[a.indexOf('--') - 1];
  assert.equal(pc, `ProxyCommand=ssh -l ops -p 2222 -o 'IdentityFile="/h/my key%%%%1"' -o 'UserKnownHostsFile="/d/known_hosts" "/home/u/.ssh/known_hosts"' -o StrictHostKeyChecking=yes -W 127.0.0.1:2201 -- kvm1`);
  assert.deepEqual(a.slice(-2), ['--', '127.0.0.1'], 'the destination is the guest as the remote host sees it');
});

test('hopsOf: ProxyJump hosts first, then the host; file names ssh would expand are refused', () => {
  assert.deepEqual(hopsOf({ host: 'h', port: 22, user: 'u', proxyJump: [{ host: 'j', port: 2022, user: 'v', identityFiles: ['/j'] }] }).map(h => `${h.user}@${h.host}:${h.port}`), ['v@j:2022', 'u@h:22']);
  assert.throws(() => guestSshArgv({ ...guest, identityFile: '/home/${USER}/k' }), /would expand/);
});

test('guestKnownHosts: [addr]:port and the key, comments dropped', () => {
  assert.equal(guestKnownHosts('127.0.0.1', 2201, ['ssh-ed25519 AAAAC3 root@guest', '', 'garbage']), '[127.0.0.1]:2201 ssh-ed25519 AAAAC3\n');
  assert.equal(guestKnownHosts('10.0.0.5', 22, ['ssh-rsa AAAAB3']), '10.0.0.5 ssh-rsa AAAAB3\n');
});

// The argv run by the real OpenSSH client against a real sshd: the fixture is the remote KVM host, and the
// same sshd, reached from inside it on its loopback, stands in for the guest.
describe('guestSshArgv with /usr/bin/ssh through a real sshd', { skip: sshdAvailable() }, () => {
  let fx: RemoteHostFixture;
  let work: string;
  let key: string;
  let own: string;
  const pool = new ConnectionPool();

  before(async () => {
    fx = await startRemoteHost();
    // every file name has what OpenSSH would otherwise split, expand or unquote
    work = fs.mkdtempSync(path.join(os.tmpdir(), `stratus guest%ssh 'q' "d"-`));
    key = path.join(work, 'id key');
    fs.copyFileSync(fx.clientKeyFile, key);
    fs.chmodSync(key, 0o600);
    // the extension's own file knows only the remote host (as seen from here)
    own = path.join(work, 'known_hosts');
    fs.writeFileSync(own, `${knownHostName(fx.host, fx.port)} ${fx.hostKeyPub()}\n`);
  });
  after(async () => {
    pool.closeAll();
    await fx?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const accepted = () => (fs.readFileSync(path.join(fx.dir, 'sshd.log'), 'utf8').match(/Accepted publickey/g) ?? []).length;
  /** The guest as the remote sees it, pinned with `pinnedKey`. */
  function target(pinnedKey: string): GuestSshTarget {
    const file = path.join(work, 'guest known_hosts');
    fs.writeFileSync(file, guestKnownHosts(fx.innerHost, fx.innerPort, [`${pinnedKey} root@guest`]));
    return { host: fx.innerHost, port: fx.innerPort, user: fx.user, identityFile: key, knownHostsFile: file, pinned: true };
  }
  function ssh(t: GuestSshTarget, o: GuestSshOptions) {
    const argv = guestSshArgv(t, { ...o, batchMode: true, ssh: '/usr/bin/ssh' });
    // -F none: only what the argv says counts (not this machine's ~/.ssh/config)
    return spawnSync('/usr/bin/ssh', ['-F', 'none', ...argv, 'echo', 'reached:$SSH_CONNECTION'], { encoding: 'utf8', timeout: 30_000 });
  }
  /** The route of a RemoteKvmHost built from an entry, as the UI builds it. */
  function route(target: string, cfgText = '', known = [fx.knownHostsFile]) {
    const host = createSshHost({ name: 'lab', target, identityFile: key }, { dataRoot: work, sshConfig: parseSshConfig(cfgText, 'test-config'), pool, knownHosts: new KnownHosts(own, known) });
    return sshRouteTo(host, work, new KnownHosts(own, known));
  }

  test('reaches the guest through the remote host: it logs in from the remote\'s loopback', () => {
    const before = accepted();
    const r = ssh(target(fx.hostKeyPub()), { via: route(`${fx.user}@${fx.host}:${fx.port}`, '', [path.join(work, 'no such file')]) });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^reached:127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/m, 'the guest saw a connection from inside the remote');
    assert.equal(accepted() - before, 2, 'two logins: the remote host, then the guest');
  });

  test('a guest presenting another key than the pinned one is refused', () => {
    const wrong = fs.readFileSync(`${fx.clientKeyFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const before = accepted();
    const r = ssh(target(wrong), { via: route(`${fx.user}@${fx.host}:${fx.port}`) });
    assert.equal(r.status, 255);
    assert.doesNotMatch(r.stdout, /reached/);
    assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    assert.equal(accepted() - before, 1, 'only the remote host let us in');
  });

  test('a remote host whose key is in none of the files is refused before anything else', () => {
    fs.writeFileSync(own, '');
    try {
      const before = accepted();
      const r = ssh(target(fx.hostKeyPub()), { via: route(`${fx.user}@${fx.host}:${fx.port}`, '', []) });
      assert.equal(r.status, 255);
      assert.match(r.stderr, /Host key verification failed/);
      assert.equal(accepted(), before, 'no login at all');
    } finally { fs.writeFileSync(own, `${knownHostName(fx.host, fx.port)} ${fx.hostKeyPub()}\n`); }
  });

  test('a remote host behind a ProxyJump (from ~/.ssh/config): nested ProxyCommands, each hop checked', () => {
    const cfg = `Host lab\n  HostName ${fx.innerHost}\n  Port ${fx.innerPort}\n  User root\n  ProxyJump root@${fx.host}:${fx.port}\n`;
    const via = route('lab', cfg);
    assert.deepEqual(via.hops.map(h => `${h.host}:${h.port}`), [`${fx.host}:${fx.port}`, `${fx.innerHost}:${fx.innerPort}`]);
    // the jump host's key comes from the config-less default: give it the key explicitly
    via.hops[0].identityFiles = [key];
    const before = accepted();
    const r = ssh(target(fx.hostKeyPub()), { via });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^reached:127\.0\.0\.1 /m);
    assert.equal(accepted() - before, 3, 'jump host, remote host, guest');
  });
});
