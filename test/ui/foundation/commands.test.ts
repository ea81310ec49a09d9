import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, stratusApi } from '../api';

// Commands the workbench itself registers for every contributed view (`<view id>.<suffix>`):
// they are not ours to declare.
const VIEW_COMMAND_SUFFIXES = ['focus', 'resetViewLocation', 'removeView', 'toggleVisibility', 'open'];

describe('Foundation: commands', () => {
  // Read at run time so this keeps checking every area's commands as they land.
  const pkg = () => JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8'));

  it('every command declared in package.json is registered', async () => {
    await stratusApi();
    const declared: string[] = pkg().contributes.commands.map((c: { command: string }) => c.command);
    assert.ok(declared.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(declared.filter(c => !registered.has(c)), [], 'declared but not registered');
  });

  it('every registered stratus.* command is declared', async () => {
    await stratusApi();
    const p = pkg();
    const declared = new Set(p.contributes.commands.map((c: { command: string }) => c.command));
    const viewIds: string[] = Object.values(p.contributes.views as Record<string, { id: string }[]>).flat().map(v => v.id);
    const generated = new Set(viewIds.flatMap(id => VIEW_COMMAND_SUFFIXES.map(s => `${id}.${s}`)));
    const ours = (await vscode.commands.getCommands(true)).filter(c => c.startsWith('stratus.') && !generated.has(c));
    assert.deepEqual(ours.filter(c => !declared.has(c)), [], 'registered but not declared in package.json');
  });

  it('declares every command with a title and the Stratus category', () => {
    const bad = pkg().contributes.commands.filter((c: { command: string; title?: string; category?: string }) =>
      !c.command.startsWith('stratus.') || !c.title || c.category !== 'Stratus');
    assert.deepEqual(bad, []);
  });
});
