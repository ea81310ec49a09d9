import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { parseNetworkMode, parsePublish } from '../../../core/network';
import type { NetworkMode } from '../../../core/network';
import type { ContextMethod, InstanceType, SaveFields } from '../../../backend/kvm/types';
import { DEFAULT_INSTANCE_TYPE } from '../../../backend/kvm/types';
import { config, UiContext } from '../../context';

/**
 * The Launch dialog's questions, as the CLI's run-instance options: type, SSH keys, network and published
 * ports, contextualization (method; cloud-init parts = files and their types; KEY=VALUE pairs; a context file)
 * and the save fields. The answers are remembered per image, so a second launch is one confirmation.
 */

export interface LaunchChoices {
  type: string;
  /** Public key files; empty = only the Stratus key. */
  keyFiles: string[];
  network: NetworkMode;
  /** docker -p specs, e.g. "0:80". */
  publish: string[];
  context: 'none' | ContextMethod;
  /** cloud-init parts as `mimetype,file` (what --cloud-init takes). */
  cloudInit: string[];
  /** KEY=VALUE pairs. */
  contextVars: string[];
  contextFile?: string;
  save: boolean;
}

/** cloud-init part types (the original's mimetypes; `ssh` adds authorized keys, `none` is a plain part). */
export const PART_TYPES = ['x-shellscript', 'cloud-config', 'ssh', 'cloud-boothook', 'part-handler', 'upstart-job', 'x-include-url', 'none'];

const rememberKey = (image: string) => `stratus.launch.last:${image}`;

export function remembered(ctx: UiContext, image: string): LaunchChoices | undefined {
  return ctx.ext.workspaceState.get<LaunchChoices>(rememberKey(image)) ?? ctx.ext.globalState.get<LaunchChoices>(rememberKey(image));
}

export async function remember(ctx: UiContext, image: string, c: LaunchChoices): Promise<void> {
  await ctx.ext.workspaceState.update(rememberKey(image), c);
  await ctx.ext.globalState.update(rememberKey(image), c);
}

export function defaultNetwork(): NetworkMode {
  try { return parseNetworkMode(config().get<string>('network') || 'nat'); } catch { return 'nat'; }
}

export function describeChoices(c: LaunchChoices): string {
  const ctxText = c.context === 'none' ? 'SSH keys only' : c.context === 'cloud-init' ? `cloud-init${c.cloudInit.length ? ` (${c.cloudInit.map(p => path.basename(p.split(',')[1] ?? '')).join(', ')})` : ''}` : 'StratusLab context';
  return [c.type, c.network, c.publish.length ? `ports ${c.publish.join(' ')}` : 'no published ports', ctxText, c.save ? 'save at shutdown' : ''].filter(Boolean).join(' · ');
}

const step = (n: number, title: string) => `Launch Instance (${n}/7): ${title}`;

function sshPubKeys(): string[] {
  const dir = path.join(os.homedir(), '.ssh');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith('.pub')).map(f => path.join(dir, f)) : [];
}

