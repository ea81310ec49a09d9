import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareBuild } from '../../../src/backend/build/setup';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { KnownHosts } from '../../../src/backend/host/knownHosts';
import { parseSshConfig } from '../../../src/backend/host/sshConfig';
import { createSshHost } from '../../../src/backend/host/remoteHosts';
import { hostRegistry } from '../../../src/backend/hosts/registry';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { sshdAvailable, startRemoteHost } from '../host/remoteHost';
import { baseImage, qemuProcessesOf, sha256File, tempData, vmSkipReason } from '../kvm/fixtures';

const skip = vmSkipReason() ?? sshdAvailable();

test('create-image on a remote KVM host (recipe `host:`): built and saved there, draft here, relaunched there with the change', { skip, timeout: 900_000 }, async t => {
  const base = baseImage();
  const baseHash = sha256File(base);
  const fx = await startRemoteHost();
  const pool = new ConnectionPool();
  const local = tempData('stratus-rbuild-local-');
  const remoteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-rbuild-remote-'));
  const host = createSshHost({ name: 'lab', target: `${fx.user}@${fx.host}:${fx.port}`, identityFile: fx.clientKeyFile, dataDir: remoteDir },
    { dataRoot: local.root, pool, sshConfig: parseSshConfig('', 'none', os.homedir()), knownHosts: new KnownHosts(path.join(local.root, 'known_hosts'), [fx.knownHostsFile]) });
  hostRegistry().registerHost(host);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-rrecipe-'));
  const launched: string[] = [];
  const layout = await host.dataLayout(local.keys);
  const mgr = new InstanceManager({ host, data: layout, localData: local, acceleration: 'tcg', log: m => t.diagnostic(m) });
  try {
    const recipe = path.join(work, 'remote.recipe.yaml');
    fs.writeFileSync(recipe, `host: lab
base: ${base}
type: c1.medium
recipe: |
  echo "built on $(hostname) remotely" > /root/remote.txt
image:
  title: Remote build
  comment: built on a remote KVM host
  author: Jane Tester
  author-email: jane.tester@example.org
timeouts:
  vm-start: 600
  ssh: 120
`);
    const build = await prepareBuild(recipe, { data: local, marketplaces: [], acceleration: 'tcg' });
    const rec = await build.run();
    for (const s of rec.steps) t.diagnostic(`${s.state.padEnd(8)} ${((s.durationMs ?? 0) / 1000).toFixed(1).padStart(6)} s  ${s.label}${s.detail ? ` — ${s.detail}` : ''}`);
    if (rec.instanceId) launched.push(rec.instanceId);
    assert.equal(rec.status, 'succeeded', rec.error);
    const result = rec.result!;
    assert.ok(result.imagePath.startsWith(path.join(remoteDir, 'volumes')), `the image stays in the host's data folder: ${result.imagePath}`);
    assert.ok(fs.existsSync(path.join(local.builds, rec.id, 'build.json')), 'build records and logs stay on this machine');
    assert.deepEqual((await new LocalMarketplace(local.marketplace).entries(true)).map(e => e.key.identifier), [result.imageId], 'the draft is in this machine\'s marketplace');
    assert.equal(pool.opened, 1, 'the whole build used one SSH connection to the host');

    const again = await mgr.launch({ image: result.imageId, sshKeys: [], memoryMiB: 1024, vcpu: 2 });
    launched.push(again.id);
    assert.match((await mgr.exec(again.id, 'cat /root/remote.txt')).stdout, /remotely/);
    await mgr.kill(again.id);
    assert.deepEqual(qemuProcessesOf(again.id), []);
    assert.equal(sha256File(base), baseHash, 'the base image was never written');
  } finally {
    for (const id of launched) await mgr.kill(id).catch(() => undefined);
    hostRegistry().unregisterHost('lab');
    pool.closeAll();
    await fx.stop();
    for (const d of [local.root, remoteDir, work]) fs.rmSync(d, { recursive: true, force: true });
  }
});
