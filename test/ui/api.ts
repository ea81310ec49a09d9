import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { StratusApi } from '../../src/extension';
import type { TreeSnapshot } from '../../src/ui/context';

export const EXTENSION_ID = 'stratus.stratus';

/** The Debian base image the guest-booting workbench tests launch (scripts/setup-kvm.sh prints its path). */
export const BASE_IMAGE = process.env.STRATUS_TEST_BASE_IMAGE;

/** In a suite's before(): skips it, saying why, when there is no base image to boot. */
export function skipWithoutBaseImage(ctx: Mocha.Context): void {
  if (BASE_IMAGE && fs.existsSync(BASE_IMAGE)) return;
  console.log('skipped: set STRATUS_TEST_BASE_IMAGE to the Debian base image (scripts/setup-kvm.sh prints it) to boot a guest');
  ctx.skip();
}

/** Activates the extension under test (loaded from the repo's dist/) and returns its API. */
export async function stratusApi(): Promise<StratusApi> {
  const ext = vscode.extensions.getExtension<StratusApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded: is the harness pointing at the repo root?`);
  return ext.activate();
}

/** Polls a Stratus tree (two levels) until `pred` finds what it wants; fails with the last snapshot. */
export async function untilTree(view: string, pred: (s: TreeSnapshot[]) => boolean, what: string, ms = 60_000): Promise<TreeSnapshot[]> {
  const api = await stratusApi();
  const end = Date.now() + ms;
  let snap = await api.treeSnapshot(view, 2);
  while (!pred(snap)) {
    if (Date.now() > end) assert.fail(`${view}: ${what} not seen within ${ms / 1000} s: ${JSON.stringify(snap.map(n => [n.label, n.description, n.contextValue, n.children?.map(c => c.label)]))}`);
    await new Promise(r => setTimeout(r, 500));
    snap = await api.treeSnapshot(view, 2);
  }
  return snap;
}
