import type { Installer, SysprepOp } from './fields';
import { installPlan } from './installer';

/**
 * The cleanup run in the guest before it is saved (virt-sysprep's defaults, each switchable).
 * The scripts below are fixed text; user paths (exclude) are passed as positional arguments,
 * never spliced into the script. root-ssh runs last: the build is logged in with that key.
 */
const FIXED: Record<Exclude<SysprepOp, 'package-cache'>, string> = {
  'ssh-host-keys': 'rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub',
  'udev-net-rules': 'rm -f /etc/udev/rules.d/*persistent-net*.rules /etc/udev/rules.d/*net.rules /lib/udev/rules.d/*net-gen*',
  'machine-id': 'if [ -f /etc/machine-id ]; then : > /etc/machine-id; fi; rm -f /var/lib/dbus/machine-id',
  logs: 'if [ -d /var/log ]; then find /var/log -type f \\( -name "*.gz" -o -name "*.[0-9]" -o -name "*.old" \\) -delete; find /var/log -type f -exec truncate -s 0 {} +; fi; rm -f /root/.bash_history',
  tmp: 'rm -rf /tmp/* /var/tmp/*',
  'root-ssh': 'rm -f /root/.ssh/authorized_keys /root/.ssh/known_hosts',
};

/** Commands (argument arrays) for the enabled operations, in a safe order. */
export function sysprepCommands(ops: Record<SysprepOp, boolean>, installer: Installer | undefined, exclude: string[]): { op: string; argv: string[] }[] {
  const out: { op: string; argv: string[] }[] = [];
  const sh = (op: string, script: string, ...args: string[]) => out.push({ op, argv: ['sh', '-c', script, 'sh', ...args] });
  if (ops['package-cache'] && installer) out.push({ op: 'package-cache', argv: installPlan(installer, [], []).clean });
  for (const op of ['ssh-host-keys', 'udev-net-rules', 'machine-id', 'logs', 'tmp'] as const) if (ops[op]) sh(op, FIXED[op]);
  // Unquoted $p on purpose: exclude entries are validated to contain no spaces, so only * and ? expand.
  if (exclude.length) sh('exclude', 'for p in "$@"; do rm -rf -- $p; done', ...exclude);
  if (ops['root-ssh']) sh('root-ssh', FIXED['root-ssh']);
  return out;
}
