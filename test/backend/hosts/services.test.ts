import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { LocalHost } from '../../../src/backend/host/local';
import { hostServices, hostServicesOn } from '../../../src/backend/hosts/services';
import { tempData } from '../kvm/fixtures';

const skip = (() => { try { execFileSync('sh', ['-c', 'command -v qemu-img'], { stdio: 'ignore' }); return undefined; } catch { return 'qemu-img is needed: run scripts/setup.sh'; } })();

test('one host\'s services: the manager works through the store the services expose, and its changes are heard there', { skip }, async () => {
  const data = tempData('stratus-services-');
  const s = await hostServices(new LocalHost(), { local: data });
  assert.equal(s.data, data, 'the local host keeps its folders in this machine\'s data folder');
  assert.equal(s.instances.volumes(), s.volumes, 'one store of the volumes folder, shared by the manager');
  let heard = 0;
  const sub = s.volumes.onDidChange(() => heard++);
  try {
    // what the Epilog and attach/detach do: they go through the manager's store
    const v = await s.instances.volumes().create({ sizeGiB: 1, tag: 'through-manager' });
    assert.ok(heard >= 1, 'a volume made through the manager is heard by the services\' store (what the Volumes tree follows)');
    assert.equal((await s.volumes.get(v.uuid))?.tag, 'through-manager');
  } finally { sub.dispose(); }
});

test('rebuilding a host\'s services (a settings change) can keep the store the trees follow; another folder gets its own', () => {
  const data = tempData('stratus-services-');
  const host = new LocalHost();
  const first = hostServicesOn(host, data, { local: data });
  const again = hostServicesOn(host, data, { local: data, volumes: first.volumes, acceleration: 'tcg' });
  assert.equal(again.volumes, first.volumes);
  assert.notEqual(again.instances, first.instances);
  const other = tempData('stratus-services-');
  assert.notEqual(hostServicesOn(host, other, { local: other, volumes: first.volumes }).volumes, first.volumes, 'a store of another folder is not reused');
});
