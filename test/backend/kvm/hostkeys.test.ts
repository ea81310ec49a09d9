import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Server, utils } from 'ssh2';
import { LocalHost } from '../../../src/backend/host/local';
import type { DomainSpec, Driver } from '../../../src/backend/kvm/driver';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { sshConnect } from '../../../src/backend/kvm/ssh';
import { tempData } from './fixtures';

/**
 * A "guest" that prints no host keys on its console but answers SSH on the forwarded port with a key of its
 * own and lets anyone in: what an impostor on that port looks like. The launch must refuse it, however long
 * it waits, instead of trusting the first key it sees.
 */
class ImpostorDriver implements Driver {
  readonly name = 'qemu' as const;
  servers: Server[] = [];
  logins = 0;
  async define(spec: DomainSpec): Promise<void> {
    const hostKey = utils.generateKeyPairSync('ed25519').private;
    const srv = new Server({ hostKeys: [hostKey] }, c => {
      c.on('authentication', ctx => ctx.accept());
      c.on('ready', () => { this.logins++; });
      c.on('error', () => undefined);
    });
    await new Promise<void>(r => srv.listen(spec.sshPort, '127.0.0.1', r));
    this.servers.push(srv);
  }
  async start(): Promise<void> {}
  async powerdown(): Promise<void> {}
  async destroy(): Promise<void> { for (const s of this.servers) s.close(); }
  async undefine(): Promise<void> {}
  async state(): Promise<'running'> { return 'running'; }
  async waitStopped(): Promise<boolean> { return true; }
  async attachDisk(): Promise<string> { return 'vdb'; }
  async detachDisk(): Promise<void> {}
  async consoleLog(): Promise<string> { return 'Debian GNU/Linux 12 debian-vm ttyS0\n'; }
  async list(): Promise<string[]> { return []; }
}

test('a guest whose console shows no host keys is never logged into (no trust on first use), and says why', async () => {
  const data = tempData();
  const driver = new ImpostorDriver();
  const img = path.join(data.root, 'tiny.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '16M']);
  const mgr = new InstanceManager({ host: new LocalHost(), data, driver, acceleration: 'tcg' });
  try {
    await assert.rejects(mgr.launch({ image: img, sshKeys: [], bootTimeoutMs: 4000 }), (e: Error) =>
      /printed no SSH host keys on its console within 4 s/.test(e.message) && /cloud-init/.test(e.message));
    assert.equal(driver.logins, 0, 'no login was completed with the unverified key');
  } finally {
    for (const s of driver.servers) s.close();
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('sshConnect refuses to start without a pinned key', async () => {
  let connected = false;
  const host = { connectTcp: async () => { connected = true; throw new Error('should not connect'); } } as unknown as LocalHost;
  await assert.rejects(sshConnect({ host, ip: '127.0.0.1', port: 22, user: 'root', privateKey: Buffer.from(''), hostKeys: [] }), /no host key is pinned/);
  assert.equal(connected, false);
});
