import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { Build, buildCacheOf, listBuilds } from '../../../src/backend/build/build';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from '../kvm/fixtures';

const skip = vmSkipReason();
const BIN = path.resolve(__dirname, '..', '..', '..', '..', 'bin', 'stratus.js');

const sh = (body: string) => `#!/bin/sh\nset -e\n${body}\n`;

test('checkpoints: a rebuild with the last scripts changed reuses the unchanged prefix; a SIGKILLed build resumes from its last checkpoint and saves an image with every step', { skip, timeout: 900_000 }, async t => {
  const data = tempData('stratus-ckpt-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ckpt-recipe-'));
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const env = { ...process.env, STRATUS_DATA_DIR: data.root };
  const launched: string[] = [];
  try {
    fs.writeFileSync(path.join(work, 's1.sh'), sh('echo run >> /root/s1-runs'), { mode: 0o755 });
    fs.writeFileSync(path.join(work, 's2.sh'), sh('echo old > /root/two'), { mode: 0o755 });
    const head = `base: ${baseImage()}\ntype: c1.medium\ntimeouts:\n  vm-start: 600\n  ssh: 120\n`;
    // build A: two scripts, the VM kept running (so the disk can be looked at without a save)
    const recipeA = path.join(work, 'a.recipe.yaml');
    fs.writeFileSync(recipeA, `${head}shutdown: false\nscripts:\n  - path: s1.sh\n  - path: s2.sh\n`);
    const a = await Build.prepare(recipeA, { data, vms: mgr, publicKeys: [] });
    const ra = await a.run();
    assert.equal(ra.status, 'succeeded', ra.error);
    launched.push(ra.instanceId!);
    const logA = fs.readFileSync(ra.logPath, 'utf8');
    assert.match(logA, /Checkpoint after script s1\.sh/);
    assert.match(logA, /Checkpoint after script s2\.sh/);
    assert.equal((await mgr.exec(ra.instanceId!, 'cat /root/s1-runs /root/two')).stdout, 'run\nold\n');
    await a.cleanup();
    const cache = buildCacheOf(mgr)!;
    assert.equal((await cache.list()).length, 2, 'one checkpoint per script');

    // build B (the CLI): s2 changed, s3 added and slow; killed with SIGKILL while s3 runs
    fs.writeFileSync(path.join(work, 's2.sh'), sh('echo new > /root/two'), { mode: 0o755 });
    fs.writeFileSync(path.join(work, 's3.sh'), sh('echo three > /root/three\nsleep 30'), { mode: 0o755 });
    const recipeB = path.join(work, 'b.recipe.yaml');
    fs.writeFileSync(recipeB, `${head}scripts:\n  - path: s1.sh\n  - path: s2.sh\n  - path: s3.sh\nimage:\n  title: ckpt\n  comment: checkpoint test\n  author: Test\n  author-email: test@example.org\n`);
    let outB = '';
    const cli = spawn(process.execPath, [BIN, 'create-image', recipeB], { env, cwd: work });
    cli.stdout.on('data', d => (outB += d)); cli.stderr.on('data', d => (outB += d));
    const exited = new Promise(r => cli.on('close', r));
    for (let i = 0; !/Checkpoint after script s2\.sh/.test(outB); i++) {
      if (i > 1200) throw new Error(`build B never reached s3:\n${outB}`);
      await new Promise(r => setTimeout(r, 500));
    }
    assert.match(outB, /Steps 1–1 \(script s1\.sh\) reused from build /, 'the unchanged first script came from build A');
    assert.match(outB, new RegExp(`reused from build ${a.record.id}`));
    await new Promise(r => setTimeout(r, 3000));   // s3 is running (it sleeps)
    cli.kill('SIGKILL');
    await exited;
    const killed = (await listBuilds(data)).find(b => b.recipePath === recipeB)!;
    assert.equal(killed.status, 'running', 'the record still says running: the process is gone');
    launched.push(killed.instanceId!);

    // resume: continues from the checkpoint after s2, runs s3, saves
    const t0 = Date.now();
    const res = execFileSync(process.execPath, [BIN, 'create-image', '--resume', recipeB], { env, cwd: work, encoding: 'utf8', timeout: 600_000 });
    t.diagnostic(`resume took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    assert.match(res, new RegExp(`Resuming build ${killed.id}`));
    assert.match(res, new RegExp(`Steps 1–2 \\(script s1\\.sh, script s2\\.sh\\) reused from build ${killed.id}`));
    assert.match(res, /Checkpoint after script s3\.sh/);
    const imageId = /New image ([A-Za-z0-9_-]{27})/.exec(res)?.[1];
    assert.ok(imageId, res);
    assert.deepEqual(qemuProcessesOf(killed.instanceId!), [], 'the killed build\'s VM was removed');
    assert.ok(!fs.existsSync(path.join(data.instances, killed.instanceId!)), 'and its overlay');

    // the saved image stands on the base alone, and holds every step's effect (s1 ran once: its checkpoint was reused twice)
    const volumes = fs.readdirSync(data.volumes).filter(f => f.endsWith('.qcow2'));
    assert.equal(volumes.length, 1);
    const chain = execFileSync('qemu-img', ['info', '-U', '--backing-chain', '--output=json', path.join(data.volumes, volumes[0])], { encoding: 'utf8' });
    assert.doesNotMatch(chain, /build-cache/, 'the saved image does not depend on the cache');
    const vm = await mgr.launch({ image: imageId!, type: 'c1.medium', sshKeys: [] });
    launched.push(vm.id);
    assert.equal((await mgr.exec(vm.id, 'cat /root/s1-runs /root/two /root/three')).stdout, 'run\nnew\nthree\n');
  } finally {
    for (const id of launched) {
      await mgr.kill(id).catch(() => undefined);
      await mgr.forget(id).catch(() => undefined);
      assert.deepEqual(qemuProcessesOf(id), [], `no qemu left for ${id}`);
    }
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
