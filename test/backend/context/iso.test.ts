import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { LocalHost } from '../../../src/backend/host/local';
import { makeContextIso, renderContextSh, renderInitSh } from '../../../src/backend/context/iso';

const host = new LocalHost();
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1k0nTx0fYQ8y9m5gXx3cVZ1lH1hJcB0lJ2d3Zt7X1E test@stratus';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ctx-'));
const isoFile = (iso: string, name: string) => execFileSync('isoinfo', ['-R', '-i', iso, '-x', `/${name}`]).toString();
const isoLabel = (iso: string) => /Volume id:\s*(\S+)/.exec(execFileSync('isoinfo', ['-d', '-i', iso]).toString())?.[1];
const isoList = (iso: string) => execFileSync('isoinfo', ['-R', '-f', '-i', iso]).toString().trim().split('\n').sort();

const MANAGED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFx0Wm0a0Jt4sXcJ5QZ4C0m3uF8vH9w2Lk1pQ7rT2sYd stratus';

test('cloud-init: a cidata ISO; every key (the managed one too) in meta-data public-keys, root allowed by vendor-data', async () => {
  const dir = tmp();
  const iso = await makeContextIso(host, dir, { instanceId: 'i-0001', hostname: 'vm-one', sshKeys: [KEY], managedKey: MANAGED }, 'cloud-init');
  assert.equal(isoLabel(iso), 'cidata');
  assert.deepEqual(isoList(iso), ['/meta-data', '/user-data', '/vendor-data']);
  const md = parse(isoFile(iso, 'meta-data'));
  assert.equal(md['instance-id'], 'i-0001');
  assert.equal(md['local-hostname'], 'vm-one');
  assert.deepEqual(md['public-keys'], [KEY, MANAGED]);
  assert.equal(isoFile(iso, 'user-data'), '', 'no user data: an empty user-data');
  assert.deepEqual(parse(isoFile(iso, 'vendor-data')), { disable_root: false });
  assert.deepEqual(fs.readdirSync(dir), ['cidata.iso'], 'staging files are removed');
});

test('cloud-init: the user data goes in unchanged, byte for byte (a literal script stays literal)', async () => {
  const dir = tmp();
  const script = Buffer.from('#!/bin/sh\necho h\xe9llo > /root/hello\n', 'latin1');
  const iso = await makeContextIso(host, dir, { instanceId: 'i-2', hostname: 'h', sshKeys: [KEY], managedKey: MANAGED, userData: script }, 'cloud-init');
  assert.deepEqual(execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/user-data']), script);
});

test('cloud-init: a hostile hostname stays a YAML string', async () => {
  const dir = tmp();
  const iso = await makeContextIso(host, dir, { instanceId: 'x: y', hostname: "a'b: [c] #d", sshKeys: [] }, 'cloud-init');
  const md = parse(isoFile(iso, 'meta-data'));
  assert.equal(md['instance-id'], 'x: y');
  assert.equal(md['local-hostname'], "a'b: [c] #d");
});

const HOSTILE = ["it's", '$(touch /tmp/pwned-stratus)', '`id`', 'a\nb "c" \\ $HOME', "'; exit 3; '", ''];

test('stratuslab: _STRATUSLAB ISO whose context.sh sources to the exact values', async () => {
  const dir = tmp();
  const vars: Record<string, string> = {};
  HOSTILE.forEach((v, i) => { vars[`V${i}`] = v; });
  const iso = await makeContextIso(host, dir, { instanceId: 'i-3', hostname: 'vm-$(id)', sshKeys: [KEY, `Comment: "x"\n${KEY}2`], managedKey: MANAGED, vars }, 'stratuslab');
  assert.equal(isoLabel(iso), '_STRATUSLAB');
  assert.deepEqual(isoList(iso), ['/context.sh', '/init.sh']);
  const sh = isoFile(iso, 'context.sh');
  const work = tmp();
  fs.writeFileSync(path.join(work, 'context.sh'), sh);
  const read = (name: string) => execFileSync('sh', ['-c', `. ./context.sh; printf %s "$${name}"`], { cwd: work }).toString();
  for (const [k, v] of Object.entries(vars)) assert.equal(read(k), v, k);
  assert.equal(read('HOSTNAME'), 'vm-$(id)');
  assert.equal(read('PUBLIC_KEY'), `${KEY}\n${KEY}2`, 'Comment: lines dropped, one key per line');
  assert.equal(read('STRATUSLAB_REMOTE_KEY'), MANAGED);
  assert.equal(read('SSH_PUBLIC_KEY'), `${KEY}\n${KEY}2\n${MANAGED}`, 'what cloud-init\'s OpenNebula datasource reads');
  assert.equal(read('VMID'), 'i-3');
  assert.equal(fs.existsSync('/tmp/pwned-stratus'), false);
});

test('stratuslab: invalid or reserved variable names are refused with a clear error', () => {
  assert.throws(() => renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], vars: { 'A-B': 'x' } }), /not a valid shell name/);
  assert.throws(() => renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], vars: { 'X=1;id': 'x' } }), /not a valid shell name/);
  assert.throws(() => renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], vars: { PUBLIC_KEY: 'x' } }), /set by Stratus/);
});

test('stratuslab: user data becomes USER_DATA (base64) for cloud-init\'s OpenNebula datasource', async () => {
  const sh = renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], userData: '#!/bin/sh\necho ok\n' });
  const work = tmp();
  fs.writeFileSync(path.join(work, 'context.sh'), sh);
  const out = execFileSync('sh', ['-c', '. ./context.sh; [ "$USER_DATA_ENCODING" = base64 ] && printf %s "$USER_DATA" | base64 -d'], { cwd: work }).toString();
  assert.equal(out, '#!/bin/sh\necho ok\n');
});

test('stratuslab: init.sh, sourced as the seed\'s onecontext does, installs the keys once each and prints the host keys', () => {
  const work = tmp();
  const root = path.join(work, 'root');
  const ctx = { instanceId: 'i', hostname: 'h', sshKeys: [KEY], managedKey: MANAGED };
  fs.mkdirSync(path.join(work, 'mnt'));
  fs.writeFileSync(path.join(work, 'mnt', 'context.sh'), renderContextSh(ctx));
  // the paths a guest uses, moved into the scratch folder so the test runs unprivileged and touches nothing
  const init = renderInitSh(ctx).replace(/\/root\//g, `${root}/`).replace('/dev/console', `${work}/console`).replace(/ssh-keygen -A/, 'true');
  fs.writeFileSync(path.join(work, 'mnt', 'init.sh'), init);
  for (let i = 0; i < 2; i++) execFileSync('sh', ['-ec', `CONTEXT_DIR=${work}/mnt; . ${work}/mnt/init.sh`]);
  assert.equal(fs.readFileSync(path.join(root, '.ssh', 'authorized_keys'), 'utf8'), `${KEY}\n${MANAGED}\n`);
  assert.equal((fs.statSync(path.join(root, '.ssh', 'authorized_keys')).mode & 0o777), 0o600);
  assert.match(fs.readFileSync(path.join(work, 'console'), 'utf8'), /^-----BEGIN SSH HOST KEY KEYS-----\n[\s\S]*-----END SSH HOST KEY KEYS-----\n$/);
  assert.doesNotMatch(init, /ip addr|resolv\.conf/, 'no network lines on a DHCP network');
  assert.match(renderInitSh({ ...ctx, vars: { IP_PRIVATE: '192.0.2.10' } }), /ip addr replace/, 'a static address when the context gives one');
});
