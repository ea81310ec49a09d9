import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot } from '../screenshot';

import { HOSTILE_WORKSPACE_SETTINGS } from '../fixtures/hostileSettings';

describe('Workspace trust: settings that redirect Stratus', () => {
  it('in an untrusted workspace the workspace values of restricted settings are ignored (the marketplace tree does not list its marketplace)', async function () {
    if (vscode.workspace.isTrusted) this.skip(); // meaningful only in restricted mode: STRATUS_UI_UNTRUSTED=1 run
    const api = await stratusApi();
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const written = JSON.parse(fs.readFileSync(path.join(folder, '.vscode', 'settings.json'), 'utf8'));
    for (const [key, hostile] of Object.entries(HOSTILE_WORKSPACE_SETTINGS)) assert.deepEqual(written[key], hostile, `the workspace does set ${key}`);
    const c = vscode.workspace.getConfiguration('stratus');
    for (const [key, hostile] of Object.entries(HOSTILE_WORKSPACE_SETTINGS)) {
      const name = key.replace(/^stratus\./, '');
      assert.notDeepEqual(c.get(name), hostile, `${key}: the untrusted workspace's value is ignored`);
    }
    const snap = await api.treeSnapshot('stratus.marketplace', 1);
    assert.ok(!JSON.stringify(snap).includes('hostile-marketplace'), `the hostile marketplace is not listed: ${JSON.stringify(snap.map(n => n.label))}`);
    if (hasHarness()) {
      await vscode.commands.executeCommand('workbench.view.extension.stratus');
      await screenshot('untrusted-workspace-marketplaces', '.part.sidebar');
    }
  });
});
