import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateCertificate, loadPkcs12 } from '../../core/metadata/certs';
import type { KeyMaterial } from '../../core/metadata/certs';
import type { DataLayout } from '../paths';
import { writeAtomicAsync } from '../atomic';

/**
 * The local builder certificate: made once per data folder, it signs the seeded base image and whatever the
 * user builds and publishes here, and it is trusted by default (so local work shows a green verdict) until
 * the user removes that trust. Its PKCS#12 password never sits next to it in clear: the extension keeps it
 * in SecretStorage, the CLI in a 0600 file (see fileSecrets).
 */

/** Where the password lives: VS Code's SecretStorage in the extension, a 0600 file for the CLI. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  store(name: string, value: string): Promise<void>;
}

export interface LocalBuilderFiles { p12: string; pem: string; untrusted: string; passwordFile: string }

export function localBuilderFiles(data: DataLayout): LocalBuilderFiles {
  return {
    p12: path.join(data.keys, 'local-builder.p12'),
    pem: path.join(data.keys, 'local-builder.pem'),
    untrusted: path.join(data.keys, 'local-builder.untrusted'),
    passwordFile: path.join(data.keys, 'local-builder.password'),
  };
}

/** The secret name: the same one the Sign command uses for any PKCS#12 file, so signing with it asks nothing. */
export function passwordSecretName(p12: string): string { return `stratus.certificatePassword:${path.resolve(p12)}`; }

/** The CLI's store: one 0600 file per secret name (only the local builder's password is kept here). */
export function fileSecrets(data: DataLayout): SecretStore {
  const file = localBuilderFiles(data).passwordFile;
  return {
    async get() { try { return (await fs.promises.readFile(file, 'utf8')).trim() || undefined; } catch { return undefined; } },
    async store(_n, value) { await atomicWrite(file, value + '\n', 0o600); },
  };
}

// private keys' folder: 0700
const atomicWrite = (file: string, data: string | Buffer, mode: number) => writeAtomicAsync(file, data, mode, 0o700);

export interface LocalBuilder { key: KeyMaterial; files: LocalBuilderFiles; created: boolean }

/**
 * The local builder's key, made on first use. The password is stored before the PKCS#12 file is written,
 * so a file whose password is lost can only come from outside (e.g. a data folder copied without secrets):
 * that is said with what to do.
 */
export async function ensureLocalBuilder(data: DataLayout, secrets: SecretStore, fallback?: SecretStore): Promise<LocalBuilder> {
  const files = localBuilderFiles(data);
  const name = passwordSecretName(files.p12);
  if (fs.existsSync(files.p12)) {
    let password = await secrets.get(name);
    if (password === undefined && fallback) {
      password = await fallback.get(name);
      if (password !== undefined) await secrets.store(name, password);
    }
    if (password === undefined) throw new Error(`the password of the local builder certificate ${files.p12} is not known here (it was made by another Stratus); delete ${files.p12} and ${files.pem} to make a new one.`);
    return { key: loadPkcs12(await fs.promises.readFile(files.p12), password), files, created: false };
  }
  const user = safe(os.userInfo().username) || 'user';
  const host = safe(os.hostname()) || 'localhost';
  const password = crypto.randomBytes(24).toString('base64url');
  const made = generateCertificate({ commonName: `Stratus local builder (${user}@${host})`, email: `${user}@${host}.local`,
    organization: 'Stratus', organizationalUnit: 'Local builder', days: 3650, password });
  await secrets.store(name, password);
  await atomicWrite(files.pem, made.certificatePem, 0o644);
  await atomicWrite(files.p12, made.p12, 0o600);
  return { key: { privateKeyPem: made.privateKeyPem, certificatePem: made.certificatePem }, files, created: true };
}

function safe(s: string): string { return s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, ''); }

/** The local builder certificate (PEM text) while it is trusted, else nothing. */
export function localBuilderTrust(data: DataLayout): string[] {
  const f = localBuilderFiles(data);
  if (fs.existsSync(f.untrusted)) return [];
  try { return [fs.readFileSync(f.pem, 'utf8')]; } catch { return []; }
}

/** Removes (or gives back) the default trust in the local builder certificate; the certificate itself stays. */
export async function setLocalBuilderTrusted(data: DataLayout, trusted: boolean): Promise<void> {
  const f = localBuilderFiles(data);
  if (trusted) await fs.promises.rm(f.untrusted, { force: true });
  else await atomicWrite(f.untrusted, `The local builder certificate ${f.pem} is not trusted by default any more (removed ${new Date().toISOString()}).\n`, 0o644);
}
