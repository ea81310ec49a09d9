import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { knownHostName } from '../../src/backend/host/knownHosts';
import { RemoteHostFixture, sshdAvailable, startRemoteHost } from '../backend/host/remoteHost';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');

describe('stratus host (CLI) against a real sshd', { skip: sshdAvailable() }, () => {
  let fx: RemoteHostFixture;
  let home: string;
  before(async () => {
    fx = await startRemoteHost();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-cli-home-'));
  });
  after(async () => { await fx?.stop(); fs.rmSync(home, { recursive: true, force: true }); });

  // HOME and the data folder are private to the test: ~/.ssh/known_hosts of the machine is not consulted
  const cli = (...args: string[]) => new Promise<{ code: number; out: string; err: string }>(resolve => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HOME: home, STRATUS_DATA_DIR: path.join(home, 'data'), SSH_AUTH_SOCK: '' } });
    let out = '', err = '';
    p.stdout.on('data', d => (out += d));
    p.stderr.on('data', d => (err += d));
    p.on('close', code => resolve({ code: code ?? -1, out, err }));
  });

  test('add needs an explicit, matching fingerprint; then exec, check, list, remove', async () => {
    const target = `root@${fx.host}:${fx.port}`;
    const fp = fx.fingerprint();
    let r = await cli('host', 'add', '--name', 'r1', '--identity', fx.clientKeyFile, target);
    assert.equal(r.code, 2, r.err);
    assert.ok(r.err.includes(fp) && r.err.includes('--accept-new-host-key'), r.err);
    assert.equal(fs.existsSync(path.join(home, 'data', 'hosts.json')), false);
    r = await cli('host', 'add', '--name', 'r1', '--identity', fx.clientKeyFile, '--accept-new-host-key', '--fingerprint', 'SHA256:wrong', target);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /not the --fingerprint given/);
    // a known key of another type: --accept-new-host-key alone does not let a new type in
    const other = path.join(home, 'other-ecdsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', other]);
    fs.mkdirSync(path.join(home, 'data'), { recursive: true });
    fs.writeFileSync(path.join(home, 'data', 'known_hosts'), `${knownHostName(fx.host, fx.port)} ${fs.readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    r = await cli('host', 'add', '--name', 'r1', '--identity', fx.clientKeyFile, '--accept-new-host-key', target);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /already has a known host key of another type/);
    assert.equal(fs.existsSync(path.join(home, 'data', 'hosts.json')), false);
    fs.rmSync(path.join(home, 'data', 'known_hosts'));
    r = await cli('host', 'add', '--name', 'r1', '--identity', fx.clientKeyFile, '--accept-new-host-key', '--fingerprint', fp, target);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Added host 'r1'/);
    assert.match(fs.readFileSync(path.join(home, 'data', 'known_hosts'), 'utf8'), /ssh-ed25519 /);

    r = await cli('host', 'exec', 'r1', '--', 'printf', '%s|', '$(id)', 'a b', "'q'");
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "$(id)|a b|'q'|");
    assert.equal((await cli('host', 'exec', 'r1', '--', 'sh', '-c', 'exit 3')).code, 3);

    r = await cli('host', 'check', 'r1', '--min-free-gib', '0');
    assert.match(r.out, /Pre-flight on r1/);
    assert.match(r.out, /[✔✘] Free space for images/);
    assert.match(r.out, /qemu-img/);
    r = await cli('host', 'check', 'r1', '--min-free-gib', '99999999');
    assert.equal(r.code, 1, 'a blocking item fails the check');
    assert.match(r.out, /→ Free at least/);

    // volumes and instances on the remote host: --host NAME (one connection per command, closed so the CLI exits)
    const remoteData = path.join(home, 'remote-data');
    assert.equal((await cli('host', 'remove', 'r1')).code, 0);
    r = await cli('host', 'add', '--name', 'r1', '--identity', fx.clientKeyFile, '--data-dir', remoteData, '--accept-new-host-key', '--fingerprint', fp, target);
    assert.equal(r.code, 0, r.err);
    r = await cli('create-volume', '--host', 'r1', '-s', '1', '-t', "it's $(id)");
    assert.equal(r.code, 0, r.err);
    const uuid = /^DISK (\S+)/.exec(r.out)![1];
    const listed = JSON.parse((await cli('describe-volumes', '--host', 'r1', '--json')).out);
    assert.deepEqual(listed.map((v: { uuid: string; tag: string }) => [v.uuid, v.tag]), [[uuid, "it's $(id)"]]);
    assert.ok(listed[0].path.startsWith(path.join(remoteData, 'volumes')), 'the disk is in the host\'s data folder');
    assert.ok(fs.existsSync(listed[0].path));
    assert.match((await cli('describe-volumes')).out, /No disk to show/, 'this machine\'s volumes are a separate store');
    assert.match((await cli('describe-instance', '--host', 'r1')).out, /^id\s+state/m);
    assert.equal((await cli('delete-volume', '--host', 'r1', uuid)).code, 0);
    assert.equal(fs.existsSync(listed[0].path), false);

    // a disk of this machine imported into the host's store, exported back here: same raw content
    const disk = path.join(home, 'disk.img');
    const content = Buffer.alloc(1 << 20, 0); content.write('stratus remote import', 4096);
    fs.writeFileSync(disk, content);
    r = await cli('import-image', '--host', 'r1', '--format', 'raw', disk);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Uploading to r1/);
    const imported = /^DISK (\S+)/m.exec(r.out)![1];
    assert.ok(/^METADATA (\S+)/m.exec(r.out)![1].startsWith(path.join(remoteData, 'volumes')), 'the draft is beside the disk on the host');
    const back = path.join(home, 'back.img');
    r = await cli('export-volume', '--host', 'r1', imported, '--format', 'img', '-o', back);
    assert.equal(r.code, 0, r.err);
    assert.ok(fs.readFileSync(back).equals(content), 'the round trip keeps the bytes');
    assert.equal((await cli('delete-volume', '--host', 'r1', imported)).code, 0);
    r = await cli('describe-volumes', '--host', 'nope');
    assert.equal(r.code, 2);
    assert.match(r.err, /no host named 'nope'/);

    assert.match((await cli('host', 'list')).out, new RegExp(`^r1\\troot@\\[?${fx.host.replace(/\./g, '\\.')}`, 'm'));
    assert.equal((await cli('host', 'remove', 'r1')).code, 0);
    assert.match((await cli('host', 'list')).out, /no remote hosts/);
    r = await cli('host', 'exec', 'nope', '--', 'true');
    assert.equal(r.code, 2);
    assert.match(r.err, /no host named 'nope'/);
  });
});
