import * as fs from 'fs';
import * as path from 'path';
import type { ExecResult } from '../host/host';

/**
 * StratusLab's boot-time contextualization agent (stratuslab-one-context) for Debian/systemd images: the two
 * files in the repository's guest/ folder, which the base image ships (scripts/build-base-image.sh installs
 * them) and Check Image Readiness installs into a running instance of any other image.
 */
export const ONE_CONTEXT_PATH = '/usr/sbin/stratuslab-one-context';
export const ONE_CONTEXT_UNIT_PATH = '/etc/systemd/system/stratuslab-one-context.service';

/** guest/ beside dist/ (the bundles, the VSIX) or above out/src/backend/context (the compiled sources). */
function guestDir(): string {
  for (let d = __dirname, i = 0; i < 5; i++, d = path.dirname(d)) {
    const g = path.join(d, 'guest');
    if (fs.existsSync(path.join(g, 'stratuslab-one-context'))) return g;
  }
  throw new Error(`The stratuslab-one-context agent (guest/) is missing from this installation of Stratus (looked above ${__dirname}).`);
}

/** The agent's script and its systemd unit, as the base image has them. */
export function oneContextAgent(): { script: string; unit: string } {
  const g = guestDir();
  return { script: fs.readFileSync(path.join(g, 'stratuslab-one-context'), 'utf8'), unit: fs.readFileSync(path.join(g, 'stratuslab-one-context.service'), 'utf8') };
}

/** The shell lines that install the agent from its two files given on stdin (base64, one per line). */
const INSTALL = [
  'set -e',
  'read -r s; read -r u',
  'mkdir -p /etc/stratuslab/conf.d /usr/sbin',
  `printf '%s' "$s" | base64 -d > ${ONE_CONTEXT_PATH}.tmp && chmod 0755 ${ONE_CONTEXT_PATH}.tmp && mv ${ONE_CONTEXT_PATH}.tmp ${ONE_CONTEXT_PATH}`,
  `printf '%s' "$u" | base64 -d > ${ONE_CONTEXT_UNIT_PATH}.tmp && mv ${ONE_CONTEXT_UNIT_PATH}.tmp ${ONE_CONTEXT_UNIT_PATH}`,
  '[ -f /etc/stratuslab/stratuslab-one-context.cfg ] || echo context_device=sr0 > /etc/stratuslab/stratuslab-one-context.cfg',
  'systemctl daemon-reload && systemctl enable stratuslab-one-context.service',
].join('\n');

/**
 * Installs and enables the agent in a running guest (root over SSH). `exec` runs one shell command line
 * with stdin; systemd is required (the unit), which is what the error says when it is missing.
 */
export async function installOneContext(exec: (command: string, input: string) => Promise<ExecResult>): Promise<void> {
  const { script, unit } = oneContextAgent();
  const input = `${Buffer.from(script).toString('base64')}\n${Buffer.from(unit).toString('base64')}\n`;
  const r = await exec(`sh -c '${INSTALL.replace(/'/g, `'\\''`)}'`, input);
  if (r.code !== 0) throw new Error(`Installing stratuslab-one-context failed (${r.code}): ${(r.stderr || r.stdout).trim().split('\n').pop()}` +
    ' — the agent needs systemd and blkid in the guest.');
}
