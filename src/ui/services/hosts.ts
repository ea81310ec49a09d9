import * as vscode from 'vscode';
import type { Host } from '../../backend/host/host';
import { RemoteKvmHost } from '../../backend/host/remoteHosts';
import { hostRegistry } from '../../backend/hosts/registry';
import type { DataLayout } from '../../backend/paths';
import type { ConnectionState } from '../../backend/host/connections';
import { config, UiContext } from '../context';

/**
 * The hosts as the whole UI sees them (trees, commands, status bar): each host's own data folders, the hosts
 * in tree order, the active host, connection states, and one refresh callback for host list and state changes.
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

const lastErrors = new WeakMap<Host, string>();

/**
 * Why a host's content is not listed now (its node shows this instead of waiting on a connection that is
 * not there), or undefined: connected, or idle (listing connects). `busy`: a first connection under way.
 */
export function hostProblem(host: Host): { message: string; busy?: boolean } | undefined {
  const s = hostState(host);
  const err = (host as { lastError?: Error }).lastError?.message;
  if (err) lastErrors.set(host, err);
  if (s === 'connected') lastErrors.delete(host);
  if (s === undefined || s === 'connected' || s === 'disconnected') return undefined;
  if (s === 'connecting') return { message: 'Connecting…', busy: true };
  if (s === 'error') return { message: err ?? `${host.label}: connection error` };
  // the connection retries on its own after a drop; the last failure (if any) says why it is away
  const last = lastErrors.get(host);
  return { message: `retrying in the background${last ? ` — ${last}` : ''}` };
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

/** A remote host's connection state (undefined for this machine). */
export function hostState(host: Host): ConnectionState | undefined {
  return host.kind === 'ssh' ? (host as { state?: ConnectionState }).state : undefined;
}
