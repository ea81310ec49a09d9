import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import * as vscode from 'vscode';
import { BASE_IMAGE, skipWithoutBaseImage, stratusApi } from '../api';
import type { InstanceRecord } from '../../../src/backend/kvm/types';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { dataLayout } from '../../../src/backend/paths';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { serve, RunningServer } from '../../../src/backend/marketplace/server';
import { summarize } from '../../../src/core/metadata/summary';
import { signedEntry, isoIn, testKey } from '../../backend/marketplace/fixtures';

const base = BASE_IMAGE;
const cfg = () => vscode.workspace.getConfiguration('stratus');

describe('Instances: Launch of a remote marketplace entry with a cloud-init part', function () {
  this.timeout(900_000);
  let id: string | undefined;
  let tmp: string | undefined;
  let mp: RunningServer | undefined;
  let files: http.Server | undefined;

  before(function () { skipWithoutBaseImage(this); });
  after(async () => {
    if (id) await vscode.commands.executeCommand('stratus.instances.kill', id, { confirm: false });
    await mp?.close();
    await new Promise<void>(r => (files ? files.close(() => r()) : r()));
    await cfg().update('marketplaces', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('trustedCertificates', undefined, vscode.ConfigurationTarget.Global);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('an entry only a loopback marketplace has launches to Running (its identifier on the record), and the UI\'s x-shellscript part ran in the guest', async () => {
    const api = await stratusApi();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-remote-launch-'));
    await cfg().update('kvm.acceleration', 'tcg', vscode.ConfigurationTarget.Global);
    // the image over loopback HTTP (a remote marketplace's file:// location is refused)
    files = http.createServer((req, res) => {
      if (req.url !== '/base.qcow2') { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': fs.statSync(base!).size });
      fs.createReadStream(base!).pipe(res);
    });
    await new Promise<void>(r => files!.listen(0, '127.0.0.1', () => r()));
    const imageUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/base.qcow2`;
    const xml = signedEntry({ content: fs.readFileSync(base!), title: 'Remote Debian', os: 'debian', osVersion: '12', format: 'qcow2', valid: isoIn(30), locations: [imageUrl] }, new Date(Date.now() - 60_000));
    const imageId = summarize(xml).identifier;
    const remote = new LocalMarketplace(path.join(tmp, 'remote-mp'));
    await remote.upload(xml);
    await remote.flush();
    mp = await serve(remote, { port: 0 });
    const embedded = await new LocalMarketplace(path.join(api.dataRoot, 'marketplace')).entries(true).catch(() => []);
    assert.ok(!embedded.some(e => e.key.identifier === imageId), 'the embedded marketplace does not have the entry: only the remote one can supply it');
    const pem = path.join(tmp, 'trusted.pem');
    fs.writeFileSync(pem, testKey().certificatePem);
    await cfg().update('trustedCertificates', [pem], vscode.ConfigurationTarget.Global);
    await cfg().update('marketplaces', [mp.url], vscode.ConfigurationTarget.Global);

    const script = path.join(tmp, 'part.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho "written by the UI part" > /root/ui-part.txt\n');
    const rec = await vscode.commands.executeCommand<InstanceRecord>('stratus.instances.launch', {
      image: imageId, type: 't1.micro', name: 'wb-remote', noPrompt: true, contextMethod: 'cloud-init', cloudInit: [`x-shellscript,${script}`],
    });
    assert.ok(rec, 'the launch returns the instance record (see the Stratus log for why not)');
    id = rec.id;
    assert.equal(rec.state, 'Running');
    assert.equal(rec.imageId, imageId, 'the record names the remote entry');
    // the entry's metadata was stored next to the downloaded image: the remote document, trusted
    const stored = fs.readdirSync(path.join(api.dataRoot, 'images')).filter(f => f === `${imageId}.metadata.xml`);
    assert.equal(stored.length, 1, 'the remote entry\'s metadata is kept with the image');
    assert.equal(summarize(fs.readFileSync(path.join(api.dataRoot, 'images', stored[0]), 'utf8')).locations[0], imageUrl);

    // cloud-init runs user scripts in its final stage: wait for it, then read the file
    const mgr = new InstanceManager({ host: new LocalHost(), data: dataLayout(api.dataRoot) });
    let got = '';
    let why = '';
    for (let i = 0; i < 6 && got !== 'written by the UI part'; i++) {
      const r = await mgr.exec(rec.id, 'timeout 170 cloud-init status --long --wait 2>&1; cat /root/ui-part.txt 2>/dev/null; true').catch(e => ({ stdout: '', stderr: String(e) }));
      const lines = r.stdout.trim().split('\n');
      got = lines[lines.length - 1] ?? '';
      why = `${r.stdout.trim()} ${r.stderr.trim()}`.slice(-600);
      if (got !== 'written by the UI part') await new Promise(res => setTimeout(res, 10_000));
    }
    assert.equal(got, 'written by the UI part', `the x-shellscript part given to Launch ran in the guest (guest said: ${why})`);
  });
});
