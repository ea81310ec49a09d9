import { installOneContext } from '../context/oneContext';
import { spawn } from 'child_process';
import type { InstanceManager } from '../kvm/instances';
import { PROBE_SCRIPT } from './probe';

/** Image readiness (issue 8): the "building images from scratch" checklist (docs/stratuslab.md#image-readiness), checked for the user. */

export type ReadinessStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface ReadinessItem { id: string; title: string; status: ReadinessStatus; detail: string; fix: string }

/** Stable ids: recipes require or waive them by id. */
export const READINESS_ITEMS: Record<string, { title: string; fix: string }> = {
  'context.present': { title: 'Contextualization enabled at boot', fix: 'Install cloud-init (NoCloud or OpenNebula datasource), or Stratus\'s stratuslab-one-context agent (check-readiness --instance ID --install-context, or the Install button of Check Image Readiness), and enable it at boot; without it no SSH key reaches the instance.' },
  'ssh.enabled': { title: 'SSH server enabled at boot', fix: 'systemctl enable ssh (or sshd).' },
  'network.dhcp': { title: 'Network configured by DHCP', fix: 'Configure eth0 for DHCP (systemd-networkd DHCP=yes, ifupdown "inet dhcp", BOOTPROTO=dhcp) and remove HWADDR lines.' },
  'network.no-persistent-net-rules': { title: 'No udev persistent-net rules', fix: 'ln -sf /dev/null /etc/udev/rules.d/70-persistent-net.rules' },
  'secrets.no-host-keys': { title: 'No SSH host keys baked in', fix: 'rm /etc/ssh/ssh_host_*_key* before saving; they are regenerated at first boot.' },
  'secrets.no-authorized-keys': { title: 'No authorized_keys other than the context\'s', fix: 'Empty /root/.ssh/authorized_keys and /home/*/.ssh/authorized_keys before saving: keys come from the context.' },
  'secrets.no-private-keys': { title: 'No private keys', fix: 'Remove private keys from /root and /home before saving.' },
  'secrets.no-shell-history': { title: 'No shell history', fix: 'rm -f /root/.*history /home/*/.*history; history -c' },
  'secrets.root-password': { title: 'Root password locked or random', fix: 'passwd -l root, or randomize it at every boot (01-password.context).' },
  'ssh.password-auth-off': { title: 'SSH: PasswordAuthentication no', fix: 'Set "PasswordAuthentication no" in /etc/ssh/sshd_config (before any Match block).' },
  'ssh.root-key-only': { title: 'SSH: root logs in with a key only', fix: 'Set "PermitRootLogin prohibit-password" in /etc/ssh/sshd_config.' },
  'firewall.active': { title: 'A firewall blocks unused ports', fix: 'Enable nftables/ufw/firewalld with a default-drop input policy that allows ssh. (The official recipes disabled it; the docs ask for one.)' },
  'services.minimal': { title: 'Minimal services listening', fix: 'Disable or uninstall services the image does not need.' },
  'fs.no-periodic-fsck': { title: 'Periodic fsck disabled', fix: 'tune2fs -c 0 -i 0 on every ext filesystem.' },
};

const RANK: Record<ReadinessStatus, number> = { pass: 0, skip: 1, warn: 2, fail: 3 };

/** Parses the probe's lines; several lines for one id merge (worst status wins). */
export function parseProbeOutput(stdout: string): ReadinessItem[] {
  const byId = new Map<string, ReadinessItem>();
  for (const line of stdout.split('\n')) {
    const [id, status, ...rest] = line.split('\t');
    if (!id || !(status in RANK)) continue;
    const meta = READINESS_ITEMS[id] ?? { title: id, fix: '' };
    const detail = rest.join('\t').trim();
    const prev = byId.get(id);
    if (!prev) byId.set(id, { id, title: meta.title, status: status as ReadinessStatus, detail, fix: meta.fix });
    else {
      if (RANK[status as ReadinessStatus] > RANK[prev.status]) prev.status = status as ReadinessStatus;
      prev.detail = [prev.detail, detail].filter(Boolean).join('; ');
    }
  }
  return Object.keys(READINESS_ITEMS).map(id => byId.get(id)).filter((x): x is ReadinessItem => !!x);
}

/** Checks an unpacked root file system on this machine (offline: files only). */
export function checkRootfs(root: string, signal?: AbortSignal): Promise<ReadinessItem[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s'], { env: { ...process.env, STRATUS_ROOT: root, LC_ALL: 'C' }, signal, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', d => { out += d; });
    child.stderr.on('data', d => { err += d; });
    child.on('error', reject);
    child.on('close', code => code === 0 ? resolve(parseProbeOutput(out)) : reject(new Error(`readiness probe failed (exit ${code}): ${err.trim()}`)));
    child.stdin.end(PROBE_SCRIPT);
  });
}

/** Checks a running instance over SSH; `expectedKeys` are the authorized_keys lines its context injected. */
export async function checkInstance(mgr: InstanceManager, id: string, expectedKeys: string[] = [], signal?: AbortSignal): Promise<ReadinessItem[]> {
  const keys = Buffer.from(expectedKeys.map(k => k.trim()).filter(Boolean).join('\n') + '\n').toString('base64');
  const r = await mgr.exec(id, `STRATUS_EXPECTED_KEYS=${keys} LC_ALL=C sh -s`, { input: PROBE_SCRIPT, signal });
  if (r.code !== 0) throw new Error(`readiness probe failed in ${id} (exit ${r.code}): ${r.stderr.trim()}`);
  return parseProbeOutput(r.stdout);
}

/** Items that fail after waivers (recipes list ids they accept), and required ids that did not pass. */
export function verdict(items: ReadinessItem[], opts: { waive?: string[]; require?: string[] } = {}): { ok: boolean; failing: ReadinessItem[] } {
  const waived = new Set(opts.waive ?? []);
  const required = new Set(opts.require ?? []);
  const failing = items.filter(i => (i.status === 'fail' && !waived.has(i.id)) || (required.has(i.id) && i.status !== 'pass'));
  return { ok: failing.length === 0, failing };
}

const MARK: Record<ReadinessStatus, string> = { pass: '✔', warn: '!', fail: '✘', skip: '–' };

export function formatReadiness(items: ReadinessItem[], markdown = false): string {
  if (markdown) {
    return items.map(i => `- ${MARK[i.status]} **${i.title}** \`${i.id}\` — ${i.detail}${i.status === 'fail' || i.status === 'warn' ? `\n  - *Fix:* ${i.fix}` : ''}`).join('\n');
  }
  return items.map(i => `${MARK[i.status]} ${i.id.padEnd(32)} ${i.detail}${i.status === 'fail' || i.status === 'warn' ? `\n    fix: ${i.fix}` : ''}`).join('\n');
}

/** Installs the StratusLab one-context agent into a running instance (the fix offered for context.present). */
export function installContextAgent(mgr: InstanceManager, id: string, signal?: AbortSignal): Promise<void> {
  return installOneContext((command, input) => mgr.exec(id, command, { input, signal }));
}
