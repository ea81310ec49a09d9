import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { shellQuote } from '../../../src/backend/host/host';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { oneContextAgent } from '../../../src/backend/context/oneContext';
import { installContextAgent } from '../../../src/backend/readiness/check';
import { sshConnect, sshExec } from '../../../src/backend/kvm/ssh';
import { baseImage, tempData, vmSkipReason } from './fixtures';

/**
 * Contextualization taking effect inside booted guests of the base image (real cloud-init, the real
 * StratusLab agent): each guest carries several assertions, the CLI is the one a user runs.
 */
const skip = vmSkipReason();
const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const BOOT_MS = 600_000;

function cli(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise(resolve => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } });
    let out = '', err = '';
    p.stdout.on('data', d => (out += d));
    p.stderr.on('data', d => (err += d));
    p.on('close', code => resolve({ code: code ?? -1, out, err }));
  });
}

function keyPair(dir: string, name: string): { priv: string; pub: string } {
  const f = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', f]);
  return { priv: f, pub: `${f}.pub` };
}

/** Logs in with `privateKey` (host key pinned from the record) and runs one command. */
async function runAs(mgr: InstanceManager, id: string, privateKey: string, command: string): Promise<string> {
  const rec = (await mgr.describe(id))!;
  const c = await sshConnect({ host: mgr.host, ip: rec.ip, port: rec.sshPort, user: 'root', privateKey: fs.readFileSync(privateKey), hostKeys: rec.sshHostKeys });
  try { return (await sshExec(c, command)).stdout; } finally { c.end(); }
}

/** Waits for the guest's boot jobs (cloud-init's final stage, the one-context agent) to finish. */
const settled = (mgr: InstanceManager, id: string) => mgr.exec(id, 'timeout 240 systemctl is-system-running --wait >/dev/null 2>&1; cloud-init status --wait >/dev/null 2>&1; true');

