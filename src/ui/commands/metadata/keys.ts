// Signing keys for the metadata commands (the trust list is services/trust).
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { CertificateError, loadPem, loadPkcs12 } from '../../../core/metadata/certs';
import type { KeyMaterial } from '../../../core/metadata/certs';

const LAST_CERT = 'stratus.metadata.lastCertificate';
const secretKey = (certPath: string) => `stratus.certificatePassword:${path.resolve(certPath)}`;

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
