import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { hostRegistry } from '../../../backend/hosts/registry';
import { LocalMarketplace } from '../../../backend/marketplace/local';
import type { Host } from '../../../backend/host/host';
import type { InstanceManager } from '../../../backend/kvm/instances';
import type { InstanceRecord, LaunchOptions, SaveFields } from '../../../backend/kvm/types';
import { DEFAULT_INSTANCE_TYPE } from '../../../backend/kvm/types';
import type { UiContext } from '../../context';
import { activeHostId } from '../../trees/hosts';
import type { InstanceNode } from '../../trees/instances';
import { managerFor } from '../../trees/instances/managers';
import { volumeStoreFor } from '../../trees/volumes/store';

/** What tests and other views may pass instead of answering prompts. */
export interface LaunchArgs {
  image?: string;
  type?: string;
  /** Public key file; default ~/.ssh/id_*.pub or the managed key in the data folder. */
  keyFile?: string;
  save?: SaveFields;
  hostId?: string;
  name?: string;
  allowUntrusted?: boolean;
  /** Skip the prompts for anything not given (use defaults). */
  noPrompt?: boolean;
}

/** Hosts whose software-emulation warning was shown this session (once is enough; the tree keeps it visible). */
const warnedTcg = new Set<string>();

function defaultKeyFile(): string | undefined {
  return ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'].map(f => path.join(os.homedir(), '.ssh', f)).find(f => fs.existsSync(f));
}

async function pickImage(ctx: UiContext, host: Host): Promise<string | undefined> {
  type It = vscode.QuickPickItem & { ref?: string; action?: 'file' | 'url' };
  const items: It[] = [];
  try {
    const entries = await new LocalMarketplace(ctx.data.marketplace).entries(true);
    if (entries.length) items.push({ label: 'Marketplace', kind: vscode.QuickPickItemKind.Separator });
    for (const e of entries) items.push({ label: e.summary.title || e.key.identifier, description: e.key.identifier, detail: [e.summary.os, e.summary.osVersion, e.summary.version && `v${e.summary.version}`, e.private && 'draft'].filter(Boolean).join(' · '), ref: e.key.identifier });
  } catch { /* no local marketplace yet */ }
  // a volume boots only on the host that holds it
  const vols = (await volumeStoreFor(ctx, host).then(s => s.list()).catch(e => { ctx.log.warn(`Volumes on ${host.label}: ${(e as Error).message}`); return []; }))
    .filter(v => v.type === 'MACHINE_IMAGE_ORIGIN');
  if (vols.length) items.push({ label: `Volumes on ${host.label} (saved images)`, kind: vscode.QuickPickItemKind.Separator });
  for (const v of vols) items.push({ label: v.tag || v.uuid, description: v.identifier || v.uuid, detail: `volume ${v.uuid}`, ref: v.uuid });
  items.push({ label: 'Other', kind: vscode.QuickPickItemKind.Separator }, { label: '$(file) Image file…', description: '.img, .img.gz, .qcow2', action: 'file' }, { label: '$(link) Image URL…', action: 'url' });
  const pick = await vscode.window.showQuickPick(items, { title: `Launch Instance on ${host.label} (1/3): image`, matchOnDescription: true, matchOnDetail: true });
  if (!pick) return undefined;
  if (pick.ref) return pick.ref;
  if (pick.action === 'file') {
    const f = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Disk images': ['img', 'gz', 'qcow2'] }, title: 'Image file' });
    return f?.[0]?.fsPath;
  }
  return vscode.window.showInputBox({ title: 'Image URL', prompt: 'http(s) URL of a .img, .img.gz or .qcow2', validateInput: v => (/^https?:\/\/\S+$/.test(v) ? undefined : 'an http:// or https:// URL') });
}

async function askSave(): Promise<SaveFields | undefined | null> {
  const choice = await vscode.window.showQuickPick([{ label: 'Discard changes at shutdown', save: false }, { label: 'Save as a new image at shutdown…', save: true }], { title: 'Launch Instance (3/3): save' });
  if (!choice) return null;
  if (!choice.save) return undefined;
  const ask = async (title: string, value = '') => vscode.window.showInputBox({ title: `New image: ${title}`, value, validateInput: v => (v.trim() ? undefined : `${title} is required with save`) });
  const title = await ask('title'); if (title === undefined) return null;
  const comment = await ask('comment'); if (comment === undefined) return null;
  const author = await ask('author', os.userInfo().username); if (author === undefined) return null;
  const email = await vscode.window.showInputBox({ title: 'New image: e-mail', validateInput: v => (/^[^@\s]+@[^@\s]+$/.test(v) ? undefined : 'an e-mail address') });
  if (email === undefined) return null;
  const version = await vscode.window.showInputBox({ title: 'New image: version (empty = origin + 1 minor)' });
  if (version === undefined) return null;
  return { title, comment, author, email, version: version || undefined };
}

