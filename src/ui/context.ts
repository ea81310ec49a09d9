import * as vscode from 'vscode';
import type { DataLayout } from '../backend/paths';

/** What every tree, command and editor feature gets at registration. */
export interface UiContext {
  ext: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  data: DataLayout;
  /** Registered trees by view id, so commands can refresh or reveal in them. */
  trees: Map<string, SnapshotTree>;
}

/** A tree the tests (and the API returned from activate) can read without the DOM. */
export interface SnapshotTree {
  refresh(): void;
  snapshot(depth?: number): Promise<TreeSnapshot[]>;
}

export interface TreeSnapshot {
  label: string;
  description?: string;
  contextValue?: string;
  tooltip?: string;
  icon?: string;
  /** What a click runs (object arguments as their kind and ids). */
  command?: { command: string; arguments?: unknown[] };
  children?: TreeSnapshot[];
}

export function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('stratus');
}
