import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { guestKnownHosts, guestSshArgv } from '../../../src/backend/host/guestSsh';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { Build } from '../../../src/backend/build/build';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from '../kvm/fixtures';

const skip = vmSkipReason();

test('a failing script + Keep VM: the VM stays up and an OpenSSH terminal reaches it; Retry after fixing the script succeeds from that step', { skip, timeout: 600_000 }, async t => {
  const data = tempData('stratus-keep-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-keep-recipe-'));
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  let build: Build | undefined;
  try {
    const script = path.join(work, 'setup.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho attempt >> /root/attempts\necho "cannot find the config" >&2\nexit 3\n', { mode: 0o755 });
    const recipe = path.join(work, 'keep.recipe.yaml');
    fs.writeFileSync(recipe, `base: ${baseImage()}\ntype: c1.medium\nshutdown: false\nprerecipe: |\n  echo ran >> /root/prerecipe-runs\nscripts:\n  - path: setup.sh\ntimeouts:\n  vm-start: 600\n  ssh: 120\n`);
    build = await Build.prepare(recipe, { data, vms: mgr, publicKeys: [] });
    const failed = await build.run();
    assert.equal(failed.status, 'failed', failed.error);
    assert.equal(failed.failedStep, 'scripts');
    const step = build.step('scripts');
    assert.match(step.error ?? '', /An error occurred while executing script setup\.sh \(exit 3\):\ncannot find the config/);
    assert.match(fs.readFileSync(step.logPath!, 'utf8'), /:: Executing user scripts[\s\S]*cannot find the config/, 'the step has its own log');
    assert.doesNotMatch(fs.readFileSync(step.logPath!, 'utf8'), /Executing user prerecipe/);

    build.keep();
    assert.equal(build.record.status, 'kept');
    const id = build.record.instanceId!;
    const vm = (await mgr.describe(id))!;
    assert.equal(vm.state, 'Running');
    // what the Builds view's SSH terminal runs: OpenSSH with the VM's pinned host keys
    const knownHosts = path.join(build.dir, 'known_hosts');
    fs.writeFileSync(knownHosts, guestKnownHosts(vm.ip, vm.sshPort, vm.sshHostKeys), { mode: 0o600 });
    const argv = guestSshArgv({ host: vm.ip, port: vm.sshPort, user: vm.sshUser, identityFile: vm.privateKeyPath, knownHostsFile: knownHosts, pinned: true }, { batchMode: true });
    assert.equal(execFileSync('ssh', [...argv, 'cat /root/attempts /root/prerecipe-runs'], { encoding: 'utf8', timeout: 60_000 }), 'attempt\nran\n', 'the kept VM is reachable over SSH and holds the failed step\'s work');

    fs.writeFileSync(script, '#!/bin/sh\necho attempt >> /root/attempts\necho fixed > /root/fixed\n', { mode: 0o755 });
    const retried = await build.retry();
    assert.equal(retried.status, 'succeeded', retried.error);
    assert.equal(retried.instanceId, id, 'the same VM');
    assert.equal((await mgr.exec(id, 'cat /root/fixed /root/prerecipe-runs /root/attempts')).stdout, 'fixed\nran\nattempt\nattempt\n', 'only the failed step ran again');
    assert.match(fs.readFileSync(step.logPath!, 'utf8'), /:: Executing user scripts \(retry\)/, 'the retry appends to the step log');
  } finally {
    const id = build?.record.instanceId;
    await build?.cleanup();
    if (id) assert.deepEqual(qemuProcessesOf(id), [], 'cleanup leaves no qemu');
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
