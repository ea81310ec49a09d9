import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { oneContextAgent } from '../../../src/backend/context/oneContext';
import { setupBaseImage } from '../../../src/backend/firststart/seed';

const root = path.join(__dirname, '..', '..', '..', '..');
const { script: ONE_CONTEXT_SCRIPT } = oneContextAgent();

test('the base image installs the agent files that Check Image Readiness installs, and its cache key covers them', () => {
  const build = fs.readFileSync(path.join(root, 'scripts', 'build-base-image.sh'), 'utf8');
  assert.match(build, /install -m 0755 "\$GUEST\/stratuslab-one-context" "\$ROOT\/usr\/sbin\/stratuslab-one-context"/);
  assert.match(build, /install -m 0644 "\$GUEST\/stratuslab-one-context.service" "\$ROOT\/etc\/systemd\/system\/stratuslab-one-context.service"/);
  assert.equal(oneContextAgent().script, fs.readFileSync(path.join(root, 'guest', 'stratuslab-one-context'), 'utf8'));
  // setup-kvm.sh's hash and setupBaseImage's agree, and a change to a guest/ file changes it
  const hashOf = (dir: string) => execFileSync('bash', ['-c', 'here=$1; LC_ALL=C; cat "$here/build-base-image.sh" "$here"/../guest/* | sha256sum | cut -c1-12', '_', dir], { encoding: 'utf8' }).trim();
  assert.match(fs.readFileSync(path.join(root, 'scripts', 'setup-kvm.sh'), 'utf8'), /^hash=\$\(LC_ALL=C; cat "\$here\/build-base-image.sh" "\$here"\/\.\.\/guest\/\* \| sha256sum \| cut -c1-12\)$/m);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-hash-'));
  fs.writeFileSync(path.join(cache, `base-${hashOf(path.join(root, 'scripts'))}.qcow2`), 'x');
  assert.equal(setupBaseImage(root, cache), path.join(cache, `base-${hashOf(path.join(root, 'scripts'))}.qcow2`));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-guest-'));
  fs.mkdirSync(path.join(copy, 'scripts')); fs.mkdirSync(path.join(copy, 'guest'));
  fs.copyFileSync(path.join(root, 'scripts', 'build-base-image.sh'), path.join(copy, 'scripts', 'build-base-image.sh'));
  fs.writeFileSync(path.join(copy, 'guest', 'stratuslab-one-context'), ONE_CONTEXT_SCRIPT + '# changed\n');
  fs.copyFileSync(path.join(root, 'guest', 'stratuslab-one-context.service'), path.join(copy, 'guest', 'stratuslab-one-context.service'));
  assert.notEqual(hashOf(path.join(copy, 'scripts')), hashOf(path.join(root, 'scripts')));
  assert.equal(setupBaseImage(copy, cache), undefined, 'a changed agent is a different image');
  fs.rmSync(cache, { recursive: true, force: true }); fs.rmSync(copy, { recursive: true, force: true });
});

test('the agent: a *.context run_exec sees the file default, a context.sh value overrides it; enable=no does not run', () => {
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-1ctx-'));
  fs.mkdirSync(path.join(w, 'conf.d'));
  fs.mkdirSync(path.join(w, 'mnt'));
  fs.writeFileSync(path.join(w, 'show.sh'), `#!/bin/sh\necho "FOO=$FOO" >> ${w}/out\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(w, 'conf.d', '50-show.context'), `enable=yes\nFOO=bar\nrun_exec=${w}/show.sh\n`);
  fs.writeFileSync(path.join(w, 'conf.d', '60-off.context'), `enable=no\nrun_exec=${w}/show.sh\n`);
  // the paths of a guest moved into the scratch folder; no disk to mount here, so the context.sh is "found" directly
  const agent = (withCtx: boolean) => ONE_CONTEXT_SCRIPT.replace('configuration_dir=/etc/stratuslab/conf.d', `configuration_dir=${w}/conf.d`)
    .replace('configuration_file=/etc/stratuslab/stratuslab-one-context.cfg', `configuration_file=${w}/none.cfg`)
    .replace('mnt=/mnt/stratuslab', `mnt=${w}/mnt`).replace(/^ctx=$/m, withCtx ? `ctx=${w}/mnt/context.sh` : 'ctx=')
    .replace('if [ -e "$dev" ] && mount', 'if false && mount');
  fs.writeFileSync(path.join(w, 'mnt', 'context.sh'), "FOO='shi'\n");
  execFileSync('sh', ['-c', agent(false)]);
  execFileSync('sh', ['-c', agent(true)]);
  assert.equal(fs.readFileSync(path.join(w, 'out'), 'utf8'), 'FOO=bar\nFOO=shi\n');
  fs.rmSync(w, { recursive: true, force: true });
});

test('the agent finds its disk in one blkid pass and never mounts a NoCloud seed as a context disk', () => {
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-1ctx-'));
  const bin = path.join(w, 'bin'); fs.mkdirSync(bin); fs.mkdirSync(path.join(w, 'mnt'));
  // the guest's blkid and mount, recorded: what the agent asks of the disks is what this test checks
  const fake = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${w}/calls\n${body}\n`, { mode: 0o755 });
  fake('mount', 'exit 0'); fake('umount', 'exit 0');
  const agent = ONE_CONTEXT_SCRIPT.replace('configuration_dir=/etc/stratuslab/conf.d', `configuration_dir=${w}/conf.d`)
    .replace('configuration_file=/etc/stratuslab/stratuslab-one-context.cfg', `configuration_file=${w}/none.cfg`)
    .replace('mnt=/mnt/stratuslab', `mnt=${w}/mnt`).replace('dev=/dev/$context_device', `dev=${w}/sr0`);
  for (const d of ['sr0', 'sr1', 'sr2', 'sr7']) fs.writeFileSync(path.join(w, d), '');   // the guest's devices
  const run = (labels: string) => {
    fake('blkid', `printf '%s\\n' '/dev/vda: LABEL="vmroot"' ${labels.split('\n').map(l => `'${l}'`).join(' ')}`);
    fs.rmSync(path.join(w, 'calls'), { force: true });
    const out = execFileSync('sh', ['-c', agent], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    return { out, calls: fs.readFileSync(path.join(w, 'calls'), 'utf8').trim().split('\n') };
  };
  const seed = run(`${w}/sr0: LABEL="cidata"`);   // the fallback device (context_device) is the seed
  assert.deepEqual(seed.calls, ['blkid -s LABEL'], 'one probe, no mount');
  assert.match(seed.out, /no context disk \(.* is a NoCloud seed\)/);
  const ctx = run(`${w}/sr1: LABEL="cidata"\n${w}/sr7: LABEL="_STRATUSLAB"`);
  assert.deepEqual(ctx.calls.slice(0, 2), ['blkid -s LABEL', `mount -o ro -t iso9660 ${w}/sr7 ${w}/mnt`]);
  assert.equal(run(`${w}/sr2: LABEL="CONTEXT"`).calls[1], `mount -o ro -t iso9660 ${w}/sr2 ${w}/mnt`);
  // no label at all: the seeds' fallback device is mounted, as before
  assert.equal(run('').calls[1], `mount -o ro -t iso9660 ${w}/sr0 ${w}/mnt`);
  fs.rmSync(w, { recursive: true, force: true });
});
