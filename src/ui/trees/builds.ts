import * as vscode from 'vscode';
import type { UiContext } from '../context';
import { contextValue } from './contextValue';
import { snapshotProvider } from './snapshot';
import type { BuildRecord, StepRecord } from '../../backend/build/steps';
import { buildsModel, type BuildsModel } from '../services/builds';
import type { BuildNode } from '../services/nodes';

const BUILD_ICON: Record<BuildRecord['status'], [string, string?]> = {
  running: ['sync~spin'], succeeded: ['pass', 'testing.iconPassed'], failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'], kept: ['vm-running', 'charts.yellow'], cleaned: ['circle-slash', 'disabledForeground'],
};
const STEP_ICON: Record<StepRecord['state'], [string, string?]> = {
  pending: ['circle-outline', 'disabledForeground'], running: ['sync~spin'], done: ['pass', 'testing.iconPassed'],
  skipped: ['debug-step-over', 'disabledForeground'], failed: ['error', 'testing.iconFailed'], cancelled: ['circle-slash', 'disabledForeground'],
};
const icon = ([id, color]: [string, string?]) => new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
const secs = (ms?: number) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

/** The Builds view: one node per build (newest first), its steps with state and duration below. */
export class BuildsTree implements vscode.TreeDataProvider<BuildNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  constructor(private readonly model: BuildsModel) { model.onDidChange(() => this.changed.fire()); }

  refresh(): void { this.changed.fire(); }

  async getChildren(node?: BuildNode): Promise<BuildNode[]> {
    if (!node) return (await this.model.records()).map(record => ({ kind: 'build', record }));
    if (node.kind === 'build') return node.record.steps.map(step => ({ kind: 'step', record: node.record, step }));
    return [];
  }

  getTreeItem(node: BuildNode): vscode.TreeItem {
    if (node.kind === 'build') {
      const r = node.record;
      const name = r.recipePath.split(/[\\/]/).pop()!;
      const item = new vscode.TreeItem(name, r.status === 'running' || r.status === 'failed' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      const total = r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : undefined;
      item.description = [r.status, r.result?.imageId, secs(total)].filter(Boolean).join(' · ');
      item.tooltip = [`${r.recipePath}`, `build ${r.id}`, r.error ? `error: ${r.error}` : '', r.instanceId ? `VM: instance ${r.instanceId}` : '', `log: ${r.logPath}`].filter(Boolean).join('\n');
      const interrupted = this.model.interrupted(r);
      if (interrupted && r.status === 'running') item.description = ['interrupted', secs(total)].filter(Boolean).join(' · ');
      item.contextValue = interrupted ? contextValue('build', 'interrupted') : contextValue('build', r.status, !!r.instanceId && r.status !== 'succeeded' && r.status !== 'cleaned' && 'vm');
      item.iconPath = icon(BUILD_ICON[r.status]);
      item.id = r.id;
      return item;
    }
    const s = node.step;
    const item = new vscode.TreeItem(s.label, vscode.TreeItemCollapsibleState.None);
    item.description = [s.state, secs(s.durationMs), s.detail].filter(Boolean).join(' · ');
    // a failed step's tooltip has the whole error: the boot doctor's diagnosis and the last console lines
    item.tooltip = s.error ?? s.detail;
    item.contextValue = contextValue('buildStep', s.state);
    item.iconPath = icon(STEP_ICON[s.state]);
    item.id = `${node.record.id}/${s.id}`;
    item.command = { command: 'stratus.build.openLog', title: s.logPath ? 'Open Step Log' : 'Open Build Log', arguments: [node] };
    return item;
  }
}

/** The Builds view over this window's builds (services/builds). */
export function register(ctx: UiContext): vscode.TreeDataProvider<BuildNode> {
  const tree = new BuildsTree(buildsModel(ctx));
  ctx.trees.set('stratus.builds', { refresh: () => tree.refresh(), snapshot: d => snapshotProvider(tree, d ?? 2) });
  return tree;
}
