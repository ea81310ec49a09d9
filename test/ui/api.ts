import * as vscode from 'vscode';
import type { StratusApi } from '../../src/extension';

export const EXTENSION_ID = 'stratus.stratus';

/** Activates the extension under test (loaded from the repo's dist/) and returns its API. */
export async function stratusApi(): Promise<StratusApi> {
  const ext = vscode.extensions.getExtension<StratusApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded: is the harness pointing at the repo root?`);
  return ext.activate();
}
