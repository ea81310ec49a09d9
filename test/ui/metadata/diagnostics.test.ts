import * as assert from 'assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, stratusApi } from '../api';
import { screenshot, sleep } from '../screenshot';
import { signedEntry, originalDeprecation, isoIn } from '../../backend/marketplace/fixtures';

const corpusFiles = () => path.resolve(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, '..', 'shared', 'conformance', 'stratuslab-metadata', 'files');
const workspaceDir = () => process.env.STRATUS_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.tmpdir();

async function diagnosticsUntil(uri: vscode.Uri, pred: (d: vscode.Diagnostic[]) => boolean, timeoutMs = 10000): Promise<vscode.Diagnostic[]> {
  const end = Date.now() + timeoutMs;
  let d = vscode.languages.getDiagnostics(uri);
  while (!pred(d) && Date.now() < end) { await sleep(100); d = vscode.languages.getDiagnostics(uri); }
  return d;
}
const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);

describe('Metadata editor', function () {
  this.timeout(60000);
  before(async () => { await stratusApi(); });
  after(async () => { await vscode.commands.executeCommand('workbench.action.closeAllEditors'); });

  it('reports the original\'s constraint error on rdf:about and fixes it with the quick fix', async function () {
    const src = path.join(corpusFiles(), 'invalid-inconsistent-identifiers.xml');
    if (!fs.existsSync(src)) return this.skip(); // the conformance corpus (../shared) is not next to this clone
    const file = path.join(workspaceDir(), 'inconsistent-identifiers.xml');
    fs.copyFileSync(src, file);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();

    const diags = await diagnosticsUntil(doc.uri, d => d.some(x => codeOf(x) === 'constraints/about-identifier'));
    const about = diags.find(x => codeOf(x) === 'constraints/about-identifier');
    assert.ok(about, `diagnostics: ${diags.map(codeOf).join(', ')}`);
    assert.equal(about.message, 'rdf:about attribute (#MMZu9WvwKIro-rtBQfDk4PsKO7_) and dcterms:identifier (MMZu9WvwKIro-rtBQfDk4PsKO77) are not consistent');
    assert.equal(about.severity, vscode.DiagnosticSeverity.Error);
    const start = text.indexOf('rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"');
    assert.ok(about.range.isEqual(new vscode.Range(doc.positionAt(start), doc.positionAt(start + 'rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"'.length))), `range ${JSON.stringify(about.range)}`);
    // Unsigned: the signature layer says so, as a warning at the root.
    assert.ok(diags.some(x => codeOf(x) === 'signature/absent' && x.severity === vscode.DiagnosticSeverity.Warning));

    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await sleep(800);
    await screenshot('metadata-diagnostics');

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, about.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find(a => a.title === 'Make rdf:about match the identifier');
    assert.ok(fix?.edit, `actions: ${actions.map(a => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.ok(doc.getText().includes('rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO77"'));
    assert.equal(doc.getText().replace('#MMZu9WvwKIro-rtBQfDk4PsKO77"', '#MMZu9WvwKIro-rtBQfDk4PsKO7_"'), text);

    // Now the next constraint of the original's order shows: the identifier no longer decodes to the SHA-1.
    const after = await diagnosticsUntil(doc.uri, d => !d.some(x => codeOf(x) === 'constraints/about-identifier'));
    assert.ok(!after.some(x => codeOf(x) === 'constraints/about-identifier'));
    const sha = after.find(x => codeOf(x) === 'constraints/identifier-sha1');
    assert.ok(sha, `after the fix: ${after.map(codeOf).join(', ')}`);
    assert.match(sha.message, /^checksum from identifier \(\d+\) and SHA-1 checksum \(\d+\) are not consistent$/);
    const recompute = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, sha.range)).find(a => a.command?.command === 'stratus.metadata.recomputeFromImage');
    assert.ok(recompute, 'the identifier/SHA-1 mismatch offers recomputing from an image');
    await screenshot('metadata-after-quick-fix');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('an unqualified parseType (the original Deprecator\'s) is a warning at the attribute, and the quick fix writes rdf:parseType', async function () {
    const file = path.join(workspaceDir(), 'original-deprecation.xml');
    fs.writeFileSync(file, originalDeprecation(signedEntry({ content: 'old', title: 'Old', valid: isoIn(30) }, new Date(Date.now() - 3600_000)), 'replaced'));
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const diags = await diagnosticsUntil(doc.uri, d => d.some(x => codeOf(x) === 'rdf/unqualified-attribute'));
    const warn = diags.find(x => codeOf(x) === 'rdf/unqualified-attribute');
    assert.ok(warn, `diagnostics: ${diags.map(codeOf).join(', ')}`);
    assert.equal(warn.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(!diags.some(x => codeOf(x).startsWith('rdf/') && x.severity === vscode.DiagnosticSeverity.Error), 'no RDF error');
    const start = text.indexOf('parseType="Resource"', text.indexOf('<slreq:endorsement parseType='));
    assert.ok(warn.range.isEqual(new vscode.Range(doc.positionAt(start), doc.positionAt(start + 'parseType="Resource"'.length))), `range ${JSON.stringify(warn.range)}`);
    await vscode.window.activeTextEditor!.revealRange(warn.range);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await sleep(800);
    await screenshot('metadata-unqualified-parsetype');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, warn.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find(a => a.title === 'Write rdf:parseType');
    assert.ok(fix?.edit, `actions: ${actions.map(a => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.getText(), text.replace('<slreq:endorsement parseType=', '<slreq:endorsement rdf:parseType='));
    const after = await diagnosticsUntil(doc.uri, d => !d.some(x => codeOf(x) === 'rdf/unqualified-attribute'));
    assert.ok(!after.some(x => codeOf(x) === 'rdf/unqualified-attribute'), `after: ${after.map(codeOf).join(', ')}`);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('hover decodes an identifier to its SHA-1', async function () {
    const file = path.join(workspaceDir(), 'hover.xml');
    const built = await vscode.commands.executeCommand<string>('stratus.metadata.build', { image: await smallImage(), output: file, open: false, options: { os: 'Ubuntu', osVersion: '24.04', osArch: 'x86_64', imageVersion: '1.0', comment: 'test', location: 'http://example.org/i.img' } });
    assert.equal(built, file);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const id = /<dcterms:identifier>([^<]+)</.exec(doc.getText())![1];
    const pos = doc.positionAt(doc.getText().indexOf(id, doc.getText().indexOf('<dcterms:identifier>')) + 3);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
    const texts = hovers.flatMap(h => h.contents.map(c => typeof c === 'string' ? c : (c as vscode.MarkdownString).value)).join('\n');
    assert.ok(texts.includes(imageSha1!), texts);
    // On an element name: what the element means (reference §1.3).
    const bytesAt = doc.positionAt(doc.getText().indexOf('<slreq:bytes>') + 3);
    const meaning = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, bytesAt))
      .flatMap(h => h.contents.map(c => typeof c === 'string' ? c : (c as vscode.MarkdownString).value)).join('\n');
    assert.match(meaning, /\*\*slreq:bytes\*\* — Size in bytes of the \*\*uncompressed\*\* image/);
  });

  it('Build Metadata writes a skeleton that the Validate command judges like the original (unsigned: no signature)', async () => {
    const file = path.join(workspaceDir(), 'built.xml');
    await vscode.commands.executeCommand('stratus.metadata.build', { image: await smallImage(), output: file, open: false, options: { os: 'Debian', osVersion: '12', osArch: 'x86_64', imageVersion: '2', comment: 'c', location: 'http://example.org/d.img' } });
    const xml = fs.readFileSync(file, 'utf8');
    assert.match(xml, new RegExp(`<slreq:value>${imageSha1}</slreq:value>`));
    const r = await vscode.commands.executeCommand<{ verdict: { client: { ok: boolean; message?: string }; layers: Record<string, { ok: boolean }> } }>('stratus.metadata.validate', vscode.Uri.file(file));
    assert.deepEqual(r.verdict.client, { ok: false, message: 'no signature' });
    assert.equal(r.verdict.layers.constraints.ok, true);
    assert.equal(r.verdict.layers.rdf.ok, true);
  });
});

let imageSha1: string | undefined;
async function smallImage(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-md-'));
  const data = crypto.randomBytes(300000);
  imageSha1 = crypto.createHash('sha1').update(data).digest('hex');
  const file = path.join(dir, 'disk.img');
  fs.writeFileSync(file, data);
  return file;
}
