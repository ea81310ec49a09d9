// The seeds' guest-booting command lines through the stratus-* launchers, with a remote marketplace as the image
// source: a second data folder served by `stratus marketplace serve` on 127.0.0.1 holds the base image's entry
// (the embedded store does not), its image is served over HTTP on loopback.
import assert from 'node:assert/strict';
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { LocalHost } from '../../src/backend/host/local';
import { InstanceManager } from '../../src/backend/kvm/instances';
import { dataLayout } from '../../src/backend/paths';
import { identifierToSha1 } from '../../src/core/metadata/identifier';
import { isoIn, signedEntry, tamperedEntry } from '../backend/marketplace/fixtures';
import { baseImage, qemuProcessesOf, vmSkipReason } from '../backend/kvm/fixtures';
import { hostAptMirror } from '../backend/kvm/aptMirror';
import { sshConnect, sshExec } from '../../src/backend/kvm/ssh';
import { REPO, runLine, seedCommand } from './seedCommands';

test('seeds on real guests: run-instance of a remote-only entry, create-image with flags, run-instance --save … --title, shutdown', { skip: vmSkipReason(), timeout: 40 * 60_000 }, async t => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-seeds-vm-'));
  const work = path.join(home, 'work');
  const dataDir = path.join(home, 'data');
  const served = path.join(home, 'served');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(home, '.ssh', 'id_rsa.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOfTheSeedVmTest seed@test\n');
  // the seed's appliance script (its content is ours): leaves a mark the launched image must carry
  fs.writeFileSync(path.join(work, 'create-cloud-init-appliance.sh'), '#!/bin/sh\nset -e\necho appliance-built > /root/appliance.txt\n', { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, STRATUS_DATA_DIR: dataDir, STRATUS_KVM_ACCEL: 'tcg' };
  for (const k of ['STRATUSLAB_MARKETPLACE_ENDPOINT', 'STRATUS_DEBUG', 'STRATUS_HOST']) delete env[k];
  const mgr = new InstanceManager({ host: new LocalHost(), data: dataLayout(dataDir), acceleration: 'tcg' });
  const started: string[] = [];
  let server: ChildProcess | undefined;
  let images: http.Server | undefined;
  const line = (l: string, vars: Record<string, string>, extra: string[] = [], e: NodeJS.ProcessEnv = env) => runLine(l, { vars, cwd: work, env: e, extra });
  try {
    // the base image over HTTP, its signed entry only in the served folder, and a tampered entry beside it
    const base = baseImage();
    images = http.createServer((req, res) => {
      if (req.url !== '/base.qcow2') { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-length': fs.statSync(base).size });
      fs.createReadStream(base).pipe(res);
    });
    await new Promise<void>(r => images!.listen(0, '127.0.0.1', r));
    const imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/base.qcow2`;
    const spec = { content: fs.readFileSync(base), title: 'Debian 13 base (remote)', os: 'debian', osVersion: '13', valid: isoIn(30), format: 'qcow2' as const, locations: [imageUrl] };
    const good = signedEntry(spec);
    const remoteId = /<dcterms:identifier>(\S+)<\/dcterms:identifier>/.exec(good)![1];
    const bad = tamperedEntry({ content: crypto.randomBytes(4096), title: 'tampered', valid: isoIn(30), locations: [imageUrl] });
    const badId = /<dcterms:identifier>(\S+)<\/dcterms:identifier>/.exec(bad)![1];
    const created = /<dcterms:created>(\S+)<\/dcterms:created>/.exec(bad)![1];
    // the server refuses to store a document whose signature fails: it is put into the folder directly, as a compromised mirror would
    fs.mkdirSync(path.join(served, 'metadata', badId, 'jane.tester@example.org'), { recursive: true });
    fs.writeFileSync(path.join(served, 'metadata', badId, 'jane.tester@example.org', `${created}.xml`), bad);
    server = spawn(process.execPath, [path.join(REPO, 'bin', 'stratus.js'), 'marketplace', 'serve', '--port', '0', '--dir', served], { env });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', d => { out += d; const m = /at (http:\/\/\S+?)\/? /.exec(out); if (m) resolve(m[1]); });
      server!.on('exit', c => reject(new Error(`marketplace serve exited ${c}`)));
    });
    fs.writeFileSync(path.join(work, 'base.xml'), good);
    let r = await line('stratus-upload-metadata --marketplace-endpoint $URL base.xml', { URL: url });
    assert.equal(r.code, 0, r.err);

    // a tampered entry is refused with the reason, before anything is downloaded or started
    r = await line('stratus-run-instance $ID --marketplace-endpoint $URL', { ID: badId, URL: url });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, new RegExp(`Refusing to launch ${badId}: the signature is not valid`));
    assert.deepEqual(fs.existsSync(path.join(dataDir, 'instances')) ? fs.readdirSync(path.join(dataDir, 'instances')) : [], []);

    // run-instance ID --marketplace-endpoint URL: fetched from the remote marketplace, verified, cached, booted
    assert.equal((await line('stratus marketplace list --endpoint local', {})).out.includes(remoteId), false, 'the embedded store lacks the entry');
    r = await line('stratus-run-instance $ID --marketplace-endpoint $URL', { ID: remoteId, URL: url });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`Image metadata from marketplace ${url.replace(/[.]/g, '\\.')}`), 'says which marketplace answered');
    const remoteVm = /Machine 1 \(vm ID: (\S+)\)/.exec(r.out)![1];
    started.push(remoteVm);
    // the cache is named by the SHA-1 the signed entry names (never by the identifier a forged entry could claim)
    assert.ok(fs.existsSync(path.join(dataDir, 'images', `${identifierToSha1(remoteId)}.qcow2`)), 'the image is in the cache');
    assert.equal((await mgr.exec(remoteVm, 'cat /etc/debian_version')).stdout.trim().split('.')[0], '13');
    assert.equal((await line('stratus-kill-instance $VM', { VM: remoteVm })).code, 0);

    // create-image with the seed's flags on the remote base (STRATUSLAB_MARKETPLACE_ENDPOINT, as the original read it)
    t.diagnostic('create-image (seed 001:573)…');
    r = await line(seedCommand('create-image-appliance').command, { BASE_ID: remoteId }, [], { ...env, STRATUSLAB_MARKETPLACE_ENDPOINT: url });
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(r.err, /Base image metadata from marketplace/);
    const newId = /New image (\S{27})/.exec(r.out)![1];
    assert.deepEqual(fs.readdirSync(work).filter(f => f.startsWith('.stratus-create-image')), [], 'the recipe of the flags is not left behind');

    // run-instance --save (seed 000:227, plus the --title the original requires) on the new image: the script's mark is there
    t.diagnostic('run-instance --save (seed 000:227)…');
    r = await line(seedCommand('run-instance-save').command, { BASE_ID: newId }, ['--title', 'manual ubuntu test image']);
    assert.equal(r.code, 0, r.err);
    const vm = /Machine 1 \(vm ID: (\S+)\)/.exec(r.out)![1];
    started.push(vm);
    assert.equal((await mgr.exec(vm, 'cat /root/appliance.txt')).stdout.trim(), 'appliance-built', 'the image create-image made');
    // m1.xlarge: 4 vCPU, 8192 MiB and its 8192 MiB swap disk, formatted and labelled
    assert.equal((await mgr.exec(vm, 'nproc')).stdout.trim(), '4');
    const swap = await mgr.exec(vm, 'swapon "$(blkid -L swap)" && swapon --show=SIZE --noheadings --bytes');
    assert.equal(swap.code, 0, swap.stderr);
    const swapBytes = Number(swap.stdout.trim());
    assert.ok(swapBytes > 8191 * 2 ** 20 && swapBytes <= 8192 * 2 ** 20, `the type's 8192 MiB swap disk is attached (swapon says ${swapBytes} bytes)`);
    // describe-instance: cpu% measured from the guest process
    const d = await line(seedCommand('describe-instance').command, {});
    assert.match(d.out, new RegExp(`^${vm}\\s+Running\\s+4\\s+8388608 kB\\s+\\d+\\s`, 'm'), d.out);
    // attach/detach a volume on the running guest
    const disk = /^DISK (\S+)/m.exec((await line('stratus-create-volume -s 1 -t data', {})).out)![1];
    r = await line('stratus-attach-volume -i $VM $DISK', { VM: vm, DISK: disk });
    assert.equal(r.code, 0, r.err);
    const dev = new RegExp(`^ATTACHED ${disk} in VM ${vm} on (/dev/\\S+)$`, 'm').exec(r.out)![1];
    assert.equal((await mgr.exec(vm, `for i in $(seq 30); do test -b ${dev} && break; sleep 1; done; test -b ${dev} && echo yes`)).stdout.trim(), 'yes');
    r = await line('stratus-detach-volume -i $VM $DISK', { VM: vm, DISK: disk });
    assert.equal(r.out, `DETACHED ${disk} from VM ${vm}\n`, r.err);
    assert.equal((await line('stratus-delete-volume $DISK', { DISK: disk })).code, 0);

    // shutdown (seed 000:267) saves it as a new image
    t.diagnostic('shutdown-instance (seed 000:267)…');
    r = await line(seedCommand('shutdown-instance').command, { VM_ID: vm });
    assert.equal(r.code, 0, r.err);
    const savedId = new RegExp(`${vm}: new image (\\S{27})`).exec(r.out)![1];
    assert.match((await line(seedCommand('describe-volumes').command, {})).out, new RegExp(`identifier: ${savedId}`));
    assert.deepEqual(qemuProcessesOf(vm), []);
  } finally {
    for (const id of started) await mgr.kill(id).catch(() => undefined);
    server?.kill('SIGTERM');
    await new Promise(r => (images ? images.close(r) : r(undefined)));
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test("seed 001's web server as written: run-instance --cloud-init 'ssh,$HOME/.ssh/id_rsa.pub#x-shellscript,run-http.sh' -p 0:80 → test.txt says SUCCESSFUL TEST, the seed's key logs in", {
  skip: vmSkipReason() ?? (hostAptMirror() ? undefined : "this machine's apt has no Debian mirror configured (the script installs apache2 from it)"), timeout: 20 * 60_000,
}, async t => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-seed-web-'));
  const work = path.join(home, 'work');
  const dataDir = path.join(home, 'data');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.mkdirSync(work);
  // the key where the seed has it ($HOME/.ssh/id_rsa.pub, '$HOME' inside single quotes: expanded by Stratus, not the shell)
  const key = path.join(home, '.ssh', 'id_rsa');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'seed-user', '-f', key]);
  // the seed's run-http.sh for Debian: the one in samples/webserver (npm start opens it)
  fs.copyFileSync(path.join(REPO, 'samples', 'webserver', 'run-http.sh'), path.join(work, 'run-http.sh'));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, STRATUS_DATA_DIR: dataDir, STRATUS_KVM_ACCEL: 'tcg' };
  for (const k of ['STRATUSLAB_MARKETPLACE_ENDPOINT', 'STRATUS_DEBUG', 'STRATUS_HOST', 'STRATUSLAB_KEY']) delete env[k];
  const mgr = new InstanceManager({ host: new LocalHost(), data: dataLayout(dataDir), acceleration: 'tcg' });
  let vm: string | undefined;
  try {
    const r = await runLine(seedCommand('run-instance-cloud-init').command, { vars: { HOME: home, BASE_ID: baseImage() }, cwd: work, env, extra: ['-p', '0:80', '--wait', '900'] });
    vm = /Machine 1 \(vm ID: (\S+)\)/.exec(r.out)?.[1];
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const port = /\tPort: 127\.0\.0\.1:(\d+)->80\/tcp/.exec(r.out)?.[1];
    assert.ok(port, r.out);
    // launch returns once cloud-init's final stage (the user's script) has run; apache may still be settling
    let body = '';
    for (let i = 0; i < 60 && body.trim() !== 'SUCCESSFUL TEST'; i++) {
      body = await fetch(`http://127.0.0.1:${port}/test.txt`).then(x => x.text(), () => '');
      if (body.trim() !== 'SUCCESSFUL TEST') await new Promise(res => setTimeout(res, 2000));
    }
    assert.equal(body.trim(), 'SUCCESSFUL TEST', 'curl http://127.0.0.1:PORT/test.txt');
    // the seed's key (not only Stratus's own) logs in as root
    const rec = (await mgr.describe(vm!))!;
    const c = await sshConnect({ host: mgr.host, ip: rec.ip, port: rec.sshPort, user: 'root', privateKey: fs.readFileSync(key), hostKeys: rec.sshHostKeys });
    try { assert.equal((await sshExec(c, 'id -un')).stdout.trim(), 'root'); } finally { c.end(); }
    assert.equal((await runLine('stratus-kill-instance $VM', { vars: { VM: vm! }, cwd: work, env })).code, 0);
    assert.deepEqual(qemuProcessesOf(vm!), []);
  } finally {
    if (vm) await mgr.kill(vm).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  }
});
