import * as assert from 'assert/strict';
import * as vscode from 'vscode';
import { BASE_IMAGE, skipWithoutBaseImage, stratusApi } from '../api';
import { hasHarness, screenshot, waitForText } from '../screenshot';
import type { InstanceRecord } from '../../../src/backend/kvm/types';

const base = BASE_IMAGE;

describe('Instances: launch a real guest, see it Running in the tree, kill it', function () {
  this.timeout(600_000);
  let id: string | undefined;

  before(function () { skipWithoutBaseImage(this); });
  after(async () => {
    if (id) await vscode.commands.executeCommand('stratus.instances.kill', id, { confirm: false });
  });

  it('Launch Instance with arguments: Running under the Local host, with a visible TCG warning', async () => {
    const api = await stratusApi();
    await vscode.workspace.getConfiguration('stratus').update('kvm.acceleration', 'tcg', vscode.ConfigurationTarget.Global);
    const rec = await vscode.commands.executeCommand<InstanceRecord>('stratus.instances.launch', { image: base, type: 't1.micro', name: 'wb-guest', noPrompt: true });
    assert.ok(rec, 'the launch returns the instance record');
    id = rec.id;
    assert.equal(rec.state, 'Running');
    const snap = await api.treeSnapshot('stratus.instances', 2);
    const local = snap.find(n => n.label === 'Local');
    assert.ok(local?.children, JSON.stringify(snap));
    const warning = local!.children!.find(n => n.contextValue === 'instanceWarning');
    assert.ok(warning && /TCG|emulation/.test(warning.label + (warning.tooltip ?? '')), 'software emulation is said, not silent');
    const node = local!.children!.find(n => n.label === `wb-guest (${rec.id})`);
    assert.ok(node, JSON.stringify(local!.children));
    assert.equal(node!.contextValue, 'instance.Running');
    assert.match(node!.description ?? '', new RegExp(`^Running · t1\\.micro · 1 vCPU/512 MiB · ssh :${rec.sshPort} · \\d+[smh]`));
    assert.match(node!.icon ?? '', /^vm-running/);
    assert.equal(await vscode.commands.executeCommand('stratus.instances.copyIp', rec.id), `127.0.0.1:${rec.sshPort}`);
    if (hasHarness()) {
      await vscode.commands.executeCommand('stratus.instances.focus');
      await waitForText('.part.sidebar', t => t.some(x => x.includes('wb-guest')));
      assert.ok(await screenshot('instances-tree', '.part.sidebar'));
    }
  });

  it('Kill discards the guest; the tree shows it Done, Remove drops it', async () => {
    const api = await stratusApi();
    assert.equal(await vscode.commands.executeCommand('stratus.instances.kill', id, { confirm: false }), true);
    const killed = id!;
    id = undefined;
    let node = (await api.treeSnapshot('stratus.instances', 2)).find(n => n.label === 'Local')!.children!.find(n => n.label.includes(killed));
    assert.equal(node?.contextValue, 'instance.Done');
    await vscode.commands.executeCommand('stratus.instances.remove', killed);
    const after = await api.treeSnapshot('stratus.instances', 2);
    assert.equal(after.find(n => n.label === 'Local')?.children?.find(n => n.label.includes(killed)), undefined);
  });
});
