import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { ConnectionPool } from '../../../backend/host/connections';
import { checkHostName, entryToSetting, HostEntry, HostSetting } from '../../../backend/host/remoteHosts';
import { loadSshConfig, parseDestination } from '../../../backend/host/sshConfig';
import { hostsManager } from '../../services/hostsManager';

/** Arguments for scripted use (tests, other extensions); without them the command asks. */
export interface AddHostArgs { target: string; name?: string; identityFile?: string; dataDir?: string; acceptFingerprint?: string }

/** stratus.hosts.add — "Add KVM Host…": pick an ~/.ssh/config alias or type user@host:port, verify the key, save. */
export async function add(ctx: UiContext, args?: AddHostArgs) {
  const mgr = hostsManager(ctx);
  const target = args?.target ?? await pickTarget();
  if (!target) return undefined;
  const taken = new Set(['local', ...mgr.entries().map(e => e.name)]);
  const suggested = parseDestination(target).host;
  const name = args?.name ?? (args ? suggested : await vscode.window.showInputBox({
    title: 'Add KVM Host', prompt: 'Name shown in the trees', value: suggested, ignoreFocusOut: true,
    validateInput: v => checkHostName(v) ?? (taken.has(v) ? `'${v}' is taken` : undefined),
  }));
  if (!name) return undefined;
  const bad = checkHostName(name) ?? (taken.has(name) ? `a host named '${name}' exists already` : undefined);
  if (bad) throw new Error(bad);
  const entry: HostEntry = { name, target, identityFile: args?.identityFile, dataDir: args?.dataDir };
  // a private pool: verifying must neither reuse nor close a connection the registered hosts share
  const host = mgr.create(entry, args?.acceptFingerprint ? { confirmHostKey: async k => k.fingerprint === args.acceptFingerprint } : {}, new ConnectionPool());
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Connecting to ${target}…`, cancellable: false }, () => host.connect());
  } catch (e) {
    ctx.log.error(`Add KVM Host ${target}: ${(e as Error).message}`);
    // not awaited: a notification resolves only when dismissed, and a scripted caller needs the result now
    void vscode.window.showErrorMessage(`Could not add ${target}: ${(e as Error).message}`, { modal: !args });
    return undefined;
  } finally { await host.close(); }
  const cfg = vscode.workspace.getConfiguration('stratus');
  const list = [...(cfg.get<HostSetting[]>('hosts') ?? []), entryToSetting(entry)];
  await cfg.update('hosts', list, vscode.ConfigurationTarget.Global);
  mgr.sync();
  ctx.log.info(`Added KVM host ${name} (${target})`);
  if (!args) vscode.window.showInformationMessage(`Added KVM host ${name}.`);
  return name;
}

async function pickTarget(): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { target?: string };
  const cfg = loadSshConfig();
  const items: Item[] = cfg.aliases().map(a => {
    const r = cfg.resolve(a);
    return { label: a, description: `${r.user ? `${r.user}@` : ''}${r.hostName}${r.port !== 22 ? `:${r.port}` : ''}${r.proxyJump.length ? ` via ${r.proxyJump.map(j => j.host).join(', ')}` : ''}`, target: a };
  });
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'Add KVM Host';
  qp.placeholder = 'Pick a host from ~/.ssh/config, or type user@host:port';
  qp.items = items;
  return new Promise(resolve => {
    qp.onDidChangeValue(v => {
      const typed: Item[] = [];
      if (v.trim()) { try { parseDestination(v); typed.push({ label: v.trim(), description: 'connect to this address', target: v.trim(), alwaysShow: true }); } catch { /* not yet a destination */ } }
      qp.items = [...typed, ...items];
    });
    qp.onDidAccept(() => { resolve(qp.selectedItems[0]?.target); qp.hide(); });
    qp.onDidHide(() => { resolve(undefined); qp.dispose(); });
    qp.show();
  });
}
