import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { contextVars, describeTable } from '../../src/cli/commands/instances';
import type { InstanceRecord } from '../../src/backend/kvm/types';

const CLI = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** The real CLI in a child process (its stdout is not the test runner's). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('run-instance --list-types marks the default type', async () => {
  const r = await cli(['run-instance', '--list-types']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^\* m1\.small\s+1 CPU\s+1536 MB\s+1536 MB$/m);
  assert.match(r.out, /^  c1\.xlarge\s+4 CPU\s+6144 MB\s+6144 MB$/m);
});

test('run-instance: --save needs all fields (original message), unknown types are refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-'));
  const key = path.join(dir, 'k.pub');
  fs.writeFileSync(key, 'Comment: x\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG test\n');
  const env = { STRATUS_DATA_DIR: dir, STRATUS_KVM_ACCEL: 'tcg' };
  try {
    let r = await cli(['run-instance', '-k', key, '--save', '--title', 't', path.join(dir, 'x.img')], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /With the --save option, please provide --comment, --author, --author-email/);
    r = await cli(['run-instance', '-k', key, '-t', 'z9.nope', path.join(dir, 'x.img')], env);
    assert.match(r.err, /Unknown instance type: z9\.nope/);
    r = await cli(['describe-instance'], env);
    assert.equal(r.code, 0);
    assert.match(r.out, /^id\s+state\s+vcpu\s+memory\s+cpu%\s+host\/ip\s+name\s+ports$/m);
    r = await cli(['kill-instance'], env);
    assert.match(r.err, /at least one instance id/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('context variables from --context and context files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ctx-'));
  const f = path.join(dir, 'ctx');
  fs.writeFileSync(f, '# comment\nA=1\nB="two words"\n');
  try {
    assert.deepEqual(contextVars(['C=3#D=x=y'], [f]), { A: '1', B: 'two words', C: '3', D: 'x=y' });
    assert.throws(() => contextVars(['novalue'], []), /use KEY=VALUE/);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('describe table widens columns to the longest value + 1', () => {
  const r = { id: 'vm-0123abcd', state: 'Running', vcpu: 2, memoryMiB: 1024, ip: '127.0.0.1', sshPort: 40022, name: 'a-rather-long-instance-name' } as InstanceRecord;
  const [head, row] = describeTable([r]).split('\n');
  assert.equal(row.indexOf('Running'), 'vm-0123abcd'.length + 2);
  assert.equal(head.indexOf('state'), row.indexOf('Running'));
  assert.ok(row.includes('1048576 kB') && row.includes('127.0.0.1:40022') && row.includes('a-rather-long-instance-name') && row.endsWith(' -'), 'no published ports: the ports column shows -');
  assert.ok(head.endsWith('ports'));
});

test('run-instance network options: bad -p / --network, a port in use and a missing bridge are one line each and create nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-net-'));
  const key = path.join(dir, 'k.pub');
  fs.writeFileSync(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG test\n');
  const env = { STRATUS_DATA_DIR: dir, STRATUS_KVM_ACCEL: 'tcg' };
  const busy = require('net').createServer();
  await new Promise<void>(r => busy.listen(0, '127.0.0.1', r));
  const port = busy.address().port;
  try {
    const img = path.join(dir, 'x.img');
    let r = await cli(['run-instance', '-k', key, '-p', '80', img], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /^stratus run-instance: Invalid port mapping '80': use \[HOSTADDR:\]HOSTPORT:GUESTPORT/m);
    r = await cli(['run-instance', '-k', key, '--network', 'host', img], env);
    assert.match(r.err, /Unknown network mode 'host': use nat, isolated or bridge:NAME/);
    r = await cli(['run-instance', '-k', key, '--publish', `${port}:80`, img], env);
    assert.match(r.err, new RegExp(`Host port 127\\.0\\.0\\.1:${port}/tcp is already in use on .*: choose another \\(-p OTHER:80\\) or 0 for a free one\\.`));
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    r = await cli(['run-instance', '-k', key, '--network', 'bridge:nosuchbr0', img], env);
    assert.match(r.err, /There is no bridge 'nosuchbr0'/);
    r = await cli(['run-instance', '-k', key, '-p', `0.0.0.0:${port}:80`, img], env);
    assert.match(r.err, /warning: 0\.0\.0\.0:\d+ is reachable from other machines/);
    assert.deepEqual(fs.existsSync(path.join(dir, 'instances')) ? fs.readdirSync(path.join(dir, 'instances')) : [], [], 'no instance was created');
  } finally {
    busy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('describe-instance lists live and failed instances; ended ones with --all or by id; kill-instance of an ended one removes it from the list', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-done-'));
  const env = { STRATUS_DATA_DIR: dir, STRATUS_KVM_ACCEL: 'tcg' };
  // two records as the manager leaves them: one that ended (shut down and saved), one that failed to boot
  const put = (id: string, state: string) => {
    fs.mkdirSync(path.join(dir, 'instances', id), { recursive: true });
    fs.writeFileSync(path.join(dir, 'instances', id, 'instance.json'), JSON.stringify({ id, state, name: id, hostId: 'local', driver: 'qemu', type: 'm1.small', vcpu: 1, memoryMiB: 1536, imageRef: 'x', base: 'x', overlay: path.join(dir, 'instances', id, 'overlay.qcow2'), accel: 'tcg', sshPort: 40022, ip: '127.0.0.1', sshUser: 'root', sshHostKeys: [], guestForwards: [], network: 'nat', createdAt: new Date().toISOString() }));
  };
  put('vm-0000done', 'Done');
  put('vm-000failed', 'Failed');
  try {
    let r = await cli(['describe-instance'], env);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /vm-0000done/);
    assert.match(r.out, /^vm-000failed\s+Failed/m);
    assert.match((await cli(['describe-instance', '--all'], env)).out, /^vm-0000done\s+Done/m);
    assert.match((await cli(['describe-instance', 'vm-0000done'], env)).out, /^vm-0000done\s+Done/m);
    r = await cli(['kill-instance', 'vm-0000done'], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'vm-0000done: removed from the list (it had ended)\n');
    assert.doesNotMatch((await cli(['describe-instance', '--all'], env)).out, /vm-0000done/);
    assert.equal(fs.existsSync(path.join(dir, 'instances', 'vm-0000done')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
