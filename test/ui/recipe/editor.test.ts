import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, sleep } from '../screenshot';

const BAD = `base: MMZu9WvwKIro-rtBQfDk4PsKO7
type: m9.huge
installer: apt
packages:
  - hello
  - "hello; reboot"
scripts:
  - missing.sh
image:
  title: Web server
  comment: Apache with a custom page
  author: Jane Tester
  author-email: jane@@example
`;

async function diagnosticsOf(uri: vscode.Uri, pred: (ds: vscode.Diagnostic[]) => boolean, timeoutMs = 15000): Promise<vscode.Diagnostic[]> {
  const end = Date.now() + timeoutMs;
  let ds = vscode.languages.getDiagnostics(uri).filter(d => d.source === 'stratus');
  while (!pred(ds) && Date.now() < end) { await sleep(100); ds = vscode.languages.getDiagnostics(uri).filter(d => d.source === 'stratus'); }
  return ds;
}
const r = (d: vscode.Diagnostic) => [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character];

describe('Recipes: diagnostics, completion, hovers, CodeLens and the Builds view', () => {
  const dir = fs.mkdtempSync(path.join(process.env.STRATUS_TEST_WORKSPACE ?? os.tmpdir(), 'recipe-'));
  const file = path.join(dir, 'web.recipe.yaml');
  const uri = vscode.Uri.file(file);

  before(async () => { await stratusApi(); fs.writeFileSync(file, BAD); });
  after(async () => { await vscode.commands.executeCommand('workbench.action.closeAllEditors'); });

  it('shows diagnostics with exact ranges for what a schema cannot say', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ds = await diagnosticsOf(uri, x => x.length >= 5);
    const byCode = Object.fromEntries(ds.map(d => [String(d.code), d]));
    assert.deepEqual(Object.keys(byCode).sort(), ['recipe/base-identifier', 'recipe/email', 'recipe/package-name', 'recipe/script-missing', 'recipe/type-unknown']);
    assert.deepEqual(r(byCode['recipe/base-identifier']), [0, 6, 0, 32]);
    assert.match(byCode['recipe/base-identifier'].message, /has 26 characters, an identifier has 27/);
    assert.deepEqual(r(byCode['recipe/type-unknown']), [1, 6, 1, 13]);
    assert.match(byCode['recipe/type-unknown'].message, /^Unknown instance type: m9\.huge/);
    assert.deepEqual(r(byCode['recipe/package-name']), [5, 4, 5, 19]);
    assert.equal(byCode['recipe/package-name'].severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual(r(byCode['recipe/script-missing']), [7, 4, 7, 14]);
    assert.deepEqual(r(byCode['recipe/email']), [12, 16, 12, 29]);
  });

  it('updates as the user types: fixing the script and e-mail removes those diagnostics', async () => {
    fs.writeFileSync(path.join(dir, 'missing.sh'), '#!/bin/sh\necho hi\n');
    const editor = vscode.window.activeTextEditor!;
    const line = editor.document.lineAt(12);
    await editor.edit(e => e.replace(line.range, '  author-email: jane@example.org'));
    const ds = await diagnosticsOf(uri, x => !x.some(d => d.code === 'recipe/email' || d.code === 'recipe/script-missing'));
    assert.deepEqual(ds.map(d => String(d.code)).sort(), ['recipe/base-identifier', 'recipe/package-name', 'recipe/type-unknown']);
    if (hasHarness()) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await sleep(500);
      await screenshot('recipe-diagnostics');
    }
  });

  it('flags scripts and context files outside the recipe\'s folder (symlinks resolved), on the path itself', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'confined-'));
    const secret = path.join(dir, 'not-for-images.txt');
    fs.writeFileSync(secret, 'a file of this machine\n');
    fs.writeFileSync(path.join(sub, 'base.qcow2'), '');
    fs.symlinkSync(secret, path.join(sub, 'user-data.yaml'));
    const f = vscode.Uri.file(path.join(sub, 'shared.recipe.yaml'));
    fs.writeFileSync(f.fsPath, 'base: base.qcow2\nscripts:\n  - ../not-for-images.txt\ncontext:\n  - {type: cloud-config, file: user-data.yaml}\n');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(f));
    const ds = (await diagnosticsOf(f, x => x.filter(d => d.code === 'recipe/path-outside').length === 2)).filter(d => d.code === 'recipe/path-outside');
    assert.equal(ds.length, 2, JSON.stringify(vscode.languages.getDiagnostics(f).map(d => d.message)));
    assert.deepEqual(r(ds[0]), [2, 4, 2, 25]);
    assert.match(ds[0].message, /^Script '\.\.\/not-for-images\.txt' is outside the recipe's folder \(it resolves to .*not-for-images\.txt\): .*stratus\.build\.allowPathsOutsideRecipe/);
    assert.equal(ds[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(ds[1].message, /^Context file 'user-data\.yaml' is outside the recipe's folder/);
    if (hasHarness()) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await sleep(500);
      await screenshot('recipe-path-outside');
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('completes instance types with their sizes and installers', async () => {
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(1, 8));
    const large = list.items.find(i => (typeof i.label === 'string' ? i.label : i.label.label) === 'm1.large');
    assert.equal(large?.detail, '2 CPU, 6144 MB RAM, 6144 MB swap');
  });

  it('hovers explain keys and instance types', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(2, 2));
    const text = hovers.flatMap(h => h.contents.map(c => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /\*\*installer\*\* — Package installer in the guest/);
  });

  it('offers "▶ Create image" at the top (or explains why builds are off in an untrusted workspace)', async () => {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const ours = lenses.filter(l => l.command?.command === 'stratus.recipe.createImage' || l.command?.command === 'workbench.trust.manage');
    assert.equal(ours.length, 1);
    assert.equal(ours[0].range.start.line, 0);
    assert.equal(ours[0].command!.title, vscode.workspace.isTrusted ? '▶ Create image' : '$(shield) Image builds are off in untrusted workspaces (recipes are still checked)');
  });

  it('New Recipe… writes a commented template that only lacks a real base', async () => {
    const target = vscode.Uri.file(path.join(dir, 'fresh'));
    const made = await vscode.commands.executeCommand<vscode.Uri>('stratus.recipe.new', target);
    assert.equal(made?.fsPath, path.join(dir, 'fresh.recipe.yaml'));
    assert.match(fs.readFileSync(made!.fsPath, 'utf8'), /^# Stratus image recipe/);
    const ds = await diagnosticsOf(made!, x => x.length > 0);
    assert.deepEqual(ds.map(d => String(d.code)), ['recipe/base-unknown']);
  });

  it('a build that fails shows its steps with states in the Builds view; a recipe with errors starts nothing', async () => {
    const api = await stratusApi();
    // Errors: nothing is started, no build record appears.
    const none = await vscode.commands.executeCommand('stratus.recipe.createImage', uri);
    assert.equal(none, undefined);
    assert.deepEqual(await api.treeSnapshot('stratus.builds'), []);
    if (!vscode.workspace.isTrusted) return;
    // A compressed base that is not gzip: the build fails when the VM starts (inflating it), before anything is made.
    fs.writeFileSync(path.join(dir, 'not-an-image.img.gz'), 'not gzip data');
    const ok = path.join(dir, 'fails.recipe.yaml');
    fs.writeFileSync(ok, 'base: not-an-image.img.gz\ninstaller: apt\npackages: [hello]\nimage: {title: T, comment: C, author: A, author-email: a@example.org}\ntimeouts: {vm-start: 30, ssh: 5}\n');
    const rec = await vscode.commands.executeCommand<{ status: string; failedStep?: string }>('stratus.recipe.createImage', vscode.Uri.file(ok));
    assert.equal(rec?.status, 'failed');
    assert.equal(rec?.failedStep, 'start');
    await vscode.commands.executeCommand('stratus.builds.focus');
    const snap = await api.treeSnapshot('stratus.builds', 2);
    assert.equal(snap.length, 1);
    assert.equal(snap[0].label, 'fails.recipe.yaml');
    assert.equal(snap[0].contextValue, 'build.failed');
    const steps = snap[0].children!;
    assert.deepEqual(steps.slice(0, 3).map(s => s.description?.split(' · ')[0]), ['done', 'skipped', 'failed']);
    assert.equal(steps[3].description, 'pending');
    // Nothing half-made stays behind: the failed build VM is not listed among the instances.
    await sleep(500);
    const instances = JSON.stringify(await api.treeSnapshot('stratus.instances', 3));
    assert.ok(!instances.includes('creator:'), instances);
    if (hasHarness()) { await sleep(300); await screenshot('recipe-build-failed', '.part.sidebar'); }
  });
});
