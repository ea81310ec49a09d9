import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { contextFile, readParts } from '../../../core/context/cloudinit';

export interface PrepareContextArgs { parts?: string[]; folder?: string; open?: boolean }

const TYPES = [
  { label: 'x-shellscript', description: 'a script run at first boot' },
  { label: 'cloud-config', description: '#cloud-config YAML' },
  { label: 'none', description: 'used raw and alone (the other parts are dropped)' },
];

/** stratus.context.prepare: picks ssh keys and user-data parts, writes cloud-init.txt like `stratus prepare-context`. */
export async function prepareContext(ctx: UiContext, args?: PrepareContextArgs) {
  let parts = args?.parts;
  if (!parts) {
    parts = [];
    const sshDir = path.join(os.homedir(), '.ssh');
    const pubs = fs.existsSync(sshDir) ? fs.readdirSync(sshDir).filter(f => f.endsWith('.pub')).map(f => path.join(sshDir, f)) : [];
    const keys = await vscode.window.showQuickPick([...pubs.map(p => ({ label: path.basename(p), description: p, picked: true, file: p })), { label: 'Browse…', description: 'another public key file', file: '' }],
      { canPickMany: true, title: 'Prepare Context (1/2): SSH public keys for root', placeHolder: 'Without a key nobody can log in' });
    if (!keys) return undefined;
    for (const k of keys) {
      if (k.file) parts.push(`ssh,${k.file}`);
      else (await vscode.window.showOpenDialog({ canSelectMany: true, title: 'Public key files' }) ?? []).forEach(u => parts!.push(`ssh,${u.fsPath}`));
    }
    const files = await vscode.window.showOpenDialog({ canSelectMany: true, title: 'Prepare Context (2/2): user-data files (cancel for none)', openLabel: 'Add as user data' }) ?? [];
    for (const f of files) {
      const t = await vscode.window.showQuickPick(TYPES, { title: `Part type of ${path.basename(f.fsPath)}` });
      if (!t) return undefined;
      parts.push(`${t.label},${f.fsPath}`);
    }
  }
  const folder = args?.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath
    ?? (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Folder for cloud-init.txt' }))?.[0]?.fsPath;
  if (!folder) return undefined;
  const text = contextFile(await readParts(parts, folder)) + '\n';
  const out = path.join(folder, 'cloud-init.txt');
  const tmp = `${out}.tmp-${process.pid}`;
  await fs.promises.writeFile(tmp, text, 'latin1');
  await fs.promises.rename(tmp, out);
  ctx.log.info(`Wrote ${out} (${parts.length} part(s))`);
  if (!parts.some(p => p.trim().startsWith('ssh'))) void vscode.window.showWarningMessage('cloud-init.txt has no SSH key: nobody will be able to log in as root.');
  if (args?.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(out), { preview: false });
  return out;
}
