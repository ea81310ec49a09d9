import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { RemoteHostFixture, sshdAvailable, startRemoteHost } from '../../backend/host/remoteHost';

// Runs inside the real extension host: a real sshd (test fixture) is added as a KVM host through the commands.
describe('Hosts: remote KVM hosts over SSH', function () {
  let fx: RemoteHostFixture | undefined;
  const cfg = () => vscode.workspace.getConfiguration('stratus');

  before(async function () {
    const why = sshdAvailable();
    if (why) { console.log(`skipped: ${why}`); this.skip(); }
    await stratusApi();
    fx = await startRemoteHost();
  });
  after(async () => {
    await cfg().update('hosts', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('activeHost', undefined, vscode.ConfigurationTarget.Global);
    await fx?.stop();
  });

  it('adds a host only with its fingerprint accepted, makes it active, checks, reconnects and removes it', async () => {
    const f = fx!;
    const target = `root@${f.host}:${f.port}`;
    const fp = f.fingerprint();
    const wrong = await vscode.commands.executeCommand('stratus.hosts.add', { target, name: 'lab', identityFile: f.clientKeyFile, acceptFingerprint: 'SHA256:not-it' });
    assert.equal(wrong, undefined, 'a key that does not match the accepted fingerprint is refused');
    assert.deepEqual(cfg().get('hosts'), []);

    const name = await vscode.commands.executeCommand('stratus.hosts.add', { target, name: 'lab', identityFile: f.clientKeyFile, acceptFingerprint: fp });
    assert.equal(name, 'lab');
    const saved = cfg().get<unknown[]>('hosts')!;
    assert.equal(saved.length, 1);
    assert.equal((saved[0] as { host: string }).host, f.host);
    const api = await stratusApi();
    assert.match(fs.readFileSync(path.join(api.dataRoot, 'known_hosts'), 'utf8'), /ssh-ed25519 /, 'accepted key recorded in the extension-kept file');

    assert.equal(await vscode.commands.executeCommand('stratus.hosts.selectActive', 'lab'), 'lab');
    assert.equal(cfg().get('activeHost'), 'lab');

    const items = await vscode.commands.executeCommand<{ id: string; ok: boolean }[]>('stratus.hosts.check', 'lab', { quiet: true });
    assert.ok(items && items.some(i => i.id === 'space:images'), 'pre-flight checklist returned');
    assert.equal(items!.find(i => i.id === 'qemu-img')?.ok, fs.existsSync('/usr/bin/qemu-img'));

    f.killSessions();
    assert.equal(await vscode.commands.executeCommand('stratus.hosts.reconnect', 'lab'), true);

    assert.equal(await vscode.commands.executeCommand('stratus.hosts.remove', 'lab', { confirm: false }), true);
    assert.deepEqual(cfg().get('hosts'), []);
    assert.equal(cfg().get('activeHost'), 'local', 'the active host falls back to local when removed');
  });
});
