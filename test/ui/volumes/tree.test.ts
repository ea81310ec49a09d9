import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, waitForText } from '../screenshot';
import type { Volume } from '../../../src/backend/volumes/store';

describe('Volumes: create, copy on write, delete from the tree', () => {
  const created: string[] = [];
  after(async () => {
    for (const u of created.reverse()) await vscode.commands.executeCommand('stratus.volumes.delete', { uuid: u, confirmed: true });
  });

  it('Create a Volume with arguments shows it in the tree with all fields in the tooltip', async () => {
    const api = await stratusApi();
    const v = await vscode.commands.executeCommand<Volume>('stratus.volumes.create', { sizeGiB: 2, tag: 'wb-data', visibility: 'PRIVATE' });
    assert.ok(v?.uuid, 'the command returns the volume');
    created.push(v.uuid);
    assert.ok(fs.existsSync(v.path));
    const snap = await api.treeSnapshot('stratus.volumes');
    const node = snap.find(n => n.label === 'wb-data');
    assert.ok(node, JSON.stringify(snap));
    assert.equal(node!.contextValue, 'volume.DATA_IMAGE_RAW_READ_WRITE.free');
    assert.match(node!.description ?? '', /^2 GiB · data/);
    for (const field of ['uuid', 'tag', 'count', 'owner', 'identifier', 'size', 'type', 'visibility', 'format', 'path']) {
      assert.ok(node!.tooltip?.includes(`| ${field} |`), `tooltip has ${field}`);
    }
    assert.ok(node!.tooltip?.includes(v.uuid));
  });

  it('Copy on Write adds a LIVE volume; the origin cannot be deleted while it exists', async () => {
    const api = await stratusApi();
    const origin = created[0];
    const cow = await vscode.commands.executeCommand<Volume>('stratus.volumes.copyOnWrite', { uuid: origin });
    assert.ok(cow?.uuid);
    created.push(cow.uuid);
    assert.equal(cow.identifier, `snapshot:${origin}`);
    const snap = await api.treeSnapshot('stratus.volumes');
    assert.deepEqual(snap.map(n => n.contextValue).sort(), ['volume.DATA_IMAGE_LIVE.free', 'volume.DATA_IMAGE_RAW_READ_WRITE.free']);
    assert.match(snap.find(n => n.contextValue?.startsWith('volume.DATA_IMAGE_RAW'))!.description ?? '', /1 copy-on-write/);
    assert.equal(await vscode.commands.executeCommand('stratus.volumes.delete', { uuid: origin, confirmed: true }), false);
    assert.equal((await api.treeSnapshot('stratus.volumes')).length, 2);
    if (hasHarness()) {
      await vscode.commands.executeCommand('stratus.volumes.focus');
      await waitForText('.part.sidebar', t => t.some(x => x.includes('wb-data')));
      assert.ok(await screenshot('volumes-tree', '.part.sidebar'));
    }
  });

  it('Delete removes the copy, then the origin', async () => {
    const api = await stratusApi();
    const cow = created.pop()!;
    assert.equal(await vscode.commands.executeCommand('stratus.volumes.delete', { uuid: cow, confirmed: true }), true);
    const origin = created.pop()!;
    assert.equal(await vscode.commands.executeCommand('stratus.volumes.delete', { uuid: origin, confirmed: true }), true);
    assert.deepEqual(await api.treeSnapshot('stratus.volumes'), []);
  });
});
