import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { Build } from '../../../src/backend/build/build';
import { parsePublish } from '../../../src/core/network';
import { hostAptMirror } from '../kvm/aptMirror';
import { baseImage, qemuProcessesOf, tempData, vmSkipReason } from '../kvm/fixtures';

const mirror = hostAptMirror();
const skip = vmSkipReason() ?? (mirror ? undefined : "this machine's apt has no Debian mirror configured (the only outside address a guest may reach)");

/** The user guide's create-image example: apache2 from the distribution's mirror, a cleanup script, the cloud page. */
function writeSeedRecipe(dir: string, base: string): string {
  fs.writeFileSync(path.join(dir, 'cloudy.sh'), [
    '#!/bin/sh', 'set -e',
    'rm -f /etc/udev/rules.d/*persistent-net*.rules /etc/udev/rules.d/*net.rules',
    'echo "Cloudy Weather Expected" > /var/www/html/cloud.txt', '',
  ].join('\n'), { mode: 0o755 });
  const file = path.join(dir, 'apache.recipe.yaml');
  // no network: field (nat is the build VM's default) and no --forward: packages come from the mirror the base image's apt sources name
  fs.writeFileSync(file, `base: ${base}
installer: apt
packages: [apache2]
scripts:
  - cloudy.sh
image:
  title: Cloudy Apache
  comment: apache2 and the cloud page of the user guide
  author: Jane Tester
  author-email: jane.tester@example.org
`);
  return file;
}

test("the user guide's create-image example end to end: apache2 from the Debian mirror (nat, no --forward), launched with -p 0:80, /cloud.txt served here", { skip, timeout: 1_800_000 }, async t => {
  const data = tempData('stratus-seed-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-seed-recipe-'));
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const launched: string[] = [];
  try {
    const output: string[] = [];
    const build = await Build.prepare(writeSeedRecipe(work, baseImage()), { data, vms: mgr, publicKeys: [], onOutput: text => output.push(text) });
    const rec = await build.run();
    for (const s of rec.steps) t.diagnostic(`${s.state.padEnd(8)} ${((s.durationMs ?? 0) / 1000).toFixed(1).padStart(6)} s  ${s.label}`);
    if (rec.instanceId) launched.push(rec.instanceId);
    assert.equal(rec.status, 'succeeded', `${rec.error}\n${output.join('').slice(-3000)}`);
    assert.match(output.join(''), /Setting up apache2 /, 'apache2 was installed from the mirror');

    const t0 = Date.now();
    const inst = await mgr.launch({ image: rec.result!.imageId, sshKeys: [], publish: [parsePublish('0:80')] });
    launched.push(inst.id);
    t.diagnostic(`relaunch: ${(Date.now() - t0) / 1000} s`);
    const url = `http://127.0.0.1:${inst.ports[0].hostPort}/cloud.txt`;
    // apache may still be starting when SSH answers
    let body = '';
    for (let i = 0; i < 60 && body.trim() !== 'Cloudy Weather Expected'; i++) {
      body = await fetch(url).then(r => r.text(), () => '');
      if (body.trim() !== 'Cloudy Weather Expected') await new Promise(r => setTimeout(r, 1000));
    }
    assert.equal(body.trim(), 'Cloudy Weather Expected', url);
    await mgr.kill(inst.id);
    assert.deepEqual(qemuProcessesOf(inst.id), []);
  } finally {
    for (const id of launched) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});

/** Polls the published URL: apache may still be starting when SSH answers. */
async function fetchCloudPage(url: string): Promise<string> {
  let body = '';
  for (let i = 0; i < 60 && body.trim() !== 'Cloudy Weather Expected'; i++) {
    body = await fetch(url).then(r => r.text(), () => '');
    if (body.trim() !== 'Cloudy Weather Expected') await new Promise(r => setTimeout(r, 1000));
  }
  return body.trim();
}

test("the user guide's manual process: run-instance --save, apache2 installed over SSH from the mirror, shutdown saves a new identifier, relaunched with -p 0:80 it serves /cloud.txt", { skip, timeout: 1_800_000 }, async t => {
  const data = tempData('stratus-seed-manual-');
  const mgr = new InstanceManager({ host: new LocalHost(), data, acceleration: 'auto', log: m => t.diagnostic(m) });
  const launched: string[] = [];
  try {
    const inst = await mgr.launch({ image: baseImage(), sshKeys: [],
      save: { title: 'Cloudy Apache (by hand)', comment: 'apache2 installed in a running instance', author: 'Jane Tester', email: 'jane.tester@example.org' } });
    launched.push(inst.id);
    // what the guide has the user type in the instance (nat: the guest's own apt sources reach the mirror)
    const r = await mgr.exec(inst.id, 'export DEBIAN_FRONTEND=noninteractive; { apt-get -q update && apt-get -q install -y apache2; } >/root/apt.log 2>&1; rc=$?; tail -3 /root/apt.log; ' +
      'echo "Cloudy Weather Expected" > /var/www/html/cloud.txt; rm -f /etc/udev/rules.d/*net.rules; sync; exit $rc');
    assert.equal(r.code, 0, `apt-get install apache2 in the guest: ${r.stdout}${r.stderr}`);
    const done = await mgr.shutdown(inst.id);
    const imageId = done.saved?.imageId ?? '';
    assert.match(imageId, /^[A-Za-z0-9_-]{27}$/, 'shutdown of a --save instance gives a new identifier');
    assert.notEqual(imageId, inst.imageId);

    const again = await mgr.launch({ image: imageId, sshKeys: [], publish: [parsePublish('0:80')] });
    launched.push(again.id);
    const url = `http://127.0.0.1:${again.ports[0].hostPort}/cloud.txt`;
    assert.equal(await fetchCloudPage(url), 'Cloudy Weather Expected', url);
  } finally {
    for (const id of launched) await mgr.kill(id).catch(() => undefined);
    fs.rmSync(data.root, { recursive: true, force: true });
  }
});
