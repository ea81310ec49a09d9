import type { Host } from '../host/host';
import { LocalHost } from '../host/local';

/**
 * The hosts the extension and CLI know: the local machine always, remote KVM hosts as the SSH area
 * registers them. One registry per process.
 */
export type HostsListener = () => void;

export class HostRegistry {
  private readonly byId = new Map<string, Host>();
  private readonly listeners = new Set<HostsListener>();

  constructor(local: Host = new LocalHost()) { this.byId.set(local.id, local); }

  /** Adds or replaces (same id) a host. */
  registerHost(host: Host): void { this.byId.set(host.id, host); this.fire(); }
  unregisterHost(id: string): void { if (id !== 'local' && this.byId.delete(id)) this.fire(); }
  hosts(): Host[] { return [...this.byId.values()]; }
  get(id: string): Host | undefined { return this.byId.get(id); }
  local(): Host { return this.byId.get('local')!; }
  onDidChange(listener: HostsListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  private fire(): void { for (const l of this.listeners) l(); }
}

let shared: HostRegistry | undefined;
/** The process-wide registry. */
export function hostRegistry(): HostRegistry { return (shared ??= new HostRegistry()); }
export function registerHost(host: Host): void { hostRegistry().registerHost(host); }
export function hosts(): Host[] { return hostRegistry().hosts(); }
