import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { VolumeStore } from '../../../src/backend/volumes/store';
import type { ProgressEvent } from '../../../src/backend/kvm/types';
import { baseImage, qemuProcessesOf, sha256File, tempData, vmSkipReason } from './fixtures';

const skip = vmSkipReason();

test('qemu driver end to end: launch → SSH → save → relaunch the saved image; kill discards', { skip, timeout: 900_000 }, async t => {
  const base = baseImage();
  const baseHash = sha256File(base);
  const data = tempData();
  const steps: string[] = [];
  const events: ProgressEvent[] = [];
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const accel = await mgr.acceleration();
  t.diagnostic(`acceleration: ${accel.accel} (${accel.reason})`);
  const ids: string[] = [];
  try {
    const a = await mgr.launch({
      image: base, type: 't1.micro', sshKeys: [], memoryMiB: 1024, vcpu: 2,
      save: { title: 'hello image', comment: 'a marker file', author: 'Jane Tester', email: 'jane.tester@example.org' },
      checkNetwork: { timeoutMs: 60_000 },
    }, { onStep: s => steps.push(s), onEvent: e => events.push(e) });
    ids.push(a.id);
    assert.equal(a.state, 'Running');
    assert.ok(steps.includes('Starting machine(s)') && steps.includes('Waiting for machine to boot'), steps.join(' | '));
    // the typed milestones, in order, and the guest's own network check (its address, and its default route where the network has one)
    assert.deepEqual(events.map(e => e.phase).filter(p => p !== 'console'), ['fetching', 'disk', 'context', 'booting', 'ssh', 'network', 'running']);
    const net = events.find(e => e.phase === 'network')!;
    assert.equal(net.ok, true, net.detail);
    assert.match(net.detail ?? '', /^\S+ \d+\.\d+\.\d+\.\d+\/\d+, (default (via \S+ )?dev \S+|no default route \(isolated network\))/);
    assert.ok(a.sshPort > 0 && a.sshHostKeys.length > 0, 'SSH port and pinned host keys recorded');
    assert.equal((await mgr.describe(a.id))?.state, 'Running');
    assert.ok((await mgr.list()).some(r => r.id === a.id), 'list() rediscovers the instance from its folder');

    const hostname = await mgr.exec(a.id, 'hostname');
    assert.equal(hostname.code, 0);
    const w = await mgr.exec(a.id, 'echo stratus-was-here > /root/marker && sync && cat /root/marker');
    assert.equal(w.stdout.trim(), 'stratus-was-here');

    events.length = 0;
    const done = await mgr.shutdown(a.id, { onStep: s => steps.push(s), onEvent: e => events.push(e) });
    assert.deepEqual(events.map(e => e.phase), ['stopping', 'saving', 'saved', 'done']);
    assert.equal(done.state, 'Done');
    assert.deepEqual(qemuProcessesOf(a.id), [], 'no qemu left after shutdown');
    const saved = done.saved!;
    assert.match(saved.imageId, /^[A-Za-z0-9_-]{27}$/);
    assert.equal(fs.existsSync(a.overlay), false, 'the overlay moved into the volume store');
    const vol = await new VolumeStore(data.volumes).get(saved.volumeId!);
    assert.equal(vol?.type, 'MACHINE_IMAGE_ORIGIN');
    assert.equal(vol?.identifier, saved.imageId);
    assert.equal(vol?.backingFile, base, 'the saved image stays an overlay on the base (no copy)');
    assert.equal(saved.metadataProblem, undefined, `draft metadata: ${saved.metadataProblem}`);
    const drafts = (await new LocalMarketplace(data.marketplace).entries(true)).filter(e => e.key.identifier === saved.imageId);
    assert.equal(drafts.length, 1, 'a private draft entry in the local marketplace');
    assert.equal(drafts[0].summary.bytes, saved.bytes);
    assert.equal(drafts[0].summary.checksums['SHA-1'], saved.sha1);

    // the saved image, launched by its new identifier (the volume cache hit of §8.4)
    const b = await mgr.launch({ image: saved.imageId, type: 't1.micro', sshKeys: [], memoryMiB: 1024, vcpu: 2 });
    ids.push(b.id);
    assert.equal(b.base, vol!.path);
    const r = await mgr.exec(b.id, 'cat /root/marker');
    assert.equal(r.stdout.trim(), 'stratus-was-here');

    await mgr.kill(b.id);
    assert.equal((await mgr.describe(b.id))?.state, 'Done');
    assert.equal(fs.existsSync(b.overlay), false, 'kill discards the overlay');
    assert.deepEqual(qemuProcessesOf(b.id), [], 'no qemu left after kill');
    assert.equal(sha256File(base), baseHash, 'the base image was never written');
  } finally {
    for (const id of ids) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
