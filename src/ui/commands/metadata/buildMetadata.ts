import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { buildMetadata, defaultOutputName, BuildOptions, BuildError } from '../../../core/metadata/build';

/** Options a test (or another command) can pass instead of being asked. */
export interface BuildArgs { image?: string; output?: string; options?: BuildOptions; open?: boolean }

async function ask(prompt: string, placeHolder: string, value = ''): Promise<string | undefined> {
  return vscode.window.showInputBox({ prompt, placeHolder, value, ignoreFocusOut: true });
}

/**
 * stratus.metadata.build: picks an image, asks the fields the client needs, computes the digests with a
 * cancellable progress (one pass, worker threads) and writes the unsigned skeleton next to the image.
 */
export async function buildMetadataCommand(ctx: UiContext, arg?: BuildArgs | vscode.Uri): Promise<string | undefined> {
  const args: BuildArgs = arg instanceof vscode.Uri ? { image: arg.fsPath } : arg ?? {};
  let image = args.image;
  if (!image) {
    const picked = await vscode.window.showOpenDialog({ title: 'Image file to describe', canSelectMany: false, openLabel: 'Build Metadata', filters: { 'Disk images': ['img', 'raw', 'qcow2', 'gz', 'bz2'], 'All files': ['*'] } });
    if (!picked?.length) return undefined;
    image = picked[0].fsPath;
  }
  let opts = args.options;
  if (!opts) {
    const os = await ask('Operating system (slterms:os)', 'Ubuntu'); if (os === undefined) return undefined;
    const osVersion = await ask('OS version (slterms:os-version)', '24.04'); if (osVersion === undefined) return undefined;
    const osArch = await ask('Architecture (slterms:os-arch)', 'x86_64', 'x86_64'); if (osArch === undefined) return undefined;
    const imageVersion = await ask('Image version (slterms:version)', '1.0', '1.0'); if (imageVersion === undefined) return undefined;
    const location = await ask('Download URL of the image (slterms:location), empty to set later', 'https://example.org/images/disk.img.gz'); if (location === undefined) return undefined;
    const comment = await ask('Description (dcterms:description)', 'What this image is for'); if (comment === undefined) return undefined;
    opts = { os, osVersion, osArch, imageVersion, location: location || undefined, comment, format: /\.qcow2(\.(gz|bz2))?$/i.test(image) ? 'qcow2' : 'raw' };
  }
  const output = args.output ?? path.join(path.dirname(image), defaultOutputName(opts));
  try {
    const total = fs.statSync(image).size;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checksums of ${path.basename(image)}`, cancellable: false }, async progress => {
      let reported = 0;
      return buildMetadata(image!, { ...opts, onProgress: done => {
        const pct = total ? Math.floor(done / total * 100) : 0;
        if (pct > reported) { progress.report({ increment: pct - reported, message: `${pct}%` }); reported = pct; }
      } });
    });
    const tmp = `${output}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, result.xml);
    fs.renameSync(tmp, output);
    ctx.log.info(`build-metadata ${image} → ${output} (identifier ${result.identifier})`);
    for (const w of result.warnings) void vscode.window.showWarningMessage(w);
    if (args.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(output));
    return output;
  } catch (e) {
    const msg = e instanceof BuildError ? e.message : `cannot build metadata for ${image}: ${(e as Error).message}`;
    throw new Error(msg, { cause: e });
  }
}
