// Signing keys and trusted certificates for the metadata commands and the signature CodeLens.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { config, UiContext } from '../../context';
import { CertificateError, loadPem, loadPkcs12 } from '../../../core/metadata/certs';
import type { KeyMaterial } from '../../../core/metadata/certs';
import { getDefaultTrusted } from '../../../backend/marketplace/trust';

const LAST_CERT = 'stratus.metadata.lastCertificate';
const secretKey = (certPath: string) => `stratus.certificatePassword:${path.resolve(certPath)}`;

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

export interface KeyRequest { certPath?: string; keyPath?: string; password?: string }

/**
 * The signing key: a PKCS#12 file (password asked once, then kept only in SecretStorage under the
 * file's path), or a PEM certificate plus PEM key. Undefined when the user cancels.
 */
export async function obtainKey(ctx: UiContext, req: KeyRequest = {}): Promise<{ key: KeyMaterial; certPath: string } | undefined> {
  let certPath = req.certPath;
  if (!certPath) {
    const last = ctx.ext.globalState.get<string>(LAST_CERT);
    const picked = await vscode.window.showOpenDialog({
      title: 'Certificate to sign with (PKCS#12, or a PEM certificate)', canSelectMany: false,
      defaultUri: last ? vscode.Uri.file(last) : undefined,
      filters: { 'Certificates': ['p12', 'pfx', 'pem', 'crt'], 'All files': ['*'] },
    });
    if (!picked?.[0]) return undefined;
    certPath = picked[0].fsPath;
  }
  const data = await fs.promises.readFile(certPath).catch(() => { throw new Error(`certificate file not found: ${certPath}`); });
  let key: KeyMaterial;
  if (/-----BEGIN CERTIFICATE-----/.test(data.toString('latin1'))) {
    const keyPath = req.keyPath ?? (await vscode.window.showOpenDialog({ title: 'Private key (PEM) for this certificate', canSelectMany: false, filters: { 'PEM keys': ['pem', 'key'], 'All files': ['*'] } }))?.[0]?.fsPath;
    if (!keyPath) return undefined;
    const keyPem = await fs.promises.readFile(keyPath, 'utf8');
    const encrypted = /ENCRYPTED/.test(keyPem);
    const pass = encrypted ? await password(ctx, certPath, req.password, 'Passphrase of the private key') : undefined;
    if (encrypted && pass === undefined) return undefined;
    key = loadPem(keyPem, data.toString('utf8'), pass);
    if (encrypted) await ctx.ext.secrets.store(secretKey(certPath), pass!);
  } else {
    const pass = await password(ctx, certPath, req.password, `Password of ${path.basename(certPath)}`);
    if (pass === undefined) return undefined;
    try {
      key = loadPkcs12(data, pass);
    } catch (e) {
      // A stored password that no longer opens the file is dropped, so the next attempt asks again.
      if (e instanceof CertificateError) await ctx.ext.secrets.delete(secretKey(certPath));
      throw e;
    }
    await ctx.ext.secrets.store(secretKey(certPath), pass);
  }
  await ctx.ext.globalState.update(LAST_CERT, certPath);
  return { key, certPath };
}

async function password(ctx: UiContext, certPath: string, given: string | undefined, prompt: string): Promise<string | undefined> {
  if (given !== undefined) return given;
  const stored = await ctx.ext.secrets.get(secretKey(certPath));
  if (stored !== undefined) return stored;
  return vscode.window.showInputBox({ prompt, password: true, ignoreFocusOut: true });
}

/** Remembers a certificate's password (after Generate Certificate) the same way signing does. */
export async function rememberPassword(ctx: UiContext, certPath: string, pass: string): Promise<void> {
  await ctx.ext.secrets.store(secretKey(certPath), pass);
  await ctx.ext.globalState.update(LAST_CERT, certPath);
}
