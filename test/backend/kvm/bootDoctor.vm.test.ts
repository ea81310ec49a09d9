import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import type { ProgressEvent } from '../../../src/backend/kvm/types';
import { baseImage, qemuProcessesOf, sha256File, tempData, vmSkipReason } from './fixtures';

const skip = vmSkipReason() ?? (hasDebugfs() ? undefined : 'debugfs (e2fsprogs) is needed to make the sshd-masked image');

function hasDebugfs(): boolean {
  try { execFileSync('sh', ['-c', 'command -v debugfs'], { stdio: 'ignore' }); return true; } catch { return false; }
}

test('boot doctor on real guests: a blank disk is "no bootable disk" at once; an image with sshd masked is "sshd not running", both before the timeout', { skip, timeout: 900_000 }, async t => {
  const base = baseImage();
  const baseHash = sha256File(base);
  const data = tempData('stratus-doctor-');
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const ids = async () => (await mgr.list()).map(r => r.id);
  try {
    // 1. a blank qcow2: SeaBIOS says "No bootable device." on its debug port; the wait ends there
    const blank = path.join(data.root, 'blank.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', blank, '1G']);
    const events: ProgressEvent[] = [];
    const timeoutMs = 240_000;
    let t0 = Date.now();
    await assert.rejects(mgr.launch({ image: blank, sshKeys: [], bootTimeoutMs: timeoutMs }, { onEvent: e => events.push(e) }), (e: Error) => {
      t.diagnostic(e.message);
      assert.match(e.message, /^Boot failed: no bootable disk: the firmware found no boot loader on any disk\. What to do: .*bootable OS image/);
      assert.match(e.message, /console: "No bootable device\."/);
      assert.doesNotMatch(e.message, /did not accept an SSH login within/);
      return true;
    });
    const blankS = (Date.now() - t0) / 1000;
    t.diagnostic(`blank disk diagnosed after ${blankS.toFixed(0)} s`);
    assert.ok(blankS * 1000 < timeoutMs, 'diagnosed before the boot timeout');
    assert.deepEqual(events.filter(e => e.phase === 'console').map(e => [e.message, e.ok]), [['no bootable disk: the firmware found no boot loader on any disk', false]]);
    for (const id of await ids()) assert.deepEqual(qemuProcessesOf(id), [], 'no qemu left');

    // 2. the base image with ssh.service masked, made here on a raw copy with debugfs (the base is not touched)
    const masked = path.join(data.root, 'sshd-masked.img');
    execFileSync('qemu-img', ['convert', '-O', 'raw', base, masked]);
    execFileSync('debugfs', ['-w', '-R', 'rm /etc/systemd/system/multi-user.target.wants/ssh.service', masked], { stdio: 'ignore' });
    execFileSync('debugfs', ['-w', '-R', 'symlink /etc/systemd/system/ssh.service /dev/null', masked], { stdio: 'ignore' });
    assert.match(execFileSync('debugfs', ['-R', 'stat /etc/systemd/system/ssh.service', masked], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /Fast link dest: "\/dev\/null"/);
    events.length = 0;
    t0 = Date.now();
    // the guest must boot (slow under TCG on a busy machine) and then be up for the doctor's grace time
    const maskedTimeoutMs = 420_000;
    await assert.rejects(mgr.launch({ image: masked, sshKeys: [], bootTimeoutMs: maskedTimeoutMs }, { onEvent: e => events.push(e) }), (e: Error) => {
      t.diagnostic(e.message);
      assert.match(e.message, /^Boot failed: the guest is up but nothing answers SSH on port 22 \(sshd not started: masked, disabled or not installed\)\. What to do: .*systemctl unmask ssh/);
      assert.match(e.message, /Last console lines:\n/);
      return true;
    });
    const maskedS = (Date.now() - t0) / 1000;
    t.diagnostic(`sshd-masked image diagnosed after ${maskedS.toFixed(0)} s`);
    assert.ok(maskedS * 1000 < maskedTimeoutMs, 'diagnosed before the boot timeout');
    assert.ok(events.some(e => e.phase === 'booting') && !events.some(e => e.phase === 'ssh'), events.map(e => e.phase).join(' '));
    for (const id of await ids()) assert.deepEqual(qemuProcessesOf(id), [], 'no qemu left');
    assert.equal(sha256File(base), baseHash, 'the base image was never written');
  } finally {
    for (const id of await ids().catch(() => [] as string[])) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