/**
 * stratus.instances.launch "Launch Instance…": image → type → save, then progress with the original's steps.
 * On the active host (stratus.activeHost), the host node it is run from, or `hostId`.
 */
export function register(ctx: UiContext): void {
  ctx.ext.subscriptions.push(vscode.commands.registerCommand('stratus.instances.launch', async (input?: LaunchArgs | string | InstanceNode): Promise<InstanceRecord | undefined> => {
    // a host node of the Instances tree is an interactive launch on that host
    const fromNode = typeof input === 'object' && 'kind' in input && input.kind === 'host' ? input : undefined;
    const arg = fromNode ? undefined : input as LaunchArgs | string | undefined;
    const a: LaunchArgs = typeof arg === 'string' ? { image: arg } : arg ?? {};
    const host = fromNode?.host ?? hostRegistry().get(a.hostId ?? activeHostId());
    if (!host) { void vscode.window.showErrorMessage(`Launch Instance: no host named '${a.hostId}'.`); return undefined; }
    let mgr: InstanceManager;
    try { mgr = await managerFor(ctx, host); } catch (e) {
      void vscode.window.showErrorMessage(`Launch Instance: ${host.label} cannot be used: ${(e as Error).message}`, 'Reconnect').then(c => c && vscode.commands.executeCommand('stratus.hosts.reconnect', host.id));
      return undefined;
    }
    const image = a.image ?? await pickImage(ctx, host);
    if (!image) return undefined;
    let type = a.type;
    if (!type && !a.noPrompt) {
      const t = await vscode.window.showQuickPick(mgr.instanceTypes().map(t => ({ label: t.name, description: `${t.vcpu} CPU · ${t.memoryMiB} MiB${t.name === DEFAULT_INSTANCE_TYPE ? ' · default' : ''}`, picked: t.name === DEFAULT_INSTANCE_TYPE })), { title: 'Launch Instance (2/3): instance type' });
      if (!t) return undefined;
      type = t.label;
    }
    let save = a.save;
    if (!save && !a.noPrompt && typeof arg !== 'object') {
      const s = await askSave();
      if (s === null) return undefined;
      save = s;
    }
    let keyFile = a.keyFile ?? defaultKeyFile();
    if (!a.keyFile && !a.noPrompt && typeof arg !== 'object') {
      const sshDir = path.join(os.homedir(), '.ssh');
      const pubs = fs.existsSync(sshDir) ? fs.readdirSync(sshDir).filter(f => f.endsWith('.pub')).map(f => path.join(sshDir, f)) : [];
      if (pubs.length > 1) {
        const k = await vscode.window.showQuickPick([...pubs.map(f => ({ label: path.basename(f), description: f, file: f as string | undefined })),
          { label: 'Only the Stratus key', description: path.join(ctx.data.keys, 'id_ed25519.pub'), file: undefined }], { title: 'Launch Instance: SSH key for root' });
        if (!k) return undefined;
        keyFile = k.file;
      }
    }
    const sshKeys = keyFile ? fs.readFileSync(keyFile, 'utf8').split(/\r?\n/).filter(l => l.trim() && !l.startsWith('Comment:')) : [];
    const opts: LaunchOptions = { image, type, sshKeys, save, name: a.name, allowUntrusted: a.allowUntrusted };
    const accel = await mgr.acceleration();
    if (accel.accel === 'tcg') {
      ctx.log.warn(accel.reason);
      if (!warnedTcg.has(host.id)) { warnedTcg.add(host.id); void vscode.window.showWarningMessage(`${host.label}: ${accel.reason}`); }
    }
    try {
      const rec = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Launch Instance', cancellable: true }, (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return mgr.launch(opts, { signal: ac.signal, onStep: s => { progress.report({ message: s }); ctx.log.info(`launch ${image}: ${s}`); },
          // the boot doctor's findings, as they appear on the console
          onEvent: e => { if (e.phase === 'console') { progress.report({ message: `console: ${e.message}` }); ctx.log.warn(`launch ${image}: console: ${e.message} (${e.detail})`); } } });
      });
      ctx.trees.get('stratus.instances')?.refresh();
      void vscode.window.showInformationMessage(`Instance ${rec.name} is running: ssh -p ${rec.sshPort} root@${rec.ip}`, 'Open SSH Terminal').then(c => {
        if (c) void vscode.commands.executeCommand('stratus.instances.openSshTerminal', rec.id);
      });
      return rec;
    } catch (e) {
      ctx.log.error(`launch ${image}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Launch failed: ${(e as Error).message.split('\n')[0]}`, 'Show Log').then(c => c && ctx.log.show());
      ctx.trees.get('stratus.instances')?.refresh();
      return undefined;
    }
  }));
}