test('cloud-init: prepare-context ssh,KEY1 ssh,KEY2 x-shellscript cloud-config → run-instance --context-file cloud-init.txt (its schema error reported by the boot doctor); a `none` script runs literally, no schema warning', { skip, timeout: 2 * BOOT_MS }, async t => {
  const base = baseImage();
  const data = tempData();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ci-'));
  const env = { STRATUS_DATA_DIR: data.root, HOME: work, STRATUS_KVM_ACCEL: 'tcg' };
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg' });
  const ids: string[] = [];
  try {
    const k1 = keyPair(work, 'k1'), k2 = keyPair(work, 'k2');
    fs.writeFileSync(path.join(work, 'run.sh'), '#!/bin/sh\necho "script ran as $(id -un)" > /root/from-script\n');
    // package_reboot_if_required wants a boolean: the schema error the boot doctor must report (cloud-init still applies the rest)
    fs.writeFileSync(path.join(work, 'cc.yaml'), '#cloud-config\nwrite_files:\n  - path: /etc/from-cloud-config\n    content: "written by write_files\\n"\npackage_reboot_if_required: perhaps\n');
    let r = await cli(['prepare-context', `ssh,${k1.pub}`, `ssh,${k2.pub}`, 'x-shellscript,run.sh', 'cloud-config,cc.yaml'], env, work);
    assert.equal(r.code, 0, r.err);
    r = await cli(['run-instance', '--context-file', 'cloud-init.txt', '--ram', '1024', '--cpu', '2', '-q', '--wait', String(BOOT_MS / 1000), base], env, work);
    assert.equal(r.code, 0, r.err);
    const id = r.out.split(',')[0].trim();
    ids.push(id);   // before any assertion: a failed one must not leave the guest running
    assert.match(r.err, /console: the cloud-init user-data has schema errors .*(Invalid cloud-config provided|cloud-config failed schema validation)/, 'the boot doctor reports the user\'s invalid cloud-config');
    await settled(mgr, id);
    assert.equal((await runAs(mgr, id, k1.priv, 'cat /root/from-script')).trim(), 'script ran as root', 'the x-shellscript part ran (logged in with key 1)');
    assert.equal((await runAs(mgr, id, k2.priv, 'cat /etc/from-cloud-config')).trim(), 'written by write_files', 'cloud-config write_files applied (logged in with key 2)');
    const ud = (await mgr.exec(id, 'cat /var/lib/cloud/instance/user-data.txt')).stdout;
    assert.doesNotMatch(ud, /stratus/, 'the managed key did not go into the user\'s user-data');
    t.diagnostic((await mgr.exec(id, 'cloud-init analyze blame 2>/dev/null | head -8')).stdout);
    await mgr.kill(id);

    // `none`: the file itself is the user data (a #! script run once, not a MIME part)
    fs.writeFileSync(path.join(work, 'literal.sh'), '#!/bin/sh\n# literal\necho "$0" > /root/literal-ran\n');
    r = await cli(['run-instance', '--cloud-init', 'none,literal.sh', '--ram', '1024', '--cpu', '2', '-q', '--wait', String(BOOT_MS / 1000), base], env, work);
    assert.equal(r.code, 0, r.err);
    const id2 = r.out.split(',')[0].trim();
    ids.push(id2);
    assert.doesNotMatch(r.err, /schema|Invalid cloud-config|failed schema validation/, 'no schema warning when the user data has no cloud-config error (the image\'s own cloud.cfg is valid)');
    await settled(mgr, id2);
    assert.match((await mgr.exec(id2, 'cat /root/literal-ran')).stdout, /\/var\/lib\/cloud\/instance\/scripts\//, 'cloud-init ran the script');
    assert.equal((await mgr.exec(id2, 'cat /var/lib/cloud/instance/user-data.txt')).stdout, fs.readFileSync(path.join(work, 'literal.sh'), 'utf8'), 'the user data is the file, byte for byte');
  } finally {
    for (const id of ids) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('StratusLab method: --context FOO=shi reaches a *.context run_exec over the file default; then an image with the seed\'s onecontext: init.sh installs the key', { skip, timeout: 3 * BOOT_MS }, async () => {
  const base = baseImage();
  const data = tempData();
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg' });
  const ids: string[] = [];
  try {
    const a = await mgr.launch({
      image: base, name: 'one-ctx', sshKeys: [], memoryMiB: 1024, vcpu: 2, contextMethod: 'stratuslab', contextVars: { FOO: 'shi' }, bootTimeoutMs: BOOT_MS,
      save: { title: 'onecontext image', comment: 'cloud-init off, the seed onecontext in rc.local', author: 'Test', email: 'test@example.org' },
    });
    ids.push(a.id);
    await settled(mgr, a.id);
    assert.equal((await mgr.exec(a.id, 'hostname')).stdout.trim(), 'one-ctx', 'cloud-init\'s OpenNebula datasource read context.sh');
    assert.equal((await mgr.exec(a.id, 'cat /usr/sbin/stratuslab-one-context')).stdout, oneContextAgent().script, 'the base image ships guest/stratuslab-one-context');
    const show = '#!/bin/sh\necho "FOO=$FOO BAR=$BAR" > /root/context-seen\n';
    const put = `install -m 0755 /dev/stdin /usr/local/bin/show-context <<'EOF'\n${show}EOF\n` +
      "printf 'enable=yes\\nFOO=bar\\nBAR=default\\nrun_exec=/usr/local/bin/show-context\\n' > /etc/stratuslab/conf.d/50-show.context\n" +
      'systemctl restart stratuslab-one-context && cat /root/context-seen';
    assert.equal((await mgr.exec(a.id, put)).stdout.trim(), 'FOO=shi BAR=default', '--context overrides the .context default; the other default stays');

    // an image as seed 003 describes it: no cloud-init, no agent, only /usr/bin/onecontext from rc.local
    const onecontext = '#!/bin/sh -e\n\n[ -e /dev/hdc ] && DEVICE=hdc || DEVICE=sr0\n\nmount -t iso9660 /dev/$DEVICE /mnt\n\nif [ -f /mnt/context.sh ]; then\n    . /mnt/init.sh\nfi\n\numount /mnt\n\nexit 0\n';
    const prep = `install -m 0755 /dev/stdin /usr/bin/onecontext <<'EOF'\n${onecontext}EOF\n` +
      "printf '#!/bin/sh\\nbash /usr/bin/onecontext\\nexit 0\\n' > /etc/rc.local && chmod +x /etc/rc.local && " +
      'touch /etc/cloud/cloud-init.disabled && systemctl disable -q stratuslab-one-context && : > /root/.ssh/authorized_keys && sync';
    assert.equal((await mgr.exec(a.id, prep)).code, 0);
    const done = await mgr.shutdown(a.id);
    assert.ok(done.saved?.imageId);
    // readiness needs the host keys on the console and a login with the managed key: only init.sh provides both now
    const b = await mgr.launch({ image: done.saved!.imageId, sshKeys: [], memoryMiB: 1024, vcpu: 2, contextMethod: 'stratuslab', bootTimeoutMs: BOOT_MS });
    ids.push(b.id);
    assert.equal(b.state, 'Running');
    const check = await mgr.exec(b.id, `cloud-init status 2>/dev/null | grep -c disabled; grep -c . /root/.ssh/authorized_keys; ${shellQuote(['test', '-e', '/etc/rc.local'])} && echo rc`);
    assert.deepEqual(check.stdout.trim().split('\n'), ['1', '1', 'rc'], 'cloud-init was off; the one key came from init.sh');
    // Check Image Readiness's fix on this image (its agent was disabled): the guest/ files, installed and enabled
    await installContextAgent(mgr, b.id);
    assert.equal((await mgr.exec(b.id, 'systemctl is-enabled stratuslab-one-context; cat /usr/sbin/stratuslab-one-context')).stdout, `enabled\n${oneContextAgent().script}`);
  } finally {
    for (const id of ids) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

test('StratusLab method: the copies of an image saved from a one-method instance boot as new instances (new host keys, the per-instance script runs again)', { skip, timeout: 3 * BOOT_MS }, async () => {
  const base = baseImage();
  const data = tempData();
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'tcg' });
  const ids: string[] = [];
  // cloud-init's OpenNebula datasource gives every instance the same instance-id: without the base image's
  // stratuslab-one-instance unit the copy would keep the saved instance's host keys and skip this script
  const userData = '#!/bin/sh\necho "$(hostname)" >> /root/per-instance-runs\n';
  try {
    const a = await mgr.launch({
      image: base, name: 'one-a', sshKeys: [], memoryMiB: 1024, vcpu: 1, contextMethod: 'stratuslab', userData, bootTimeoutMs: BOOT_MS,
      save: { title: 'one-method image', comment: 'saved from a one-method instance', author: 'Test', email: 'test@example.org' },
    });
    ids.push(a.id);
    await settled(mgr, a.id);
    assert.equal((await mgr.exec(a.id, 'cat /root/per-instance-runs; cat /var/lib/cloud/instances/iid-dsopennebula/stratuslab-vmid')).stdout,
      `one-a\n${a.id}\n`, 'the script ran once; the agent recorded the context\'s VMID in cloud-init\'s instance folder');
    const aKeys = (await mgr.describe(a.id))!.sshHostKeys;
    const done = await mgr.shutdown(a.id);
    assert.ok(done.saved?.imageId);
    const b = await mgr.launch({ image: done.saved!.imageId, name: 'one-b', sshKeys: [], memoryMiB: 1024, vcpu: 1, contextMethod: 'stratuslab', userData, bootTimeoutMs: BOOT_MS });
    ids.push(b.id);
    await settled(mgr, b.id);
    const bKeys = (await mgr.describe(b.id))!.sshHostKeys;
    assert.ok(bKeys.length > 0 && bKeys.every(k => !aKeys.includes(k)), `the copy has host keys of its own (saved: ${aKeys.length}, copy: ${bKeys.length}, shared: ${bKeys.filter(k => aKeys.includes(k)).length})`);
    assert.equal((await mgr.exec(b.id, 'cat /root/per-instance-runs; cat /var/lib/cloud/instances/iid-dsopennebula/stratuslab-vmid')).stdout,
      `one-a\none-b\n${b.id}\n`, 'the per-instance script ran again in the copy, which cloud-init set up as instance ' + b.id);
  } finally {
    for (const id of ids) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
