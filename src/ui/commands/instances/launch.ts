import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { hostRegistry } from '../../../backend/hosts/registry';
import { LocalMarketplace } from '../../../backend/marketplace/local';
import { trustVerdict } from '../../../backend/marketplace/trust';
import { readParts } from '../../../core/context/cloudinit';
import { resolveContext } from '../../../core/context/launch';
import { isIdentifier } from '../../../core/metadata/identifier';
import { parseNetworkMode, parsePublish, type PortMapping } from '../../../core/network';
import type { Host } from '../../../backend/host/host';
import type { InstanceManager } from '../../../backend/kvm/instances';
import type { ContextMethod, InstanceRecord, LaunchOptions, SaveFields } from '../../../backend/kvm/types';
import type { UiContext } from '../../context';
import { activeHostId } from '../../services/hosts';
import type { InstanceNode } from '../../services/nodes';
import { managerFor } from '../../services/hostServices';
import { volumeStoreFor } from '../../services/volumes';
import { trustedCertificates } from '../../services/trust';
import { markStep } from '../../walkthrough';
import { askChoices, askSave, defaultNetwork, describeChoices, LaunchChoices, remember, remembered } from './launchPrompts';
import { DEFAULT_PUBLIC_KEY_FILES, publicKeyLines } from '../../../core/sshKeys';
import { ActionableError } from '../../services/commands';

/** What tests and other views may pass instead of answering prompts (the CLI's run-instance options). */
export interface LaunchArgs {
  image?: string;
  type?: string;
  /** Public key file; default ~/.ssh/id_*.pub or the managed key in the data folder. */
  keyFile?: string;
  save?: SaveFields;
  hostId?: string;
  name?: string;
  allowUntrusted?: boolean;
  /** nat, isolated or bridge:NAME. */
  network?: string;
  /** docker -p specs (e.g. ["0:80"]) or parsed mappings. */
  publish?: (string | PortMapping)[];
  /** Also publish the image's declared inbound ports. */
  publishAll?: boolean;
  contextMethod?: ContextMethod;
  /** cloud-init parts as `mimetype,file`. */
  cloudInit?: string[];
  /** KEY=VALUE pairs. */
  contextVars?: string[];
  contextFile?: string;
  /** Skip the prompts for anything not given (use defaults). */
  noPrompt?: boolean;
  /**
   * Shows a modal and returns the button chosen (default: VS Code's modal message). VS Code refuses modal
   * dialogs in extension tests, so the workbench tests answer them through this.
   */
  modal?: Modal;
}

export type Modal = (kind: 'warning' | 'error', message: string, detail: string, buttons: string[]) => Thenable<string | undefined>;

const vscodeModal: Modal = (kind, message, detail, buttons) =>
  (kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage)(message, { modal: true, detail }, ...buttons);

/** Hosts whose software-emulation warning was shown this session (once is enough; the tree keeps it visible). */
const warnedTcg = new Set<string>();

function defaultKeyFile(): string | undefined {
  return DEFAULT_PUBLIC_KEY_FILES.map(f => path.join(os.homedir(), '.ssh', f)).find(f => fs.existsSync(f));
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
  const pick = await vscode.window.showQuickPick(items, { title: `Launch Instance on ${host.label}: image`, matchOnDescription: true, matchOnDetail: true });
  if (!pick) return undefined;
  if (pick.ref) return pick.ref;
  if (pick.action === 'file') {
    const f = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Disk images': ['img', 'gz', 'qcow2'] }, title: 'Image file' });
    return f?.[0]?.fsPath;
  }
  return vscode.window.showInputBox({ title: 'Image URL', prompt: 'http(s) URL of a .img, .img.gz or .qcow2', validateInput: v => (/^https?:\/\/\S+$/.test(v) ? undefined : 'an http:// or https:// URL') });
}

