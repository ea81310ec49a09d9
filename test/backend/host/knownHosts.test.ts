import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { fingerprint, GuestKeys, KnownHosts, patternsMatch, pinGuestKey, guestKeysFile } from '../../../src/backend/host/knownHosts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-kh-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function newKey(name: string): { line: string; blob: Buffer; file: string } {
  const f = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', f]);
  const line = fs.readFileSync(`${f}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return { line, blob: Buffer.from(line.split(' ')[1], 'base64'), file: `${f}.pub` };
}
const a = newKey('a'), b = newKey('b');

test('fingerprint is the one ssh-keygen prints', () => {
  assert.equal(fingerprint(a.blob), execFileSync('ssh-keygen', ['-lf', a.file], { encoding: 'utf8' }).split(' ')[1]);
});

test('patterns: [host]:port, wildcards, negation, hashed', () => {
  assert.ok(patternsMatch('[10.0.0.1]:2222', ['[10.0.0.1]:2222']));
  assert.ok(!patternsMatch('[10.0.0.1]:2222', ['10.0.0.1']));
  assert.ok(!patternsMatch('[10.0.0.1]:2222', ['1']), 'brackets are literal, not a character class');
  assert.ok(patternsMatch('*.example.org,!bad.example.org', ['good.example.org']));
  assert.ok(!patternsMatch('*.example.org,!bad.example.org', ['bad.example.org']));
  const f = path.join(dir, 'hashed');
  fs.writeFileSync(f, `kvm1.example.org ${a.line}\n[kvm1.example.org]:2200 ${a.line}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'pipe' });
  const [l1, l2] = fs.readFileSync(f, 'utf8').trim().split('\n').map(l => l.split(' ')[0]);
  assert.ok(patternsMatch(l1, ['kvm1.example.org']) && !patternsMatch(l1, ['kvm2.example.org']));
  assert.ok(patternsMatch(l2, ['[kvm1.example.org]:2200']) && !patternsMatch(l2, ['kvm1.example.org']));
});

test('known, unknown, changed (file + line named), revoked; accept writes only the own file', () => {
  const user = path.join(dir, 'user_known_hosts');
  fs.writeFileSync(user, `# comment\nother ${b.line}\nkvm1 ${a.line}\n@revoked * ${b.line}\n`);
  const own = path.join(dir, 'own');
  const kh = new KnownHosts(own, [user]);
  assert.deepEqual(kh.check('kvm1', 22, a.blob), { status: 'known', file: user, line: 3 });
  const ch = kh.check('kvm1', 22, newKey('c').blob);
  assert.equal(ch.status, 'changed');
  assert.ok(ch.status === 'changed' && ch.message.includes(`${user} line 3`) && ch.message.includes(fingerprint(a.blob)));
  assert.equal(kh.check('other', 22, b.blob).status, 'revoked');
  const d = newKey('d');
  assert.equal(kh.check('kvm2', 2222, d.blob).status, 'unknown');
  kh.accept('kvm2', 2222, d.blob);
  assert.equal(kh.check('kvm2', 2222, d.blob).status, 'known');
  assert.equal(kh.check('kvm2', 22, d.blob).status, 'unknown', 'port is part of the identity');
  assert.match(fs.readFileSync(own, 'utf8'), /^\[kvm2\]:2222 ssh-ed25519 /);
  assert.ok(!fs.readFileSync(user, 'utf8').includes('kvm2'));
  assert.equal(kh.check('10.0.0.5', 22, a.blob, 'kvm1').status, 'known', 'the alias the user typed counts');
});

test('guest keys: pinned per instance; a reused address is reassigned, a changed key is refused', () => {
  const root = path.join(dir, 'data');
  const g = new GuestKeys(guestKeysFile(root));
  pinGuestKey('kvm1', '127.0.0.1', 10022, 'inst-1', [`${a.line} root@guest`], root);
  assert.deepEqual(g.check('kvm1', '127.0.0.1', 10022, 'inst-1', a.blob), { status: 'known', instanceId: 'inst-1' });
  const changed = g.check('kvm1', '127.0.0.1', 10022, 'inst-1', b.blob);
  assert.equal(changed.status, 'changed');
  assert.equal(g.verifyOrPin('kvm1', '127.0.0.1', 10022, 'inst-1', b.blob).ok, false);
  const re = g.verifyOrPin('kvm1', '127.0.0.1', 10022, 'inst-2', b.blob);
  assert.equal(re.ok, true);
  assert.match(re.message!, /now belongs to instance inst-2 \(it was inst-1\)/);
  assert.equal(g.check('kvm1', '127.0.0.1', 10022, 'inst-2', b.blob).status, 'known');
  assert.equal(g.check('kvm2', '127.0.0.1', 10022, 'inst-2', b.blob).status, 'unknown', 'per host');
  g.forget('inst-2');
  assert.equal(g.list().length, 0);
});
