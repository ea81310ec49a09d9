import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, waitForText } from '../screenshot';
import type { ReadinessItem } from '../../../src/backend/readiness/check';

describe('Images: Check Image Readiness on an unpacked root file system', () => {
  after(async () => { await vscode.commands.executeCommand('workbench.action.closeAllEditors'); });

  it('lists every item with fixes for the failing ones, in a Markdown checklist', async () => {
    await stratusApi();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-rootfs-'));
    fs.mkdirSync(path.join(root, 'etc/ssh'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/ssh/sshd_config'), 'PasswordAuthentication yes\n');
    fs.writeFileSync(path.join(root, 'etc/ssh/ssh_host_ed25519_key'), 'x');
    fs.writeFileSync(path.join(root, 'etc/shadow'), 'root:*:1:0:99999:7:::\n');
    const items = await vscode.commands.executeCommand<ReadinessItem[]>('stratus.images.checkReadiness', { root });
    assert.ok(items && items.length >= 12);
    const status = (id: string) => items.find(i => i.id === id)?.status;
    assert.equal(status('ssh.password-auth-off'), 'fail');
    assert.equal(status('secrets.no-host-keys'), 'fail');
    assert.equal(status('secrets.root-password'), 'pass');
    const doc = vscode.window.activeTextEditor?.document;
    assert.equal(doc?.languageId, 'markdown');
    assert.match(doc!.getText(), /✘ \*\*SSH: PasswordAuthentication no\*\* `ssh\.password-auth-off`[\s\S]*\*Fix:\*/);
    if (hasHarness()) {
      await waitForText('.editor-instance', t => t.some(x => x.includes('ssh.password-auth-off')));
      assert.ok(await screenshot('images-readiness'));
    }
  });
});