/** The choices implied by explicit arguments (tests, other views, the walkthrough). */
function choicesFromArgs(a: LaunchArgs, last: LaunchChoices | undefined): LaunchChoices {
  const keyFile = a.keyFile ?? defaultKeyFile();
  return {
    type: a.type ?? last?.type ?? 'm1.small', keyFiles: keyFile ? [keyFile] : [], network: a.network ? parseNetworkMode(a.network) : last?.network ?? defaultNetwork(),
    publish: a.publish?.map(p => (typeof p === 'string' ? p : `${p.hostAddr}:${p.hostPort}:${p.guestPort}/${p.proto}`)) ?? last?.publish ?? [], context: a.contextMethod ?? (a.cloudInit?.length ? 'cloud-init' : a.contextVars?.length || a.contextFile ? 'stratuslab' : last?.context ?? 'none'),
    cloudInit: a.cloudInit ?? last?.cloudInit ?? [], contextVars: a.contextVars ?? last?.contextVars ?? [], contextFile: a.contextFile ?? last?.contextFile, save: !!a.save,
  };
}

const keyLines = publicKeyLines;

/** Choices → the backend's LaunchOptions (the same assembly as `stratus run-instance`). */
async function toLaunchOptions(image: string, c: LaunchChoices, a: LaunchArgs, save: SaveFields | undefined): Promise<LaunchOptions> {
  const sshKeys = c.keyFiles.flatMap(f => keyLines(fs.readFileSync(f, 'utf8')));
  // the same assembly as run-instance (resolveContext): a cloud-init.txt context file means its parts, a 'none' part stays literal
  const r = c.context === 'none' ? undefined : resolveContext({
    method: c.context === 'cloud-init' || c.context === 'stratuslab' ? c.context : undefined,
    parts: c.context === 'cloud-init' && c.cloudInit.length ? await readParts(c.cloudInit) : [],
    inline: c.contextVars, files: c.contextFile ? [{ name: c.contextFile, text: fs.readFileSync(c.contextFile, 'latin1') }] : [],
  });
  for (const k of r?.sshKeys ?? []) if (!sshKeys.includes(k)) sshKeys.push(k);
  const contextVars = r?.vars ?? {};
  const userData = r?.userData;
  return {
    image, type: c.type, sshKeys, save, name: a.name, allowUntrusted: a.allowUntrusted, network: c.network, publish: c.publish.map(parsePublish), publishAll: a.publishAll,
    contextMethod: r?.method,
    contextVars: Object.keys(contextVars).length ? contextVars : undefined, userData,
  };
}

/**
 * A marketplace image whose verdict refuses launches: the reasons in a modal with "Launch Anyway".
 * True = go ahead (allowUntrusted set when overridden; the override is logged), false = nothing is created.
 */
async function confirmTrust(ctx: UiContext, image: string, opts: LaunchOptions, modal: Modal): Promise<boolean> {
  if (opts.allowUntrusted || !isIdentifier(image)) return true;
  const local = new LocalMarketplace(ctx.data.marketplace);
  const entries = (await local.entries(true).catch(() => [])).filter(e => e.key.identifier === image).sort((a, b) => b.key.created.localeCompare(a.key.created));
  if (!entries.length) return true;   // a saved-image volume, or another marketplace: the backend decides
  const v = trustVerdict(await local.get(entries[0].key), { trusted: trustedCertificates(ctx.log) });
  if (v.level !== 'bad') return true;
  const bad = v.problems;
  const choice = await modal('warning', `Launching ${entries[0].summary.title || image} is refused: the image is not trusted.`,
    `${bad.map(p => `• ${p}`).join('\n')}\n\nTrust its signer by adding the certificate to the setting stratus.trustedCertificates, or launch anyway (the override is logged).`,
    ['Launch Anyway']);
  if (choice !== 'Launch Anyway') { ctx.log.info(`launch ${image}: refused for trust (${bad.join('; ')}); cancelled by the user`); return false; }
  ctx.log.warn(`launch ${image}: TRUST OVERRIDE by the user ("Launch Anyway") despite: ${bad.join('; ')}`);
  opts.allowUntrusted = true;
  return true;
}

