import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { LocalHost } from '../../../src/backend/host/local';
import { makeContextIso, renderContextSh } from '../../../src/backend/context/iso';

const host = new LocalHost();
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1k0nTx0fYQ8y9m5gXx3cVZ1lH1hJcB0lJ2d3Zt7X1E test@stratus';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ctx-'));
const isoFile = (iso: string, name: string) => execFileSync('isoinfo', ['-R', '-i', iso, '-x', `/${name}`]).toString();
const isoLabel = (iso: string) => /Volume id:\s*(\S+)/.exec(execFileSync('isoinfo', ['-d', '-i', iso]).toString())?.[1];
const isoList = (iso: string) => execFileSync('isoinfo', ['-R', '-f', '-i', iso]).toString().trim().split('\n').sort();

test('cloud-init: a cidata ISO with meta-data and a cloud-config carrying the keys', async () => {
  const dir = tmp();
  const iso = await makeContextIso(host, dir, { instanceId: 'i-0001', hostname: 'vm-one', sshKeys: [KEY] }, 'cloud-init');
  assert.equal(isoLabel(iso), 'cidata');
  assert.deepEqual(isoList(iso), ['/meta-data', '/user-data']);
  const md = parse(isoFile(iso, 'meta-data'));
  assert.equal(md['instance-id'], 'i-0001');
  assert.equal(md['local-hostname'], 'vm-one');
  const ud = isoFile(iso, 'user-data');
  assert.ok(ud.startsWith('#cloud-config\n'));
  assert.deepEqual(parse(ud).ssh_authorized_keys, [KEY]);
  assert.ok(ud.includes(`\n  - ${KEY}\n`), 'one key per line (line-oriented readers such as vm-context)');
  assert.deepEqual(fs.readdirSync(dir), ['cidata.iso'], 'staging files are removed');
});

test('cloud-init: keys plus a script give a multipart user-data with both parts', async () => {
  const dir = tmp();
  const script = '#!/bin/sh\necho hello > /root/hello\n';
  const iso = await makeContextIso(host, dir, { instanceId: 'i-2', hostname: 'h', sshKeys: [KEY], userData: script }, 'cloud-init');
  const ud = isoFile(iso, 'user-data');
  const boundary = /boundary="([^"]+)"/.exec(ud)?.[1];
  assert.ok(boundary, 'multipart boundary');
  const parts = ud.split(`--${boundary}`).slice(1, -1);
  assert.equal(parts.length, 2);
  assert.match(parts[0], /Content-Type: text\/cloud-config/);
  assert.ok(parts[0].includes(`- ${KEY}`));
  assert.match(parts[1], /Content-Type: text\/x-shellscript/);
  assert.ok(parts[1].endsWith(`\n\n${script}`));
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
  const iso = await makeContextIso(host, dir, { instanceId: 'i-3', hostname: 'vm-$(id)', sshKeys: [KEY, `Comment: "x"\n${KEY}2`], vars }, 'stratuslab');
  assert.equal(isoLabel(iso), '_STRATUSLAB');
  assert.deepEqual(isoList(iso), ['/context.sh']);
  const sh = isoFile(iso, 'context.sh');
  const work = tmp();
  fs.writeFileSync(path.join(work, 'context.sh'), sh);
  const read = (name: string) => execFileSync('sh', ['-c', `. ./context.sh; printf %s "$${name}"`], { cwd: work }).toString();
  for (const [k, v] of Object.entries(vars)) assert.equal(read(k), v, k);
  assert.equal(read('HOSTNAME'), 'vm-$(id)');
  assert.equal(read('PUBLIC_KEY'), `${KEY}\n${KEY}2`, 'Comment: lines dropped, one key per line');
  assert.equal(fs.existsSync('/tmp/pwned-stratus'), false);
});

test('stratuslab: invalid or reserved variable names are refused with a clear error', () => {
  assert.throws(() => renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], vars: { 'A-B': 'x' } }), /not a valid shell name/);
  assert.throws(() => renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], vars: { 'X=1;id': 'x' } }), /not a valid shell name/);
  assert.throws(() => renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], vars: { PUBLIC_KEY: 'x' } }), /set by Stratus/);
});

test('stratuslab: user data becomes START_SCRIPT_BASE64', async () => {
  const sh = renderContextSh({ instanceId: 'i', hostname: 'h', sshKeys: [], userData: '#!/bin/sh\necho ok\n' });
  const work = tmp();
  fs.writeFileSync(path.join(work, 'context.sh'), sh);
  const out = execFileSync('sh', ['-c', '. ./context.sh; printf %s "$START_SCRIPT_BASE64" | base64 -d'], { cwd: work }).toString();
  assert.equal(out, '#!/bin/sh\necho ok\n');
});