/** Asks everything (defaults: what was chosen last for this image). Undefined when the user cancels. */
export async function askChoices(ctx: UiContext, types: InstanceType[], last: LaunchChoices | undefined): Promise<LaunchChoices | undefined> {
  const t = await vscode.window.showQuickPick(types.map(t => ({ label: t.name, description: `${t.vcpu} CPU · ${t.memoryMiB} MiB${t.name === DEFAULT_INSTANCE_TYPE ? ' · default' : ''}${t.name === last?.type ? ' · last used' : ''}` }))
    .sort((a, b) => Number(b.label === (last?.type ?? DEFAULT_INSTANCE_TYPE)) - Number(a.label === (last?.type ?? DEFAULT_INSTANCE_TYPE))), { title: step(1, 'instance type') });
  if (!t) return undefined;

  const stratusKey = path.join(ctx.data.keys, 'id_ed25519.pub');
  const pubs = sshPubKeys();
  let keyFiles: string[] = [];
  if (pubs.length) {
    const lastKeys = last?.keyFiles ?? pubs.slice(0, 1);
    const k = await vscode.window.showQuickPick(pubs.map(f => ({ label: path.basename(f), description: f, picked: lastKeys.includes(f) })),
      { title: step(2, `SSH keys for root (the Stratus key ${stratusKey} is always added)`), canPickMany: true });
    if (!k) return undefined;
    keyFiles = k.map(i => i.description!);
  }

  const nets: Array<vscode.QuickPickItem & { mode?: NetworkMode; bridge?: boolean }> = [
    { label: 'nat', description: 'QEMU user networking: the guest reaches out, published ports reach in', mode: 'nat' },
    { label: 'isolated', description: 'no network at all (published ports and SSH still work through the host)', mode: 'isolated' },
    { label: 'bridge:…', description: 'a host bridge or libvirt network by name', bridge: true },
  ];
  const lastNet = last?.network ?? defaultNetwork();
  if (lastNet.startsWith('bridge:')) nets.unshift({ label: lastNet, description: 'last used', mode: lastNet });
  else nets.sort((a, b) => Number(b.mode === lastNet) - Number(a.mode === lastNet));
  const n = await vscode.window.showQuickPick(nets, { title: step(3, 'network') });
  if (!n) return undefined;
  let network = n.mode;
  if (n.bridge) {
    const name = await vscode.window.showInputBox({ title: step(3, 'bridge name'), prompt: 'e.g. br0, or a libvirt network such as default', validateInput: v => (/^[A-Za-z0-9_.-]+$/.test(v) ? undefined : 'a bridge or network name') });
    if (!name) return undefined;
    network = `bridge:${name}`;
  }

  const pub = await vscode.window.showInputBox({ title: step(4, 'published ports'), value: (last?.publish ?? []).join(' '),
    prompt: 'docker -p syntax, space-separated: 0:80 (any free host port → guest 80), 8080:80, 127.0.0.1:5353:53/udp. Empty for none.',
    validateInput: v => { for (const s of v.split(/[\s,]+/).filter(Boolean)) { try { parsePublish(s); } catch (e) { return (e as Error).message; } } return undefined; } });
  if (pub === undefined) return undefined;
  const publish = pub.split(/[\s,]+/).filter(Boolean);

  const methods: Array<vscode.QuickPickItem & { m: LaunchChoices['context'] }> = [
    { label: 'SSH keys only', description: 'no user data', m: 'none' },
    { label: 'cloud-init', description: 'scripts, cloud-config and keys as a multi-part user-data', m: 'cloud-init' },
    { label: 'StratusLab context', description: 'KEY=VALUE pairs and a context file (context.sh)', m: 'stratuslab' },
  ];
  methods.sort((a, b) => Number(b.m === (last?.context ?? 'none')) - Number(a.m === (last?.context ?? 'none')));
  const m = await vscode.window.showQuickPick(methods, { title: step(5, 'contextualization') });
  if (!m) return undefined;
  let cloudInit: string[] = [], contextVars: string[] = [], contextFile: string | undefined;
  if (m.m === 'cloud-init') {
    const parts = await askParts(last?.cloudInit ?? []);
    if (!parts) return undefined;
    cloudInit = parts;
  } else if (m.m === 'stratuslab') {
    const kv = await vscode.window.showInputBox({ title: step(5, 'context KEY=VALUE pairs'), value: (last?.contextVars ?? []).join(' '), prompt: 'space-separated, e.g. HOSTNAME=web1 NOTE=hello (empty for none)',
      validateInput: v => v.split(/\s+/).filter(Boolean).find(p => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(p)) ? 'each pair is KEY=VALUE' : undefined });
    if (kv === undefined) return undefined;
    contextVars = kv.split(/\s+/).filter(Boolean);
    const f = await vscode.window.showQuickPick([{ label: 'No context file', file: undefined as string | undefined }, ...(last?.contextFile ? [{ label: path.basename(last.contextFile), description: last.contextFile, file: last.contextFile }] : []), { label: '$(file) Context file…', file: '?' }], { title: step(5, 'context file (KEY=VALUE lines)') });
    if (!f) return undefined;
    if (f.file === '?') {
      const u = await vscode.window.showOpenDialog({ title: 'Context file (KEY=VALUE lines)', canSelectMany: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
      if (!u?.[0]) return undefined;
      contextFile = u[0].fsPath;
    } else contextFile = f.file;
  }

  const s = await vscode.window.showQuickPick([{ label: 'Discard changes at shutdown', save: false }, { label: 'Save as a new image at shutdown…', save: true }]
    .sort((a, b) => Number(b.save === !!last?.save) - Number(a.save === !!last?.save)), { title: step(6, 'save') });
  if (!s) return undefined;
  return { type: t.label, keyFiles, network: network!, publish, context: m.m, cloudInit, contextVars, contextFile, save: s.save };
}

/** cloud-init parts: files picked from the workspace, each with its type (guessed from the name, confirmed). */
async function askParts(last: string[]): Promise<string[] | undefined> {
  if (last.length) {
    const keep = await vscode.window.showQuickPick([{ label: 'Use the same parts', description: last.join('  '), keep: true }, { label: 'Pick other files…', keep: false }], { title: step(5, 'cloud-init parts') });
    if (!keep) return undefined;
    if (keep.keep) return last;
  }
  const files = await vscode.window.showOpenDialog({ title: 'cloud-init parts (scripts, cloud-config, public keys)', canSelectMany: true, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  if (!files?.length) return undefined;
  const out: string[] = [];
  for (const f of files) {
    const guess = /\.pub$/.test(f.fsPath) ? 'ssh' : /\.(ya?ml)$/.test(f.fsPath) ? 'cloud-config' : /\.(sh|bash)$/.test(f.fsPath) ? 'x-shellscript' : 'none';
    const t = await vscode.window.showQuickPick(PART_TYPES.map(p => ({ label: p, description: p === guess ? 'guessed from the name' : undefined })).sort((a, b) => Number(b.label === guess) - Number(a.label === guess)), { title: `cloud-init part type of ${path.basename(f.fsPath)}` });
    if (!t) return undefined;
    out.push(`${t.label},${f.fsPath}`);
  }
  return out;
}

export async function askSave(): Promise<SaveFields | undefined> {
  const ask = async (title: string, value = '') => vscode.window.showInputBox({ title: `Launch Instance (7/7): new image ${title}`, value, validateInput: v => (v.trim() ? undefined : `${title} is required with save`) });
  const title = await ask('title'); if (title === undefined) return undefined;
  const comment = await ask('comment'); if (comment === undefined) return undefined;
  const author = await ask('author', os.userInfo().username); if (author === undefined) return undefined;
  const email = await vscode.window.showInputBox({ title: 'Launch Instance (7/7): new image e-mail', validateInput: v => (/^[^@\s]+@[^@\s]+$/.test(v) ? undefined : 'an e-mail address') });
  if (email === undefined) return undefined;
  const version = await vscode.window.showInputBox({ title: 'Launch Instance (7/7): new image version (empty = origin + 1 minor)' });
  if (version === undefined) return undefined;
  return { title, comment, author, email, version: version || undefined };
}
