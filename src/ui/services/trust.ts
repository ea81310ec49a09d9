// The one trust list (stratus.trustedCertificates plus the local builder certificate) every view reads: editor,
// marketplace, launch, builds.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as vscode from 'vscode';
import { getDefaultTrusted } from '../../backend/marketplace/trust';
import type { SignatureVerdict } from '../../core/metadata/types';
import { config } from '../context';

function expand(p: string): string {
  return p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : path.resolve(p);
}

// Diagnostics, CodeLens and the trees ask for the trust list on every edit: each file is read once and read
// again only after it changes on disk (an atomic replace is a rename, which the watch sees too).
const pemFiles = new Map<string, { text: string; watcher: fs.FSWatcher }>();
function readTrustedFile(file: string): string {
  const cached = pemFiles.get(file);
  if (cached) return cached.text;
  const text = fs.readFileSync(file, 'utf8');
  try {
    const drop = () => { pemFiles.get(file)?.watcher.close(); pemFiles.delete(file); };
    const watcher = fs.watch(file, { persistent: false }, drop).on('error', drop);
    pemFiles.set(file, { text, watcher });
  } catch { /* cannot watch: read it every time, as before */ }
  return text;
}

/**
 * PEM texts of stratus.trustedCertificates plus the local builder certificate (trusted by default until the
 * user removes that): the one trust list every view (editor, marketplace, launch) reads. Entries are files
 * or PEM text; unreadable files are logged.
 */
export function trustedCertificates(log?: vscode.LogOutputChannel): string[] {
  const entries = config().get<string[]>('trustedCertificates') ?? [];
  return [...entries.flatMap(f => {
    if (f.includes('-----BEGIN')) return [f];
    try { return [readTrustedFile(expand(f))]; } catch (e) { log?.warn(`trusted certificates: cannot read ${f}: ${(e as Error).message}`); return []; }
  }), ...getDefaultTrusted()];
}


/** One line for messages and the CodeLens: "Signed by CN=… — valid / untrusted / INVALID". */
export function verdictTitle(v: SignatureVerdict): string {
  if (v.status === 'absent') return 'Not signed';
  const who = v.signer ? `Signed by ${v.signer.subject}` : 'Signature';
  if (v.status === 'invalid') return `${who} — INVALID: ${v.message}`;
  return `${who} — ${v.trusted ? 'valid' : 'untrusted'}${v.warnings?.length ? ' (certificate expired or not yet valid)' : ''}`;
}
