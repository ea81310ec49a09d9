import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeAtomic } from '../../../backend/atomic';
import { config, UiContext } from '../../context';
import { generateCertificate } from '../../../core/metadata/certs';
import { isValidEmail } from '../../../core/metadata/certs';
import { rememberPassword } from './keys';

export interface GenerateArgs { commonName?: string; email?: string; password?: string; target?: string; trust?: boolean }

/**
 * stratus.metadata.generateCertificate: a self-signed signing certificate like stratus-generate-p12, written
 * as OUT.p12 (mode 600) plus OUT.pem (the certificate, for stratus.trustedCertificates).
 */
export async function generateCertificateCommand(ctx: UiContext, args: GenerateArgs = {}) {
  const commonName = args.commonName ?? await vscode.window.showInputBox({ prompt: 'Common name (CN) of the certificate', value: 'Jane Tester', ignoreFocusOut: true });
  if (!commonName) return undefined;
  const email = args.email ?? await vscode.window.showInputBox({
    prompt: 'E-mail address (the endorser e-mail of everything you sign)', ignoreFocusOut: true,
    validateInput: v => (isValidEmail(v) ? undefined : 'an address like name@example.org'),
  });
  if (!email) return undefined;
  let password = args.password;
  if (password === undefined) {
    password = await vscode.window.showInputBox({ prompt: 'Password for the new PKCS#12 file', password: true, ignoreFocusOut: true, validateInput: v => (v.length >= 6 ? undefined : 'at least 6 characters') });
    if (password === undefined) return undefined;
    const again = await vscode.window.showInputBox({ prompt: 'The same password again', password: true, ignoreFocusOut: true });
    if (again !== password) throw new Error('The passwords differ; nothing was generated.');
  }
  const target = args.target ?? (await vscode.window.showSaveDialog({
    title: 'Save the certificate', filters: { 'PKCS#12': ['p12'] },
    defaultUri: vscode.Uri.file(path.join(ctx.data.keys, `${commonName.replace(/[^\w.-]+/g, '_')}.p12`)),
  }))?.fsPath;
  if (!target) return undefined;
  const r = generateCertificate({ commonName, email, password });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const pemPath = target.replace(/\.p12$/i, '') + '.pem';
  writeAtomic(target, r.p12, 0o600);
  writeAtomic(pemPath, r.certificatePem, 0o644);
  await rememberPassword(ctx, target, password);
  ctx.log.info(`generated certificate ${target} (CN=${commonName}, ${email})`);
  const trust = args.trust ?? (args.commonName === undefined
    && (await vscode.window.showInformationMessage(`Certificate written to ${target}.`, 'Trust It')) === 'Trust It');
  if (trust) {
    const list = config().get<string[]>('trustedCertificates') ?? [];
    if (!list.includes(pemPath)) await config().update('trustedCertificates', [...list, pemPath], vscode.ConfigurationTarget.Global);
  }
  return { p12Path: target, pemPath };
}
