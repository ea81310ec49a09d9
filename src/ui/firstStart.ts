import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { fileSecrets, localBuilderFiles, localBuilderTrust, SecretStore, setLocalBuilderTrusted } from '../backend/firststart/localBuilder';
import { seedBaseImage, seedMarkerFile, setupBaseImage, SeedResult } from '../backend/firststart/seed';
import { setDefaultTrusted } from '../backend/marketplace/trust';
import { config, UiContext } from './context';
import { marketplaces } from './services/marketplaces';

/**
 * First start: trust the local builder certificate by default, and on a fresh data folder publish the base
 * image the set-up built into the embedded marketplace (in the background; the tree shows it when done).
 * The base image comes from `stratus.baseImage` or $STRATUS_BASE_IMAGE (npm start sets it).
 */

function secrets(ctx: UiContext): SecretStore {
  return { get: n => Promise.resolve(ctx.ext.secrets.get(n)), store: (n, v) => Promise.resolve(ctx.ext.secrets.store(n, v)) };
}

function applyTrust(ctx: UiContext): void {
  setDefaultTrusted(localBuilderTrust(ctx.data));
  try { marketplaces().retrust(); } catch { /* view not registered (tests of other areas) */ }
  ctx.trees.get('stratus.instances')?.refresh();
}

/** Explicit only (setting or npm start's env): the set-up's cache is offered by the command, never seeded silently. */
export function configuredBaseImage(): string | undefined {
  return config().get<string>('baseImage') || process.env.STRATUS_BASE_IMAGE || undefined;
}

export async function publishBaseImage(ctx: UiContext, image: string, force = false): Promise<SeedResult> {
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Stratus: publishing the base image' }, p =>
    seedBaseImage(ctx.data, { image, secrets: secrets(ctx), fallbackSecrets: fileSecrets(ctx.data), force, onStep: s => { p.report({ message: s }); ctx.log.info(`first start: ${s}`); } }));
  if (r.certificateCreated) ctx.log.info(`first start: made the local builder certificate ${localBuilderFiles(ctx.data).pem} (trusted by default; "Stratus: Stop Trusting the Local Builder Certificate" removes that)`);
  if (r.published) {
    ctx.log.info(`first start: published ${image} as ${r.identifier} in the embedded marketplace`);
    // the Sign command offers the local builder's certificate first (its password is already in SecretStorage)
    if (!ctx.ext.globalState.get('stratus.metadata.lastCertificate')) await ctx.ext.globalState.update('stratus.metadata.lastCertificate', localBuilderFiles(ctx.data).p12);
  }
  // One re-list of the Marketplace, not retrust's and reload's two (plus an Instances refresh): each re-renders
  // the tree on a busy first start and delays the entry. A certificate made just now signed nothing listed
  // before, so setting the default trust and re-reading the store are enough.
  setDefaultTrusted(localBuilderTrust(ctx.data));
  try { marketplaces().reload(); } catch { /* no view */ }
  return r;
}

/** Before any tree verifies or a command runs: the local builder certificate is trusted unless the user said no. */
export function applyDefaultTrust(ctx: UiContext): void {
  setDefaultTrusted(localBuilderTrust(ctx.data));
}

/** stratus.marketplace.publishBaseImage [{ image, force }]: the set-up's base image, signed, into the embedded marketplace. */
export async function publishBaseImageCommand(ctx: UiContext, arg?: { image?: string; force?: boolean }) {
  let image = arg?.image ?? configuredBaseImage() ?? setupBaseImage(ctx.ext.extensionPath);
  if (!image) {
    const f = await vscode.window.showOpenDialog({ title: 'Base image to publish (qcow2 built by scripts/setup-kvm.sh)', canSelectMany: false, filters: { 'Disk images': ['qcow2', 'img'] } });
    image = f?.[0]?.fsPath;
    if (!image) return undefined;
  }
  const r = await publishBaseImage(ctx, image, arg?.force ?? true);
  void vscode.window.showInformationMessage(r.published ? `Published the base image as ${r.identifier} in the embedded marketplace, signed by the local builder certificate.` : `The base image is already published (${r.identifier}).`);
  return r;
}

/** stratus.localBuilder.untrust */
export async function untrustLocalBuilder(ctx: UiContext): Promise<void> {
  await setLocalBuilderTrusted(ctx.data, false);
  applyTrust(ctx);
  ctx.log.info(`the local builder certificate ${localBuilderFiles(ctx.data).pem} is no longer trusted by default`);
  void vscode.window.showInformationMessage('The local builder certificate is no longer trusted: images signed by it now show as untrusted. "Stratus: Trust the Local Builder Certificate" gives the trust back.');
}

/** stratus.localBuilder.trust */
export async function trustLocalBuilder(ctx: UiContext): Promise<void> {
  await setLocalBuilderTrusted(ctx.data, true);
  applyTrust(ctx);
  void vscode.window.showInformationMessage('The local builder certificate is trusted again.');
}

/**
 * On a fresh data folder, publish the set-up's base image once, in the background. Called when the Marketplace
 * is first listed (its view shown, or the API's snapshot), not at activation: opening an XML file or running an
 * unrelated command activates the extension too, and must not start a publish.
 */
export function seedOnce(ctx: UiContext): () => void {
  let started = false;
  return () => {
    if (started) return;
    started = true;
    const image = configuredBaseImage();
    if (!image || fs.existsSync(seedMarkerFile(ctx.data)) || !fs.existsSync(image)) return;
    void publishBaseImage(ctx, path.resolve(image)).catch(e => {
      ctx.log.error(`first start: ${(e as Error).message}`);
      void vscode.window.showWarningMessage(`Stratus could not publish the base image: ${(e as Error).message}`, 'Show Log').then(c => c && ctx.log.show());
    });
  };
}
