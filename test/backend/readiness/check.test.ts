import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { READINESS_ITEMS, checkRootfs, formatReadiness, parseProbeOutput, verdict } from '../../../src/backend/readiness/check';

/** A small root file system laid out like a prepared Debian image. */
function goodRoot(): string {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-rootfs-'));
  const w = (p: string, text: string, mode = 0o644) => { fs.mkdirSync(path.dirname(path.join(r, p)), { recursive: true }); fs.writeFileSync(path.join(r, p), text, { mode }); };
  const ln = (target: string, p: string) => { fs.mkdirSync(path.dirname(path.join(r, p)), { recursive: true }); fs.symlinkSync(target, path.join(r, p)); };
  w('usr/bin/cloud-init', '#!/bin/sh\n', 0o755);
  w('etc/cloud/cloud.cfg', 'disable_root: 0\ndatasource_list: [ NoCloud, None ]\n');
  ln('/lib/systemd/system/cloud-init.service', 'etc/systemd/system/cloud-init.target.wants/cloud-init.service');
  ln('/lib/systemd/system/ssh.service', 'etc/systemd/system/multi-user.target.wants/ssh.service');
  ln('/lib/systemd/system/nftables.service', 'etc/systemd/system/sysinit.target.wants/nftables.service');
  w('etc/nftables.conf', 'table inet filter {\n chain input { type filter hook input priority 0; policy drop;\n  tcp dport 22 accept\n }\n}\n');
  w('etc/systemd/network/10-eth0.network', '[Match]\nName=eth0\n[Network]\nDHCP=yes\n');
  ln('/dev/null', 'etc/udev/rules.d/70-persistent-net.rules');
  w('etc/shadow', 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
  w('etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n');
  fs.mkdirSync(path.join(r, 'etc/ssh/sshd_config.d'), { recursive: true });
  fs.mkdirSync(path.join(r, 'root/.ssh'), { recursive: true });
  w('root/.ssh/authorized_keys', '');
  fs.mkdirSync(path.join(r, 'home/debian'), { recursive: true });
  return r;
}

const failing = (items: Awaited<ReturnType<typeof checkRootfs>>) => items.filter(i => i.status === 'fail').map(i => i.id).sort();

test('a prepared image passes every offline item', async () => {
  const items = await checkRootfs(goodRoot());
  assert.deepEqual(items.map(i => i.id), Object.keys(READINESS_ITEMS), 'one result per item, in checklist order');
  assert.deepEqual(failing(items), []);
  assert.deepEqual(items.filter(i => i.status === 'skip').map(i => i.id), ['services.minimal', 'fs.no-periodic-fsck'], 'runtime-only items are skipped offline');
  assert.match(items.find(i => i.id === 'context.present')!.detail, /cloud-init/);
  assert.equal(verdict(items).ok, true);
});

test('cloud-init 24.3+ (Debian 13: cloud-init-main and the stage units, no cloud-init.service) counts as enabled', async () => {
  const r = goodRoot();
  fs.unlinkSync(path.join(r, 'etc/systemd/system/cloud-init.target.wants/cloud-init.service'));
  assert.deepEqual(failing(await checkRootfs(r)), ['context.present'], 'without any cloud-init unit the image has no contextualization');
  for (const u of ['cloud-init-main', 'cloud-init-local', 'cloud-init-network']) fs.symlinkSync(`/usr/lib/systemd/system/${u}.service`, path.join(r, `etc/systemd/system/cloud-init.target.wants/${u}.service`));
  const items = await checkRootfs(r);
  assert.deepEqual(failing(items), []);
  assert.match(items.find(i => i.id === 'context.present')!.detail, /cloud-init/);
});

test('the "bad" variant (password auth on, host keys baked in, udev rule) fails exactly those items', async () => {
  const r = goodRoot();
  fs.appendFileSync(path.join(r, 'etc/ssh/sshd_config.d/50-cloud.conf'), 'PasswordAuthentication yes\n');   // first value wins over the main file
  fs.writeFileSync(path.join(r, 'etc/ssh/ssh_host_ed25519_key'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  fs.rmSync(path.join(r, 'etc/udev/rules.d/70-persistent-net.rules'));
  fs.writeFileSync(path.join(r, 'etc/udev/rules.d/70-persistent-net.rules'), 'SUBSYSTEM=="net", ATTR{address}=="52:54:00:12:34:56", NAME="eth0"\n');
  const items = await checkRootfs(r);
  assert.deepEqual(failing(items), ['network.no-persistent-net-rules', 'secrets.no-host-keys', 'ssh.password-auth-off']);
  assert.match(items.find(i => i.id === 'secrets.no-host-keys')!.detail, /\/etc\/ssh\/ssh_host_ed25519_key/);
  const v = verdict(items, { waive: ['ssh.password-auth-off'] });
  assert.deepEqual(v.failing.map(i => i.id).sort(), ['network.no-persistent-net-rules', 'secrets.no-host-keys']);
  assert.match(formatReadiness(items), /✘ ssh\.password-auth-off\s+PasswordAuthentication yes\n    fix: /);
});

test('private data: keys, history, authorized_keys, empty root password; no context, no DHCP, no firewall', async () => {
  const r = goodRoot();
  fs.mkdirSync(path.join(r, 'home/debian/.ssh'), { recursive: true });
  fs.writeFileSync(path.join(r, 'home/debian/.ssh/id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n-----END OPENSSH PRIVATE KEY-----\n');
  fs.writeFileSync(path.join(r, 'home/debian/.ssh/id_ed25519.pub'), 'ssh-ed25519 AAAA debian@build\n');
  fs.writeFileSync(path.join(r, 'root/.bash_history'), 'cat /etc/shadow\n');
  fs.writeFileSync(path.join(r, 'root/.ssh/authorized_keys'), '# comment\nssh-ed25519 AAAA builder@laptop\n');
  fs.writeFileSync(path.join(r, 'etc/shadow'), 'root::19000:0:99999:7:::\n');
  fs.rmSync(path.join(r, 'etc/systemd/system/cloud-init.target.wants'), { recursive: true });
  fs.rmSync(path.join(r, 'etc/systemd/network'), { recursive: true });
  fs.rmSync(path.join(r, 'etc/nftables.conf'));
  fs.writeFileSync(path.join(r, 'etc/ssh/sshd_config'), 'PasswordAuthentication no\nMatch User x\n  PermitRootLogin no\n');
  const items = await checkRootfs(r);
  assert.deepEqual(failing(items), ['context.present', 'firewall.active', 'network.dhcp', 'secrets.no-authorized-keys', 'secrets.no-private-keys',
    'secrets.no-shell-history', 'secrets.root-password']);
  assert.match(items.find(i => i.id === 'secrets.no-private-keys')!.detail, /^private keys: \/home\/debian\/\.ssh\/id_ed25519$/);
  assert.match(items.find(i => i.id === 'secrets.no-authorized-keys')!.detail, /\/root\/\.ssh\/authorized_keys\(1\)/);
  assert.equal(items.find(i => i.id === 'ssh.root-key-only')!.status, 'pass', 'a Match block does not count for the global value');
  assert.deepEqual(verdict(items, { require: ['services.minimal'] }).failing.map(i => i.id).includes('services.minimal'), true, 'a required item must pass, skip is not enough');
});

test('parseProbeOutput merges lines of one id (worst status) and ignores noise', () => {
  const items = parseProbeOutput('noise\ncontext.present\twarn\tdatasource odd\ncontext.present\tpass\tenabled\nbogus\tmaybe\tx\n');
  assert.deepEqual(items.map(i => [i.id, i.status, i.detail]), [['context.present', 'warn', 'datasource odd; enabled']]);
});
