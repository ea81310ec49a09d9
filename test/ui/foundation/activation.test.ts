import * as assert from 'assert/strict';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, stratusApi } from '../api';
import { hasHarness, screenshot, waitForText } from '../screenshot';

describe('Foundation: activation', () => {
  it('activates and returns the Stratus API on the run\'s data folder', async () => {
    const api = await stratusApi();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(typeof api.treeSnapshot, 'function');
    // The harness hands every run a fresh STRATUS_DATA_DIR; the extension must use it, not ~/.local/share.
    const expected = process.env.STRATUS_DATA_DIR;
    assert.ok(expected, 'the harness sets STRATUS_DATA_DIR');
    assert.equal(api.dataRoot, path.resolve(expected));
  });

  it('runs in a real VS Code 1.100+ extension host with the test workspace open', () => {
    const [major, minor] = vscode.version.split('.').map(Number);
    assert.ok(major > 1 || minor >= 100, `VS Code ${vscode.version}`);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
    assert.equal(folders[0].uri.fsPath, process.env.STRATUS_TEST_WORKSPACE);
  });

  it('rejects snapshots of views it does not own', async () => {
    const api = await stratusApi();
    await assert.rejects(api.treeSnapshot('stratus.nope'), /no tree stratus\.nope/);
  });

  it('reveals its log output channel with stratus.showLog', async function () {
    if (!hasHarness()) this.skip();
    await stratusApi();
    await vscode.commands.executeCommand('stratus.showLog');
    // The Output panel must now show the Stratus channel with the activation line in it.
    const texts = await waitForText('.part.panel', t => t.join('\n').includes('Stratus activated; data folder'));
    assert.match(texts.join('\n'), /Stratus activated; data folder/);
    await screenshot('foundation-log-channel');
    await vscode.commands.executeCommand('workbench.action.closePanel');
  });
});
