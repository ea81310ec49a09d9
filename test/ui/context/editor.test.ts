import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, sleep, waitForText } from '../screenshot';

async function diagnosticsOf(uri: vscode.Uri, count: number): Promise<vscode.Diagnostic[]> {
  for (let i = 0; i < 80; i++) {
    const d = vscode.languages.getDiagnostics(uri);
    if (d.length >= count) return d;
    await sleep(100);
  }
  return vscode.languages.getDiagnostics(uri);
}

describe('Context files: language, diagnostics and hovers', () => {
  const dir = fs.mkdtempSync(path.join(process.env.STRATUS_TEST_WORKSPACE ?? os.tmpdir(), 'ctx-'));
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMm2k3kVQ7Y4f0sC1Wc2lU8mJfH8r0Vq9F8d0hQb1B2c wb@stratus';

  before(async () => {
    await stratusApi();
    fs.writeFileSync(path.join(dir, 'id.pub'), key + '\n');
    fs.writeFileSync(path.join(dir, 'boot.sh'), '#!/bin/sh\necho "booted by Stratus" > /root/booted\n');
  });
  after(async () => { await vscode.commands.executeCommand('workbench.action.closeAllEditors'); });

  it('a .context file gets the stratus-context language and diagnostics with exact ranges', async () => {
    const file = path.join(dir, '50-app.context');
    fs.writeFileSync(file, '# app\nenabled=yes\nrun_exec=bin/start-app\nAPP_PORT=8080\njust words\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'stratus-context');
    const diags = await diagnosticsOf(doc.uri, 3);
    const byCode = new Map(diags.map(d => [String(d.code), d]));
    assert.deepEqual([...byCode.keys()].sort(), ['context/missing-equals', 'context/run-exec-not-absolute', 'context/unknown-key']);
    const rel = byCode.get('context/run-exec-not-absolute')!;
    assert.deepEqual([rel.range.start.line, rel.range.start.character, rel.range.end.character], [2, 9, 22]);
    assert.equal(rel.severity, vscode.DiagnosticSeverity.Error);
    const unknown = byCode.get('context/unknown-key')!;
    assert.deepEqual([unknown.range.start.line, unknown.range.start.character, unknown.range.end.character], [1, 0, 7]);
    assert.match(unknown.message, /did you mean enable/);
    // fixing the file clears the diagnostics
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), '# app\nenable=yes\nrun_exec=/opt/app/start\nAPP_PORT=8080\n');
    await vscode.workspace.applyEdit(edit);
    for (let i = 0; i < 50 && vscode.languages.getDiagnostics(doc.uri).length; i++) await sleep(100);
    assert.deepEqual(vscode.languages.getDiagnostics(doc.uri), []);
  });

  it('Prepare Context… writes cloud-init.txt; hovers decode the user data and the keys', async () => {
    const out = await vscode.commands.executeCommand<string>('stratus.context.prepare', { parts: ['ssh,id.pub', 'x-shellscript,boot.sh'], folder: dir });
    assert.equal(out, path.join(dir, 'cloud-init.txt'));
    const doc = await vscode.workspace.openTextDocument(out);
    const editor = await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'stratus-context');
    assert.equal(doc.lineAt(0).text, 'CONTEXT_METHOD=cloud-init');
    assert.deepEqual(vscode.languages.getDiagnostics(doc.uri), []);
    const hover = async (line: number) => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 25));
      return hs.flatMap(h => h.contents.map(c => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    };
    const ud = await hover(2);
    assert.match(ud, /MIME multipart, 1 part\(s\)/);
    assert.ok(ud.includes('echo "booted by Stratus"'), ud);
    assert.match(await hover(1), /1 key\(s\)[\s\S]*wb@stratus/);
    if (hasHarness()) {
      editor.selection = new vscode.Selection(2, 25, 2, 25);
      await vscode.commands.executeCommand('editor.action.showHover');
      const texts = await waitForText('.monaco-hover', t => t.some(x => x.includes('booted by Stratus')));
      assert.ok(texts.some(x => x.includes('text/x-shellscript')), texts.join('|'));
      assert.ok(await screenshot('context-cloud-init-hover'));
    }
  });

  it('a broken cloud-init.txt shows the 16 KiB and base64 problems in the Problems panel', async () => {
    const sub = path.join(dir, 'broken');
    fs.mkdirSync(sub, { recursive: true });
    const file = path.join(sub, 'cloud-init.txt');
    fs.writeFileSync(file, 'CONTEXT_METHOD=cloud-init\nCLOUD_INIT_AUTHORIZED_KEYS=not*base64\nCLOUD_INIT_USER_DATA=aGVsbG8=\nbroken line\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const diags = await diagnosticsOf(doc.uri, 3);
    assert.deepEqual(diags.map(d => [String(d.code), d.range.start.line]).sort(), [['context/base64', 1], ['context/gzip', 2], ['context/missing-equals', 3]]);
    assert.equal(diags.find(d => d.code === 'context/missing-equals')!.message, 'Error while parsing contextualization file.\nSyntax error in line `broken line`');
    if (hasHarness()) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await waitForText('.markers-panel', t => t.some(x => x.includes('Syntax error in line')));
      assert.ok(await screenshot('context-diagnostics'));
    }
  });
});
