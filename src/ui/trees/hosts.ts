import * as vscode from 'vscode';
import type { Host } from '../../backend/host/host';
import { RemoteKvmHost } from '../../backend/host/remoteHosts';
import { hostRegistry } from '../../backend/hosts/registry';
import type { DataLayout } from '../../backend/paths';
import { hostState } from '../commands/hosts/hostNode';
import { config, UiContext } from '../context';

/**
 * Per-host plumbing shared by the Instances and Volumes trees and their commands: each host's own data
 * folders, the hosts in tree order, and one refresh callback for host list and connection-state changes.
 */

const layouts = new WeakMap<Host, Promise<DataLayout>>();

/** This machine's folders for the local host; a remote host's own folders (asked once per Host object). */
export function hostLayout(ctx: UiContext, host: Host): Promise<DataLayout> {
  if (!(host instanceof RemoteKvmHost)) return Promise.resolve(ctx.data);
  let p = layouts.get(host);
  if (!p) {
    // guest login keys stay on this machine: the client logs into the guests
    p = host.dataLayout(ctx.data.keys);
    layouts.set(host, p);
    // a host that was down is asked again next time rather than failing forever
    p.catch(() => { if (layouts.get(host) === p) layouts.delete(host); });
  }
  return p;
}

/** Local first, then the remote hosts in registration order. */
export function orderedHosts(): Host[] {
  const all = hostRegistry().hosts();
  return [...all.filter(h => h.kind === 'local'), ...all.filter(h => h.kind !== 'local')];
}

/** The host a command argument names (no id: the local host); undefined for an unknown id. */
export function hostById(id: string | undefined): Host | undefined {
  return id ? hostRegistry().get(id) : hostRegistry().local();
}

/** A host whose connection is in error is not asked anything until reconnected (its node shows the fix). */
export function hostIsDown(host: Host): boolean { return hostState(host) === 'error'; }

export function hostErrorText(host: Host): string {
  return (host as { lastError?: Error }).lastError?.message ?? `${host.label} is not connected`;
}

/** `stratus.activeHost`: where new launches (and volumes, from the palette) go. */
export function activeHostId(): string {
  const id = config().get<string>('activeHost') || 'local';
  return hostRegistry().get(id) ? id : 'local';
}

/** Rejects after `ms` so one slow host cannot hold a tree node (or a quick pick) forever. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms); });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Calls `onChange` when hosts are added/removed, any remote host's connection state changes, or the active host changes. */
export function followHosts(ctx: UiContext, onChange: () => void): void {
  const subs = new Map<Host, { dispose(): void }>();
  const sync = () => {
    const now = new Set(hostRegistry().hosts());
    for (const [h, s] of subs) if (!now.has(h)) { s.dispose(); subs.delete(h); }
    for (const h of now) {
      const follow = (h as { onDidChangeState?: (l: () => void) => { dispose(): void } }).onDidChangeState;
      if (!subs.has(h) && follow) subs.set(h, follow.call(h, onChange));
    }
  };
  sync();
  ctx.ext.subscriptions.push(hostRegistry().onDidChange(() => { sync(); onChange(); }), { dispose: () => { for (const s of subs.values()) s.dispose(); } },
    vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('stratus.activeHost')) onChange(); }));
}
