import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConnectionPool } from '../../../src/backend/host/connections';
import { KnownHosts } from '../../../src/backend/host/knownHosts';
import { createSshHost, RemoteKvmHost } from '../../../src/backend/host/remoteHosts';
import { parseSshConfig } from '../../../src/backend/host/sshConfig';
import type { Driver } from '../../../src/backend/kvm/driver';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import type { InstanceRecord } from '../../../src/backend/kvm/types';
import { checkInstance } from '../../../src/backend/readiness/check';
import { RemoteHostFixture, sshdAvailable, startRemoteHost } from '../host/remoteHost';

// Check Image Readiness on an instance of a remote host, without a VM: the fixture sshd is the remote KVM
// host, and the same sshd on the remote's loopback is the "guest" (the probe only reads files).
describe('checkInstance on an instance of a remote host', { skip: sshdAvailable() }, () => {
  let fx: RemoteHostFixture;
  let work: string;
  let host: RemoteKvmHost;
  let mgr: InstanceManager;
  const pool = new ConnectionPool();
  const id = 'i-remote-ready';

  before(async () => {
    fx = await startRemoteHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-remote-ready-'));
    const remoteDir = path.join(work, 'on-the-host');
    host = createSshHost({ name: 'lab', target: `${fx.user}@${fx.host}:${fx.port}`, identityFile: fx.clientKeyFile, dataDir: remoteDir },
      { dataRoot: path.join(work, 'local'), sshConfig: parseSshConfig('', 'none'), pool, knownHosts: new KnownHosts(path.join(work, 'own_known_hosts'), [fx.knownHostsFile]) });
    // the driver is the only part standing in: it says the guest runs, so describe() keeps it Running
    const driver = { name: 'qemu', state: async () => 'running' } as unknown as Driver;
    mgr = new InstanceManager({ host, data: await host.dataLayout(path.join(work, 'local', 'keys')), driver });
  });
  after(async () => {
    pool.closeAll();
    await fx?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function writeRecord(keys: string[]): Promise<void> {
    const now = new Date().toISOString();
    const rec: Partial<InstanceRecord> = {
      id, name: 'ready', hostId: 'lab', driver: 'qemu', state: 'Running', type: 'm1.small', vcpu: 1, memoryMiB: 512, imageRef: 'x', base: '', overlay: '', accel: 'tcg',
      ip: fx.innerHost, sshPort: fx.innerPort, sshUser: fx.user, privateKeyPath: fx.clientKeyFile, sshHostKeys: keys, guestForwards: [], network: 'isolated', ports: [], disks: [], createdAt: now, updatedAt: now,
    };
    // the record lives in the host's data folder and is written over the host connection, as launch does
    const dir = path.posix.join(host.dataDir, 'instances', id);
    await host.mkdirp(dir);
    await host.writeFile(path.posix.join(dir, 'instance.json'), JSON.stringify(rec));
  }

  test('the probe runs in the guest through the remote host and its items come back', async () => {
    await writeRecord([fx.hostKeyPub()]);
    const log = () => fs.readFileSync(path.join(fx.dir, 'sshd.log'), 'utf8');
    const before = (log().match(/Accepted publickey for root from 127\.0\.0\.1/g) ?? []).length;
    const items = await checkInstance(mgr, id, [fs.readFileSync(`${fx.clientKeyFile}.pub`, 'utf8')]);
    assert.ok(items.length >= 12, `items: ${items.map(i => i.id).join(', ')}`);
    assert.ok(items.some(i => i.id === 'ssh.password-auth-off'));
    assert.ok((log().match(/Accepted publickey for root from 127\.0\.0\.1/g) ?? []).length > before, 'the guest login came from the remote\'s loopback');
  });

  test('a guest whose key is not the pinned one is refused', async () => {
    await writeRecord([fs.readFileSync(`${fx.clientKeyFile}.pub`, 'utf8').trim()]);
    await assert.rejects(checkInstance(mgr, id, []), /verification failed/i);
  });
});
