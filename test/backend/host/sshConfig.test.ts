import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseDestination, parseSshConfig, specFor } from '../../../src/backend/host/sshConfig';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-sshcfg-'));
after(() => fs.rmSync(home, { recursive: true, force: true }));
fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'lab.conf'), 'Host lab-*\n  User labuser\n  Port 2200\n');

const text = `
# first value wins, IdentityFile accumulates
Host kvm1 kvm1.alias
  HostName kvm1.example.org
  User admin
  IdentityFile ~/.ssh/kvm_%h
Host kvm*  !kvm9
  Port 2222
  User ignored
  IdentityFile=%d/.ssh/second
Match exec "false"
  User nobody
Host behind
  HostName 10.1.2.3
  ProxyJump kvm1,jumper@bastion:2022
Include conf.d/*.conf
Host *
  User fallback
`;
const cfg = parseSshConfig(text, path.join(home, '.ssh', 'config'), home);

test('Host patterns, first value wins, tokens, IdentityFile accumulates, Match skipped', () => {
  const r = cfg.resolve('kvm1');
  assert.equal(r.hostName, 'kvm1.example.org');
  assert.equal(r.user, 'admin');
  assert.equal(r.port, 2222);
  assert.deepEqual(r.identityFiles, [path.join(home, '.ssh', 'kvm_kvm1.example.org'), path.join(home, '.ssh', 'second')]);
  assert.equal(cfg.resolve('kvm9').port, 22, 'negated pattern');
  assert.equal(cfg.resolve('kvm9').user, 'fallback');
  assert.equal(cfg.resolve('behind').user, 'fallback', 'Match block ignored');
  assert.deepEqual(cfg.aliases(), ['kvm1', 'kvm1.alias', 'behind']);
});

test('Include (relative to ~/.ssh, glob) and ProxyJump chains resolved through the config', () => {
  const lab = cfg.resolve('lab-3');
  assert.equal(lab.user, 'labuser');
  assert.equal(lab.port, 2200);
  const s = specFor('behind', cfg);
  assert.equal(s.host, '10.1.2.3');
  assert.equal(s.alias, 'behind');
  assert.deepEqual(s.proxyJump?.map(j => [j.user, j.host, j.port]), [['admin', 'kvm1.example.org', 2222], ['jumper', 'bastion', 2022]]);
});

test('destinations: user@host:port forms and clear errors', () => {
  assert.deepEqual(parseDestination('root@10.0.0.2:2222'), { user: 'root', host: '10.0.0.2', port: 2222 });
  assert.deepEqual(parseDestination('ssh://h'), { user: undefined, host: 'h', port: 22 });
  assert.deepEqual(parseDestination('u@[fe80::1]:22'), { user: 'u', host: 'fe80::1', port: 22 });
  assert.throws(() => parseDestination('a b'), /not a host: write \[user@\]host\[:port\]/);
  assert.throws(() => parseDestination('h:70000'), /out of range/);
  const s = specFor('other@kvm1:2000', cfg);
  assert.deepEqual([s.user, s.host, s.port, s.alias], ['other', 'kvm1.example.org', 2000, 'kvm1'], 'explicit user/port beat the config');
});
