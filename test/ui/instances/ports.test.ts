import * as assert from 'assert/strict';
import * as vscode from 'vscode';
import { BASE_IMAGE, skipWithoutBaseImage, stratusApi, untilTree } from '../api';
import { hasHarness, screenshot, waitForText } from '../screenshot';
import type { InstanceRecord } from '../../../src/backend/kvm/types';
import { LocalHost } from '../../../src/backend/host/local';
import { InstanceManager } from '../../../src/backend/kvm/instances';
import { dataLayout } from '../../../src/backend/paths';
import { perlHttpServer } from '../../backend/kvm/aptMirror';

const base = BASE_IMAGE;

describe('Instances: a published port shows under its instance and opens in the browser', function () {
  this.timeout(600_000);
  let id: string | undefined;

  before(function () { skipWithoutBaseImage(this); });
  after(async () => {
    if (id) await vscode.commands.executeCommand('stratus.instances.kill', id, { confirm: false });
  });

  it('a Running instance launched with -p 0:8000 has a port row; Open in Browser gets its URL, which serves the guest\'s file', async () => {
    const api = await stratusApi();
    await vscode.workspace.getConfiguration('stratus').update('kvm.acceleration', 'tcg', vscode.ConfigurationTarget.Global);
    const rec = await vscode.commands.executeCommand<InstanceRecord>('stratus.instances.launch', {
      image: base, type: 't1.micro', name: 'wb-web', noPrompt: true, publish: [{ hostAddr: '127.0.0.1', hostPort: 0, guestPort: 8000, proto: 'tcp' }],
    });
    assert.ok(rec, 'the launch returns the instance record');
    id = rec.id;
    const hostPort = rec.ports[0].hostPort;
    assert.ok(hostPort > 0);
    // the guest serves a file on 8000 (through the same manager code, on the extension's data folder)
    const mgr = new InstanceManager({ host: new LocalHost(), data: dataLayout(api.dataRoot) });
    const r = await mgr.exec(rec.id, `echo "hello from wb-web" > /root/hello.txt; ${perlHttpServer(8000, '/root/hello.txt')} sleep 1; echo started`);
    assert.equal(r.stdout.trim(), 'started', r.stderr);

    const label = `127.0.0.1:${hostPort} → 8000/tcp`;
    const snap = await untilTree('stratus.instances', s => !!s.find(n => n.label === 'Local')?.children?.some(n => n.label === `wb-web (${rec.id})`), 'the instance');
    void snap;
    const deep = await api.treeSnapshot('stratus.instances', 3);
    const inst = deep.find(n => n.label === 'Local')!.children!.find(n => n.label === `wb-web (${rec.id})`)!;
    const row = inst.children?.find(n => n.label === label);
    assert.ok(row, JSON.stringify(inst.children));
    assert.equal(row!.contextValue, 'instancePort.tcp');
    assert.equal(row!.description, `http://127.0.0.1:${hostPort}/`);
    assert.equal(row!.command?.command, 'stratus.instances.openPort', 'a click opens it in the browser');

    const opened = await vscode.commands.executeCommand<string>('stratus.instances.openPort', { id: rec.id, guestPort: 8000 });
    const external = (await vscode.env.asExternalUri(vscode.Uri.parse(`http://127.0.0.1:${hostPort}/`))).toString(true);
    assert.equal(opened, external, 'Open in Browser is given the port\'s URL (as the workbench exposes it)');
    assert.equal(await vscode.commands.executeCommand('stratus.instances.copyPortUrl', { id: rec.id, guestPort: 8000 }), `http://127.0.0.1:${hostPort}/`);
    assert.equal(await vscode.env.clipboard.readText(), `http://127.0.0.1:${hostPort}/`);
    const body = await (await fetch(`http://127.0.0.1:${hostPort}/hello.txt`)).text();
    assert.equal(body.trim(), 'hello from wb-web');
    if (hasHarness()) {
      await vscode.commands.executeCommand('stratus.instances.focus');
      await waitForText('.part.sidebar', t => t.some(x => x.includes(`${hostPort} → 8000/tcp`)));
      assert.ok(await screenshot('instances-port-row', '.part.sidebar'));
    }
  });
});
