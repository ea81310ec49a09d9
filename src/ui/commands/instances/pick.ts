import * as vscode from 'vscode';
import type { InstanceManager } from '../../../backend/kvm/instances';
import type { InstanceRecord, InstanceState } from '../../../backend/kvm/types';
import type { UiContext } from '../../context';
import { allManagers } from '../../services/hostServices';
import type { InstanceNode } from '../../services/nodes';
import { withTimeout } from '../../services/hosts';

export interface Picked { mgr: InstanceManager; record: InstanceRecord }

/** A tree node, an instance id (tests, other commands) or — without argument — a quick pick among `states`. */
export async function pickInstance(ctx: UiContext, arg: unknown, states: InstanceState[], title: string): Promise<Picked | undefined> {
  const candidates = await instanceCandidates(ctx);
  const node = arg as InstanceNode | undefined;
  const id = typeof arg === 'string' ? arg : node && node.kind === 'instance' ? node.record.id : typeof arg === 'object' && arg && 'id' in arg ? String((arg as { id: unknown }).id) : undefined;
  if (id) {
    const hit = candidates.find(c => c.record.id === id && (!node || node.kind !== 'instance' || c.mgr.host.id === node.host.id));
    if (!hit) throw new Error(`No instance ${id}.`);
    return hit;
  }
  const usable = candidates.filter(c => states.includes(c.record.state));
  if (!usable.length) { void vscode.window.showInformationMessage(`No ${states.join(' or ')} instance.`); return undefined; }
  const choice = await vscode.window.showQuickPick(usable.map(c => ({ label: c.record.name, description: `${c.record.id} · ${c.record.state} · ${c.mgr.host.label}`, c })), { title });
  return choice?.c;
}

/** The instances of every host that answers; hosts are listed side by side. */
export async function instanceCandidates(ctx: UiContext): Promise<Picked[]> {
  const candidates: Picked[] = [];
  // a host that is down is left out (logged), not a reason to fail the others
  const lists = await Promise.allSettled((await allManagers(ctx)).map(async mgr => ({ mgr, records: await withTimeout(mgr.list(), 15_000, `Listing instances on ${mgr.host.label}`) })));
  for (const l of lists) {
    if (l.status === 'fulfilled') for (const record of l.value.records) candidates.push({ mgr: l.value.mgr, record });
    else ctx.log.warn((l.reason as Error).message);
  }
  return candidates;
}
