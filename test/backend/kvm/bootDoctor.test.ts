import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BootDoctor, diagnose, noSshAnswer, SSHD_GRACE_S } from '../../../src/backend/kvm/bootDoctor';
import { NETWORK_CHECK_SCRIPT, describeNetworkCheck, parseNetworkCheck } from '../../../src/backend/kvm/netcheck';

const consoleDir = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'backend', 'kvm', 'console');
const sample = (f: string) => fs.readFileSync(path.join(consoleDir, f), 'utf8');
const ids = (serial: string, firmware = '') => diagnose(serial, firmware).map(f => f.id);

test('boot doctor: SeaBIOS with a blank disk (its real debug-port log) is "no bootable disk", fatal', () => {
  const f = diagnose('', sample('seabios-blank-disk.firmware.log'));
  assert.deepEqual(f.map(x => x.id), ['no-bootable-disk']);
  assert.equal(f[0].fatal, true);
  assert.equal(f[0].line, 'No bootable device.');
  assert.match(f[0].todo, /launch a bootable OS image/);
});

test('boot doctor: a real kernel panic (the Debian kernel without its initramfs) is named with what to do', () => {
  const f = diagnose(sample('kernel-panic.serial.log'));
  assert.equal(f[0]?.id, 'kernel-panic');
  assert.match(f[0].line, /Kernel panic - not syncing: VFS: Unable to mount root fs/);
  assert.match(f[0].todo, /virtio disk driver/);
});

test('boot doctor: a healthy boot of the base image has no finding', () => {
  assert.deepEqual(ids(sample('healthy.serial.log')), []);
});

test('boot doctor: each signature on the console lines the guest software prints', () => {
  assert.deepEqual(ids('[    3.1] Gave up waiting for root file system device.  Common problems:\r\nALERT!  LABEL=vmroot does not exist.  Dropping to a shell!\r\n(initramfs) '), ['initramfs-shell']);
  assert.deepEqual(ids('error: no such partition.\r\nEntering rescue mode...\r\ngrub rescue> '), ['grub-prompt']);
  assert.deepEqual(ids('GNU GRUB  version 2.06\r\n\r\ngrub> '), ['grub-prompt']);
  assert.deepEqual(ids('SYSLINUX 6.04 EDD 20191223\r\nboot: '), ['boot-prompt'], 'a boot: prompt still waiting');
  assert.deepEqual(ids('boot: \r\nLoading vmlinuz... ok\r\n[    0.000000] Linux version 6.1.0'), [], 'a boot: prompt that passed is harmless');
  assert.deepEqual(ids('Could not find kernel image: vmlinuz\r\nboot: '), ['boot-prompt', 'no-kernel']);
  assert.deepEqual(ids('You are in emergency mode. After logging in, type "journalctl -xb" to view\r\nsystem logs, "systemctl reboot" to reboot, "systemctl default" or "exit"\r\nto boot into default mode.\r\nGive root password for maintenance\r\n'), ['emergency-mode']);
  assert.deepEqual(ids('Dec 06 19:00:01 debian dhclient[312]: No DHCPOFFERS received.\r\n'), ['no-dhcp']);
  assert.deepEqual(ids('2026-12-06 19:00:03,120 - DataSourceNoCloud.py[WARNING]: device /dev/sr0 with label=cidata not a valid seed.\r\n'), ['cloud-init-seed']);
  assert.deepEqual(ids("2026-12-06 19:00:09,512 - schema.py[WARNING]: Invalid cloud-config provided: Please run 'sudo cloud-init schema --system' to see the schema errors.\r\n"), ['cloud-init-schema']);
  // cloud-init 25.1 (Debian 13), as the base image prints it
  assert.deepEqual(ids("[   27.060950] cloud-init[374]: 2026-12-07 05:54:54,518 - schema.py[WARNING]: cloud-config failed schema validation! You may run 'sudo cloud-init schema --system' to check the details.\r\n"), ['cloud-init-schema']);
  assert.deepEqual(ids('[FAILED] Failed to start ssh.service - OpenBSD Secure Shell server.\r\n'), ['sshd-failed']);
  for (const f of diagnose('[FAILED] Failed to start ssh.service - OpenBSD Secure Shell server.\r\nNo DHCPOFFERS received.')) assert.equal(f.fatal, false, `${f.id} lets the wait go on`);
});

