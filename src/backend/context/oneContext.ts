import type { ExecResult } from '../host/host';

/**
 * StratusLab's boot-time contextualization agent (stratuslab-one-context) for Debian/systemd images. The base
 * image ships these same two files (scripts/build-base-image.sh embeds them; a unit test keeps them equal);
 * Check Image Readiness installs them into a running instance of any other image.
 */
export const ONE_CONTEXT_PATH = '/usr/sbin/stratuslab-one-context';
export const ONE_CONTEXT_UNIT_PATH = '/etc/systemd/system/stratuslab-one-context.service';

export const ONE_CONTEXT_SCRIPT = `#!/bin/sh
# stratuslab-one-context: mounts the context disk (label _STRATUSLAB or CONTEXT, else /dev/$context_device),
# sources its init.sh (keys for root), then runs the run_exec of every /etc/stratuslab/conf.d/*.context
# with enable=yes. A run_exec sees its .context file's variables as defaults and the context disk's
# context.sh variables (run-instance --context K=V) over them, all exported. Runs at every boot.
configuration_file=/etc/stratuslab/stratuslab-one-context.cfg
configuration_dir=/etc/stratuslab/conf.d
mnt=/mnt/stratuslab
context_device=sr0
[ -f "$configuration_file" ] && . "$configuration_file"
log() { echo "stratuslab-one-context: $*"; }
mkdir -p "$mnt"
dev=$(blkid -l -t LABEL=_STRATUSLAB -o device 2>/dev/null || true)
[ -n "$dev" ] || dev=$(blkid -l -t LABEL=CONTEXT -o device 2>/dev/null || true)
[ -n "$dev" ] || dev=/dev/$context_device
ctx=
if [ -e "$dev" ] && mount -o ro -t iso9660 "$dev" "$mnt" 2>/dev/null; then
  trap 'umount "$mnt" 2>/dev/null' EXIT
  if [ -f "$mnt/context.sh" ]; then
    ctx=$mnt/context.sh
    if [ -f "$mnt/init.sh" ]; then (CONTEXT_DIR=$mnt; . "$mnt/init.sh") || log "init.sh failed"; fi
  fi
else
  log "no context disk ($dev)"
fi
for f in $(ls "$configuration_dir"/*.context 2>/dev/null | sort -n); do
  (
    enable=; run_exec=
    set -a
    . "$f"
    [ -n "$ctx" ] && . "$ctx"
    set +a
    [ "$enable" = yes ] && [ -n "$run_exec" ] || exit 0
    log "$f: $run_exec"
    set -- $run_exec
    if [ -x "$1" ]; then "$@"; else sh "$@"; fi
  ) || log "$f: run_exec failed ($?)"
done
exit 0
`;

export const ONE_CONTEXT_UNIT = `[Unit]
Description=StratusLab contextualization (context disk init.sh, /etc/stratuslab/conf.d/*.context)
After=local-fs.target network.target cloud-init.service
Before=cloud-final.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/stratuslab-one-context
StandardOutput=journal+console
[Install]
WantedBy=multi-user.target
`;

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
  const input = `${Buffer.from(ONE_CONTEXT_SCRIPT).toString('base64')}\n${Buffer.from(ONE_CONTEXT_UNIT).toString('base64')}\n`;
  const r = await exec(`sh -c '${INSTALL.replace(/'/g, `'\\''`)}'`, input);
  if (r.code !== 0) throw new Error(`Installing stratuslab-one-context failed (${r.code}): ${(r.stderr || r.stdout).trim().split('\n').pop()}` +
    ' — the agent needs systemd and blkid in the guest.');
}