/**
 * stratus.instances.launch "Launch Instance…": image → type, keys, network, ports, contextualization, save
 * (defaults: the last choice for that image), a trust check, then progress with the original's steps; the
 * host's pre-flight (free space, tmpfs, tools) runs before anything is created, on this machine as on a remote host.
 * On the active host (stratus.activeHost), the host node it is run from, or `hostId`.
 */
export async function launch(ctx: UiContext, input?: LaunchArgs | string | InstanceNode, more?: LaunchArgs): Promise<InstanceRecord | undefined> {
  // a host node of the Instances tree is an interactive launch on that host
  const fromNode = typeof input === 'object' && 'kind' in input && input.kind === 'host' ? input : undefined;
  const arg = fromNode ? undefined : input as LaunchArgs | string | undefined;
  const a: LaunchArgs = typeof arg === 'string' ? { ...more, image: arg } : arg ?? {};
  const interactive = !a.noPrompt && typeof arg !== 'object';
  const host = fromNode?.host ?? hostRegistry().get(a.hostId ?? activeHostId());
  if (!host) throw new Error(`no host named '${a.hostId}'.`);
  let mgr: InstanceManager;
  try { mgr = await managerFor(ctx, host); } catch (e) {
    throw new ActionableError(`${host.label} cannot be used: ${(e as Error).message}`, { label: 'Reconnect', command: 'stratus.hosts.reconnect', args: [host.id] });
  }
  const image = a.image ?? await pickImage(ctx, host);
  if (!image) return undefined;
  const last = remembered(ctx, image);
  let choices: LaunchChoices | undefined = choicesFromArgs(a, last);
  if (interactive) {
    const again = last && await vscode.window.showQuickPick([{ label: '$(rocket) Launch with the last settings', description: describeChoices(last), same: true }, { label: '$(settings) Change the settings…', same: false }], { title: `Launch ${image}` });
    if (last && !again) return undefined;
    if (!again?.same) choices = await askChoices(ctx, mgr.instanceTypes(), last ?? choices);
    else choices = last;
    if (!choices) return undefined;
  }
  let save = a.save;
  if (!save && choices.save && interactive) { save = await askSave(); if (!save) return undefined; }
  const opts: LaunchOptions = await toLaunchOptions(image, choices, a, save);
  if (interactive) await remember(ctx, image, choices);
  if (!(await confirmTrust(ctx, image, opts, a.modal ?? vscodeModal))) return undefined;
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
    // the walkthrough: any launch is its first step; one of an image other than the seeded base is its last
    void markStep(ctx, 'launched');
    if (rec.imageId && !isBaseEntry(ctx, rec.imageId)) void markStep(ctx, 'launchedBuilt');
    void vscode.window.showInformationMessage(`Instance ${rec.name} is running: ssh -p ${rec.sshPort} root@${rec.ip}`, 'Open SSH Terminal').then(c => {
      if (c) void vscode.commands.executeCommand('stratus.instances.openSshTerminal', rec.id);
    });
    return rec;
  } catch (e) {
    const msg = (e as Error).message;
    ctx.trees.get('stratus.instances')?.refresh();
    const [first, ...rest] = msg.split('\n');
    // the pre-flight checklist: what blocks and what to do, before anything was created
    if (!/is not ready for a launch/.test(first)) throw new ActionableError(msg, { label: 'Show Log', command: 'stratus.showLog' });
    ctx.log.error(`launch ${image}: ${msg}`);
    void (a.modal ?? vscodeModal)('error', `Launch Instance: ${first}`, rest.join('\n'), []);
    return undefined;
  }
}

/** The seeded base image (first-start marker) vs anything else: the walkthrough tells the two launches apart. */
function isBaseEntry(ctx: UiContext, id: string): boolean {
  try { return JSON.parse(fs.readFileSync(path.join(ctx.data.root, 'first-start.json'), 'utf8')).identifier === id; } catch { return false; }
}
