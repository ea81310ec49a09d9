import * as path from 'path';
import type { CliCommand } from '../command';
import { CliError } from '../command';
import { parseOptions } from '../args';
import { dataLayout } from '../../backend/paths';
import { fileSecrets, localBuilderFiles, localBuilderTrust, setLocalBuilderTrusted } from '../../backend/firststart/localBuilder';
import { seedBaseImage, setupBaseImage } from '../../backend/firststart/seed';

/** The set-up's cached image, found from the package root (dist/ or out/src/cli/commands/ below it). */
function cachedBaseImage(): string | undefined {
  for (let d = __dirname; ; d = path.dirname(d)) {
    const img = setupBaseImage(d);
    if (img || path.dirname(d) === d) return img;
  }
}

/**
 * `stratus setup`: after the set-up (scripts/setup.sh) built the base image, publish it into the embedded
 * marketplace signed by the local builder certificate (made once; its password in a 0600 file) —
 * what the extension does on a fresh data folder. `stratus local-builder trust|untrust|show`.
 */
export const firstStartCommands: CliCommand[] = [
  {
    name: 'setup',
    summary: 'Publish the base image the set-up built into the embedded marketplace, signed by the local builder certificate',
    usage: 'setup [--base-image FILE.qcow2] [--force]\n  Default image: the one scripts/setup-kvm.sh cached (build it with `bash scripts/setup-kvm.sh`).',
    async run(args, io) {
      const p = parseOptions(args, ['force']);
      const image = (typeof p.opts['base-image'] === 'string' ? p.opts['base-image'] : undefined) ?? process.env.STRATUS_BASE_IMAGE ?? cachedBaseImage();
      if (!image) throw new CliError('no base image found: run `bash scripts/setup-kvm.sh` first, or pass --base-image FILE.qcow2');
      const data = dataLayout();
      // a missing image, a lost password: one line that says what to do
      const r = await seedBaseImage(data, { image, secrets: fileSecrets(data), force: !!p.opts.force, onStep: s => io.err(`setup: ${s}`) })
        .catch(e => { throw new CliError((e as Error).message); });
      const f = localBuilderFiles(data);
      if (r.certificateCreated) io.out(`Local builder certificate: ${f.pem} (trusted by default; \`stratus local-builder untrust\` removes that)`);
      io.out(r.published ? `Published ${image} as ${r.identifier} in the embedded marketplace (${data.marketplace}).` : `The base image is already published as ${r.identifier} (--force publishes it again).`);
      return 0;
    },
  },
  {
    name: 'local-builder',
    summary: 'Show, trust or stop trusting the local builder certificate that signs what you build here',
    usage: 'local-builder show|trust|untrust',
    async run(args, io) {
      const data = dataLayout();
      const f = localBuilderFiles(data);
      const what = args[0] ?? 'show';
      if (what === 'trust' || what === 'untrust') await setLocalBuilderTrusted(data, what === 'trust');
      else if (what !== 'show') throw new CliError(`unknown action '${what}': use show, trust or untrust`);
      io.out(`certificate: ${f.pem}\ntrusted by default: ${localBuilderTrust(data).length ? 'yes' : 'no'}`);
      return 0;
    },
  },
];
