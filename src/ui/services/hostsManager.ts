import * as vscode from 'vscode';
import type { UiContext } from '../context';
import type { Host } from '../../backend/host/host';
import { ConnectionPool, SshPrompts, UnknownHostKey } from '../../backend/host/connections';
import { hostRegistry } from '../../backend/hosts/registry';
import { createSshHost, entryFromSetting, HostEntry, HostSetting, loadHostEntries, RemoteKvmHost } from '../../backend/host/remoteHosts';

/**
 * Keeps the remote hosts of `stratus.hosts` (and the CLI's hosts.json) registered in the HostRegistry,
 * each with ONE shared SSH connection. Host keys are confirmed in a modal; key passphrases are asked once
 * and kept in SecretStorage only.
 */
export class HostsManager implements vscode.Disposable {
  private readonly byName = new Map<string, RemoteKvmHost>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when hosts are added/removed, a connection state changes, or the active host changes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly ctx: UiContext) {
    this.subs.push(vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('stratus.hosts')) this.sync();
      if (e.affectsConfiguration('stratus.activeHost')) this.changed.fire();
    }));
    this.sync();
  }

  /** Entries from the setting first, then the CLI's hosts.json (same name: the setting wins). */
  entries(): HostEntry[] {
    const out: HostEntry[] = [];
    for (const s of vscode.workspace.getConfiguration('stratus').get<HostSetting[]>('hosts') ?? []) {
      try { out.push(entryFromSetting(s)); } catch (e) { this.ctx.log.warn(`stratus.hosts: ${(e as Error).message}`); }
    }
    try {
      for (const e of loadHostEntries(this.ctx.data.root)) if (!out.some(o => o.name === e.name)) out.push(e);
    } catch (e) { this.ctx.log.warn((e as Error).message); }
    return out;
  }

  hosts(): RemoteKvmHost[] { return [...this.byName.values()]; }
  get(name: string): RemoteKvmHost | undefined { return this.byName.get(name); }

  /** The host new launches go to: `stratus.activeHost`, falling back to local when that host is gone. */
  activeHost(): Host {
    const name = vscode.workspace.getConfiguration('stratus').get<string>('activeHost') || 'local';
    return hostRegistry().get(name) ?? hostRegistry().local();
  }

  async setActiveHost(name: string): Promise<void> {
    await vscode.workspace.getConfiguration('stratus').update('activeHost', name, vscode.ConfigurationTarget.Global);
    this.changed.fire();
  }

  /** A host object for an entry not (yet) saved, e.g. while "Add KVM Host…" verifies it. */
  create(entry: HostEntry, extra: Partial<SshPrompts> = {}, pool?: ConnectionPool): RemoteKvmHost {
    return createSshHost(entry, { dataRoot: this.ctx.data.root, prompts: { ...this.prompts(entry.name), ...extra }, pool });
  }

  sync(): void {
    const want = new Map(this.entries().map(e => [e.name, e]));
    for (const [name, h] of this.byName) {
      const e = want.get(name);
      if (e && JSON.stringify(e) === JSON.stringify(h.entry)) continue;
      this.byName.delete(name);
      hostRegistry().unregisterHost(name);
      h.close().catch(() => undefined);
    }
    for (const [name, e] of want) {
      if (this.byName.has(name)) continue;
      let h: RemoteKvmHost;
      try { h = this.create(e); } catch (err) { this.ctx.log.warn(`host ${name}: ${(err as Error).message}`); continue; }
      this.byName.set(name, h);
      this.subs.push(h.onDidChangeState(s => {
        this.ctx.log.info(`host ${name}: ${s}${h.lastError ? ` — ${h.lastError.message}` : ''}`);
        this.changed.fire();
      }));
      hostRegistry().registerHost(h);
    }
    this.changed.fire();
  }

  prompts(hostName: string): Omit<SshPrompts, 'knownHosts'> {
    const secrets = this.ctx.ext.secrets;
    const secretKey = (file: string) => `stratus.ssh.passphrase:${file}`;
    return {
      confirmHostKey: (k: UnknownHostKey) => confirmHostKey(hostName, k),
      passphrase: async (file, retry) => {
        if (!retry) { const kept = await secrets.get(secretKey(file)); if (kept !== undefined) return kept; }
        else await secrets.delete(secretKey(file));
        return vscode.window.showInputBox({
          title: `Passphrase for ${file}`, password: true, ignoreFocusOut: true,
          prompt: `${retry ? 'That passphrase was wrong. ' : ''}The key to connect to ${hostName} is encrypted. It is kept in the OS keychain (SecretStorage), asked once.`,
        });
      },
      passphraseAccepted: (file, pass) => { secrets.store(secretKey(file), pass).then(undefined, () => undefined); },
    };
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const [name, h] of this.byName) { hostRegistry().unregisterHost(name); h.close().catch(() => undefined); }
    this.byName.clear();
    this.changed.dispose();
  }
}

export async function confirmHostKey(hostName: string, k: UnknownHostKey): Promise<boolean> {
  const where = k.port === 22 ? k.host : `${k.host}:${k.port}`;
  const pick = await vscode.window.showWarningMessage(
    `Unknown host key for ${hostName} (${where})`,
    {
      modal: true,
      detail: `${k.keyType} key fingerprint:\n${k.fingerprint}\n\n` +
        (k.otherTypesKnown ? 'Keys of another type are already known for this host.\n\n' : '') +
        `Accept it only if it matches the server's own key (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${k.keyType.replace(/^ssh-/, '')}_key.pub). ` +
        `It is then recorded in Stratus's known_hosts file; ~/.ssh/known_hosts is not modified.`,
    },
    'Accept',
  );
  return pick === 'Accept';
}

let shared: HostsManager | undefined;
/** The window's hosts manager (created by the hosts commands' register()). */
export function hostsManager(ctx?: UiContext): HostsManager {
  if (!shared) {
    if (!ctx) throw new Error('hosts manager used before the hosts area registered');
    shared = new HostsManager(ctx);
    ctx.ext.subscriptions.push(shared, { dispose: () => { shared = undefined; } });
  }
  return shared;
}