test('boot doctor: a guest that is up while nothing answers SSH is "sshd not running" only after the grace time, and only once', () => {
  let now = 0;
  const d = new BootDoctor(() => now);
  const up = '-----BEGIN SSH HOST KEY KEYS-----\r\nssh-ed25519 AAAA root@x\r\n-----END SSH HOST KEY KEYS-----\r\n';
  assert.deepEqual(d.check('booting', '', 'untried'), []);
  assert.deepEqual(d.check(up, '', 'no-answer'), [], 'just up');
  now = SSHD_GRACE_S * 1000 - 1;
  assert.deepEqual(d.check(up, '', 'no-answer'), []);
  now = SSHD_GRACE_S * 1000;
  assert.deepEqual(d.check(up, '', 'answered').map(f => f.id), [], 'a server that refuses the key is running');
  const f = d.check(up, '', 'no-answer');
  assert.deepEqual(f.map(x => x.id), ['sshd-not-running']);
  assert.equal(f[0].fatal, true);
  assert.deepEqual(d.check(up, '', 'no-answer'), [], 'reported once');
  assert.match(d.summary() ?? '', /nothing answers SSH on port 22.*systemctl unmask ssh/);
  assert.equal(noSshAnswer('Connection lost before handshake'), true);
  assert.equal(noSshAnswer('connect ECONNREFUSED 127.0.0.1:2222'), true);
  assert.equal(noSshAnswer('All configured authentication methods failed'), false);
});

test('network check: the guest script run here finds this machine\'s address and resolves localhost; a bad name is said', () => {
  const run = (...names: string[]) => {
    try { return { out: execFileSync('sh', ['-s', '--', '1', ...names], { input: NETWORK_CHECK_SCRIPT, encoding: 'utf8' }), code: 0 }; }
    catch (e) { const x = e as { stdout: string; status: number }; return { out: x.stdout, code: x.status }; }
  };
  const r = run('localhost');
  const ok = parseNetworkCheck(r.out, r.code);
  assert.equal(ok.ok, true, r.out);
  assert.match(ok.addr ?? '', /^\S+ \d+\.\d+\.\d+\.\d+\/\d+$/);
  assert.deepEqual(ok.unresolved, []);
  const hasRoute = fs.readFileSync('/proc/net/route', 'utf8').split('\n').some(l => l.split(/\s+/)[1] === '00000000');
  assert.match(describeNetworkCheck(ok, ['localhost']), hasRoute ? /^\S+ [\d./]+, default (via|dev) .*; localhost resolves$/ : /, no default route \(isolated network\); localhost resolves$/);
  const bad = run('localhost', 'no-such-host.invalid');
  const c = parseNetworkCheck(bad.out, bad.code);
  assert.equal(c.ok, false);
  assert.deepEqual(c.unresolved, ['no-such-host.invalid']);
  assert.match(describeNetworkCheck(c, ['localhost', 'no-such-host.invalid']), /cannot resolve no-such-host\.invalid/);
  assert.deepEqual(parseNetworkCheck('addr: none\nroute: none\nunresolved:\n', 1), { ok: false, addr: undefined, route: undefined, unresolved: [] });
  assert.equal(describeNetworkCheck({ ok: true, addr: 'eth0 10.0.2.15/24', unresolved: [] }, []), 'eth0 10.0.2.15/24, no default route (isolated network)');
});

test('boot doctor: an oops (a 4-vCPU guest under multi-threaded TCG, its real console) is a crash, not the root-fs hint', () => {
  const f = diagnose(sample('kernel-oops-tcg-smp.serial.log'));
  assert.deepEqual(f.map(x => x.id), ['kernel-oops']);
  assert.match(f[0].line, /Kernel panic - not syncing: Fatal exception in interrupt/);
  assert.match(f[0].todo, /launch again/);
  assert.doesNotMatch(f[0].todo, /root fs/);
  assert.deepEqual(ids('[    1.9] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00007f00'), ['kernel-panic']);
});
