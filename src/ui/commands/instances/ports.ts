import * as vscode from 'vscode';
import { formatPort, portUrl, type PortMapping } from '../../../core/network';
import type { UiContext } from '../../context';
import type { InstanceNode } from '../../services/nodes';
import { instanceCandidates } from './pick';

/** A port node of the Instances tree, or { id, guestPort } (tests, other commands): the URL this machine reaches it at. */
async function urlOf(ctx: UiContext, arg: unknown): Promise<{ url: string; port: PortMapping } | undefined> {
  const node = arg as InstanceNode | undefined;
  if (node && typeof node === 'object' && node.kind === 'port') return { url: portUrl(node.port), port: node.port };
  const want = arg as { id?: string; guestPort?: number } | undefined;
  const ports: Array<{ label: string; port: PortMapping }> = [];
  for (const c of await instanceCandidates(ctx)) {
    if (c.record.state !== 'Running' || (want?.id && c.record.id !== want.id)) continue;
    for (const p of c.record.localPorts ?? c.record.ports ?? []) {
      if (p.proto === 'tcp' && (!want?.guestPort || p.guestPort === want.guestPort)) ports.push({ label: `${c.record.name}: ${formatPort(p)}`, port: p });
    }
  }
  const chosen = ports.length <= 1 ? ports[0] : await vscode.window.showQuickPick(ports, { title: 'Which published port?' });
  if (!chosen) { if (!ports.length) void vscode.window.showInformationMessage('No published TCP port on a Running instance (launch with a published port, e.g. -p 0:80).'); return undefined; }
  return { url: portUrl(chosen.port), port: chosen.port };
}

/** stratus.instances.openPort: the published port in a browser (asExternalUri: also right when VS Code itself runs in a browser). */
export async function openPort(ctx: UiContext, arg?: unknown) {
  const hit = await urlOf(ctx, arg);
  if (!hit) return undefined;
  const external = await vscode.env.asExternalUri(vscode.Uri.parse(hit.url));
  ctx.log.info(`Opening ${external.toString(true)} (${formatPort(hit.port)})`);
  await vscode.env.openExternal(external);
  return external.toString(true);
}

/** stratus.instances.copyPortUrl */
export async function copyPortUrl(ctx: UiContext, arg?: unknown) {
  const hit = await urlOf(ctx, arg);
  if (!hit) return undefined;
  await vscode.env.clipboard.writeText(hit.url);
  void vscode.window.setStatusBarMessage(`Copied ${hit.url}`, 4000);
  return hit.url;
}
