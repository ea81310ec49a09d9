import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { checkInstance } from '../../../src/backend/readiness/check';
import { baseImage, tempData, vmSkipReason } from '../kvm/fixtures';

const skip = vmSkipReason();
const failing = (items: Awaited<ReturnType<typeof checkInstance>>) => items.filter(i => i.status === 'fail').map(i => i.id).sort();

test('readiness on the Debian test guest; the "bad" variant fails exactly password auth, baked host keys and the udev rule', { skip, timeout: 900_000 }, async t => {
  const data = tempData('stratus-ready-vm-');
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg', log: m => t.diagnostic(m) });
  let id = '';
  try {
    const r = await mgr.launch({ image: baseImage(), name: 'ready', sshKeys: [], memoryMiB: 1024, vcpu: 2, contextMethod: 'cloud-init' });
    id = r.id;
    const expected = [(await mgr.managedKey()).publicKey];
    const good = await checkInstance(mgr, id, expected);
    t.diagnostic(good.map(i => `${i.id} ${i.status} ${i.detail}`).join('\n'));
    const s = (id2: string) => good.find(i => i.id === id2)?.status;
    for (const id2 of ['context.present', 'ssh.enabled', 'network.dhcp', 'network.no-persistent-net-rules', 'secrets.no-host-keys', 'secrets.no-authorized-keys', 'secrets.no-private-keys', 'ssh.root-key-only']) {
      assert.equal(s(id2), 'pass', `${id2} passes on the test guest`);
    }
    assert.notEqual(s('fs.no-periodic-fsck'), 'skip', 'live checks run');
    // the bad variant: the three classic mistakes of a hand-made image
    const bad = await mgr.exec(id, [
      "sed -i '1i PasswordAuthentication yes' /etc/ssh/sshd_config",
      'touch -d 2001-01-01 /etc/ssh/ssh_host_ed25519_key',
      `printf '%s\\n' 'SUBSYSTEM=="net", ATTR{address}=="52:54:00:12:34:56", NAME="eth0"' > /etc/udev/rules.d/70-persistent-net.rules`,
      'echo done'].join(' && '));
    assert.equal(bad.stdout.trim(), 'done', bad.stderr);
    const after = await checkInstance(mgr, id, expected);
    const added = failing(after).filter(x => !failing(good).includes(x));
    assert.deepEqual(added, ['network.no-persistent-net-rules', 'secrets.no-host-keys', 'ssh.password-auth-off']);
    assert.deepEqual(failing(good).filter(x => !failing(after).includes(x)), [], 'nothing else changed');
  } finally {
    if (id) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
