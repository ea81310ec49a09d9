import * as fs from 'fs';
import * as vscode from 'vscode';
import { ensureLocalBuilder, fileSecrets } from '../backend/firststart/localBuilder';
import { seedMarkerFile } from '../backend/firststart/seed';
import { LocalMarketplace } from '../backend/marketplace/local';
import { signMetadata } from '../core/metadata/sign';
import type { PortMapping } from '../core/network';
import type { InstanceRecord } from '../backend/kvm/types';
import type { BuildRecord } from '../backend/build/steps';
import type { UiContext } from './context';
import { allManagers } from './services/hostServices';
import { markStep } from './walkthroughSteps';

/**
 * The commands of the "Get started with Stratus" walkthrough: launch the base image → SSH terminal → its web page →
 * build the sample recipe → sign and publish the result → launch it. The steps and their keys: walkthroughSteps.ts.
 */
export { markStep, doneSteps, type WalkthroughStep } from './walkthroughSteps';

const LAST_BUILD = 'stratus.walkthrough.lastBuild';
const PUBLISHED = 'stratus.walkthrough.published';

function portsOf(r: InstanceRecord): PortMapping[] { return (r as InstanceRecord & { ports?: PortMapping[] }).ports ?? []; }

async function running(ctx: UiContext): Promise<InstanceRecord[]> {
  const mgrs = await allManagers(ctx);
  const all = (await Promise.all(mgrs.map(m => m.list().catch(() => [] as InstanceRecord[])))).flat();
  return all.filter(r => r.state === 'Running');
}

/** Fetches the page first: the step is done only when the guest's web server really answered. */
export async function openWebPage(ctx: UiContext, arg?: { id?: string }): Promise<string | undefined> {
  const withPorts = (await running(ctx)).filter(r => portsOf(r).some(p => p.proto === 'tcp'));
  let rec = withPorts.find(r => r.id === arg?.id);
  if (!rec) {
    if (!withPorts.length) { void vscode.window.showWarningMessage('No running instance publishes a port: launch one with a published port such as 0:80 (Launch Instance… → published ports).'); return undefined; }
    const pick = withPorts.length === 1 ? { rec: withPorts[0] } : await vscode.window.showQuickPick(withPorts.map(r => ({ label: r.name, description: portsOf(r).map(p => `${p.hostPort}→${p.guestPort}`).join(' '), rec: r })), { title: 'Open the web page of' });
    if (!pick) return undefined;
    rec = pick.rec;
  }
  const p = portsOf(rec).find(x => x.guestPort === 80 && x.proto === 'tcp') ?? portsOf(rec).find(x => x.proto === 'tcp')!;
  const host = p.hostAddr === '0.0.0.0' || !p.hostAddr ? '127.0.0.1' : p.hostAddr;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${p.hostPort}/`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    ctx.log.info(`web page of ${rec.name}: ${url} answered HTTP ${res.status}`);
    await markStep(ctx, 'webOpened');
  } catch (e) {
    void vscode.window.showWarningMessage(`${url} does not answer yet (${(e as Error).message}): is a web server running in ${rec.name}? The sample's run-http.sh starts one.`);
    return undefined;
  }
  await vscode.env.openExternal(vscode.Uri.parse(url));
  return url;
}

export async function buildSample(ctx: UiContext): Promise<BuildRecord | undefined> {
  const found = await vscode.workspace.findFiles('**/*.recipe.yaml', '**/node_modules/**', 5);
  let uri = found[0];
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(found.map(u => ({ label: vscode.workspace.asRelativePath(u), uri: u })), { title: 'Recipe to build' });
    uri = pick?.uri as vscode.Uri;
  }
  if (!uri) { void vscode.window.showWarningMessage('No *.recipe.yaml in this workspace: open samples/webserver (npm start opens a copy of it).'); return undefined; }
  await vscode.window.showTextDocument(uri, { preview: false });
  const rec = await vscode.commands.executeCommand<BuildRecord | undefined>('stratus.recipe.createImage', uri);
  if (rec?.status === 'succeeded' && rec.result) {
    await ctx.ext.globalState.update(LAST_BUILD, rec.result);
    await markStep(ctx, 'built');
  }
  return rec;
}

/** Signs the last build's draft with the local builder certificate and publishes it into the embedded marketplace. */
export async function publishBuilt(ctx: UiContext): Promise<string | undefined> {
  const result = ctx.ext.globalState.get<BuildRecord['result']>(LAST_BUILD);
  if (!result?.metadataPath || !fs.existsSync(result.metadataPath)) { void vscode.window.showWarningMessage('Build the sample recipe first: its result has draft metadata to sign and publish.'); return undefined; }
  try {
    const secrets = { get: (n: string) => Promise.resolve(ctx.ext.secrets.get(n)), store: (n: string, v: string) => Promise.resolve(ctx.ext.secrets.store(n, v)) };
    const builder = await ensureLocalBuilder(ctx.data, secrets, fileSecrets(ctx.data));
    const signed = signMetadata(await fs.promises.readFile(result.metadataPath, 'utf8'), builder.key);
    const ok = await new LocalMarketplace(ctx.data.marketplace).upload(signed);
    await ctx.ext.globalState.update(PUBLISHED, ok.key.identifier);
    await markStep(ctx, 'published');
    ctx.trees.get('stratus.marketplace')?.refresh();
    void vscode.window.showInformationMessage(`Published ${ok.key.identifier}, signed by the local builder certificate (trusted by default).`);
    return ok.key.identifier;
  } catch (e) {
    throw new Error(`Sign and Publish: ${(e as Error).message}`, { cause: e });
  }
}

/** stratus.walkthrough.launchBase: the published base image (published first if needed), with port 80. */
export async function launchBase(ctx: UiContext) {
  let id: string | undefined;
  try { id = JSON.parse(fs.readFileSync(seedMarkerFile(ctx.data), 'utf8')).identifier; } catch { /* not seeded */ }
  if (!id) {
    const r = await vscode.commands.executeCommand<{ identifier: string } | undefined>('stratus.marketplace.publishBaseImage');
    id = r?.identifier;
    if (!id) return undefined;
  }
  return vscode.commands.executeCommand('stratus.instances.launch', id, { publish: ['0:80'] });
}

/** stratus.walkthrough.openSsh */
export function openSsh(): Thenable<unknown> {
  return vscode.commands.executeCommand('stratus.instances.openSshTerminal');
}

/** stratus.walkthrough.launchBuilt: the image the walkthrough published, with port 80. */
export async function launchBuilt(ctx: UiContext) {
  const id = ctx.ext.globalState.get<string>(PUBLISHED);
  if (!id) { void vscode.window.showWarningMessage('Sign and publish the built image first.'); return undefined; }
  return vscode.commands.executeCommand('stratus.instances.launch', id, { publish: ['0:80'] });
}

/** stratus.walkthrough.open */
export function openWalkthrough(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', 'stratus.stratus#stratus.getStarted', false);
}
