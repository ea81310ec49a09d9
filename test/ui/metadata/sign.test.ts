import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, waitForText } from '../screenshot';
import { verifySignature } from '../../../src/core/metadata/verify';
import { loadPkcs12 } from '../../../src/core/metadata/certs';
import type { SignatureVerdict } from '../../../src/core/metadata/types';
import { MINIMAL } from '../../core/metadata/testkeys';

const SUBJECT = 'CN=WB Tester,OU=Testing Department,O=StratusLab Project,C=EU';

describe('Metadata: sign, verify and the signature CodeLens', () => {
  const dir = fs.mkdtempSync(path.join(process.env.STRATUS_TEST_WORKSPACE ?? os.tmpdir(), 'sign-'));
  const file = path.join(dir, 'entry.xml');
  const p12 = path.join(dir, 'wb.p12');
  let pem = '';
  const uri = vscode.Uri.file(file);
  const lensTitles = async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map(l => l.command?.title ?? '');

  before(async () => {
    await stratusApi();
    fs.writeFileSync(file, MINIMAL);
    await vscode.workspace.getConfiguration('stratus').update('trustedCertificates', [], vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('stratus').update('trustedCertificates', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Generate Certificate… writes a PKCS#12 (mode 600) and its PEM certificate', async () => {
    const r = await vscode.commands.executeCommand<{ p12Path: string; pemPath: string }>('stratus.metadata.generateCertificate', { commonName: 'WB Tester', email: 'wb@example.org', password: 'wb-pass', target: p12, trust: false });
    assert.equal(r?.p12Path, p12);
    pem = r!.pemPath;
    assert.equal(fs.statSync(p12).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(pem, 'utf8'), /BEGIN CERTIFICATE/);
    assert.ok(loadPkcs12(fs.readFileSync(p12), 'wb-pass').privateKeyPem.includes('PRIVATE KEY'));
  });

  it('an unsigned document gets a "Not signed — Sign…" lens', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    assert.deepEqual(await lensTitles(), ['Not signed — Sign…']);
  });

  it('Sign Metadata… re-signs the open document through a WorkspaceEdit and saves it', async () => {
    const v = await vscode.commands.executeCommand<SignatureVerdict>('stratus.metadata.sign', { uri: uri.toString(), certPath: p12, password: 'wb-pass' });
    assert.equal(v?.status, 'valid', v?.message);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.match(doc.getText(), /<Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">/);
    assert.equal(doc.isDirty, false);
    const onDisk = verifySignature(fs.readFileSync(file, 'utf8'));
    assert.equal(onDisk.status, 'valid', onDisk.message);
    assert.equal(onDisk.signer?.subject, SUBJECT);
    assert.equal(onDisk.signer?.email, 'wb@example.org');
  });

  it('the password is asked once: signing again finds it in SecretStorage', async () => {
    const before = fs.readFileSync(file, 'utf8');
    // the endorsement's `created` has one-second resolution and RSA PKCS#1 v1.5 is deterministic
    await new Promise(r => setTimeout(r, 1100));
    const v = await vscode.commands.executeCommand<SignatureVerdict>('stratus.metadata.sign', { uri: uri.toString(), certPath: p12 });
    assert.equal(v?.status, 'valid');
    assert.notEqual(fs.readFileSync(file, 'utf8'), before, 'signed anew (new signature value)');
  });

  it('CodeLens: untrusted, then valid once the certificate is trusted, INVALID after an edit', async () => {
    assert.ok((await lensTitles()).includes(`Signed by ${SUBJECT} — untrusted`), (await lensTitles()).join(' | '));
    await vscode.workspace.getConfiguration('stratus').update('trustedCertificates', [pem], vscode.ConfigurationTarget.Global);
    assert.ok((await lensTitles()).includes(`Signed by ${SUBJECT} — valid`), (await lensTitles()).join(' | '));
    const verified = await vscode.commands.executeCommand<SignatureVerdict>('stratus.metadata.verify', { uri: uri.toString() });
    assert.equal(verified?.trusted, true);
    if (hasHarness()) {
      const rendered = await waitForText('.contentWidgets .codelens-decoration', t => t.some(s => s.includes('— valid')));
      assert.ok(rendered.some(s => s.includes(`Signed by ${SUBJECT} — valid`)), rendered.join(' | '));
      await screenshot('metadata-signature-lens-valid');
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const at = doc.getText().indexOf('>machine<') + 1;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'machine'.length)), 'disk');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok((await lensTitles()).includes(`Signed by ${SUBJECT} — INVALID: signature validation: truecontent (ref='') validity: false`), (await lensTitles()).join(' | '));
    if (hasHarness()) {
      await waitForText('.contentWidgets .codelens-decoration', t => t.some(s => s.includes('INVALID')));
      await screenshot('metadata-signature-lens-invalid');
    }
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
