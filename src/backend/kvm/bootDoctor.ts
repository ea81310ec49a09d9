/**
 * The boot doctor: while Stratus waits for a guest's SSH login it reads the serial console (and the firmware's
 * debug log, where SeaBIOS says it found nothing to boot) and names known failures with what to do, so a
 * timeout says why instead of "timed out". Fatal findings end the wait at once: no amount of waiting helps.
 */

export interface BootSignature {
  id: string;
  /** Matched line by line (a console line, CR stripped). */
  pattern: RegExp;
  /** Where the line is printed: the serial console (default) or the firmware's debug port. */
  source?: 'serial' | 'firmware';
  /** Only when it is the last line printed: a prompt still waiting for input (a passing prompt is harmless). */
  lastLine?: boolean;
  problem: string;
  todo: string;
  /** The boot cannot go on by itself. */
  fatal: boolean;
}

export interface BootFinding { id: string; problem: string; todo: string; fatal: boolean; line: string }

export const BOOT_SIGNATURES: BootSignature[] = [
  { id: 'no-bootable-disk', source: 'firmware', pattern: /No bootable device/, fatal: true,
    problem: 'no bootable disk: the firmware found no boot loader on any disk',
    todo: 'the image has no boot sector or partition table (a blank or data-only disk?): launch a bootable OS image' },
  // an oops the kernel could not survive: the crash itself is above the panic line, not a configuration to fix
  { id: 'kernel-oops', pattern: /Kernel panic - not syncing: (Fatal exception|Attempted to kill the idle task)/, fatal: true,
    problem: 'the guest kernel crashed (an oops)',
    todo: 'its oops (RIP, Call Trace) is above the panic in the instance\'s console log; launch again: a crash that does not repeat is a race, and if it repeats the image\'s kernel does not run on this virtual hardware (try a one-vCPU type)' },
  { id: 'kernel-panic', pattern: /Kernel panic - not syncing: (?!Fatal exception|Attempted to kill the idle task)/, fatal: true,
    problem: 'kernel panic',
    todo: 'read the panic line: "Unable to mount root fs" means the kernel or initramfs lacks the virtio disk driver or root= names the wrong device; "Attempted to kill init" means the image\'s init (systemd) or its libraries are broken' },
  { id: 'initramfs-shell', pattern: /Gave up waiting for root (file system )?device|ALERT! .* does not exist\.|^\(initramfs\)\s*$/, fatal: true,
    problem: 'the initramfs could not find the root filesystem and stopped in its shell',
    todo: 'the image\'s root= (label/UUID) does not match its disk, or its initramfs lacks virtio_blk: rebuild the initramfs with virtio drivers' },
  { id: 'grub-prompt', pattern: /^\s*grub( rescue)?>\s*$|^error: (no such partition|unknown filesystem|file .* not found)/, fatal: true,
    problem: 'GRUB stopped at its prompt',
    todo: 'GRUB found no configuration or kernel: the image\'s /boot/grub/grub.cfg or the disk GRUB expects is missing (run update-grub / grub-install in the image)' },
  { id: 'boot-prompt', pattern: /^boot:\s*$/, lastLine: true, fatal: true,
    problem: 'the SYSLINUX/EXTLINUX boot loader is waiting at its boot: prompt',
    todo: 'its configuration has no usable DEFAULT entry or kernel: fix extlinux.conf / syslinux.cfg in the image' },
  { id: 'no-kernel', pattern: /Could not find kernel image|No DEFAULT or UI configuration directive found/, fatal: true,
    problem: 'the boot loader found no kernel',
    todo: 'the kernel named in the boot loader configuration is not in the image' },
  { id: 'emergency-mode', pattern: /You are in emergency mode|Give root password for maintenance|Cannot open access to console, the root account is locked/, fatal: true,
    problem: 'systemd stopped in emergency mode',
    todo: 'a filesystem in /etc/fstab could not be mounted or checked: fix /etc/fstab in the image (nofail for optional disks)' },
  { id: 'no-dhcp', pattern: /No DHCPOFFERS received|Could not acquire DHCP|DHCP lease lost|Failed to start .*(networking|Raise network interfaces|Network Configuration)/, fatal: false,
    problem: 'the guest got no DHCP lease',
    todo: 'its network configuration does not run DHCP on the virtio NIC (interface name eth0/ens3/enp0s2?): enable DHCP for all en*/eth* interfaces in the image' },
  { id: 'cloud-init-seed', pattern: /not a valid seed/, fatal: false,
    problem: 'cloud-init could not read the context disk',
    todo: 'the NoCloud seed must be an ISO labelled cidata holding user-data and meta-data: check --cloud-init / the context files' },
  { id: 'cloud-init-schema', pattern: /Invalid cloud-config provided|Cloud config schema errors|cloud-config failed schema validation/, fatal: false,   // 22.4 | 25.1 wordings
    problem: 'the cloud-init user-data has schema errors (the keys or users it should set up may be missing)',
    todo: 'validate the #cloud-config (cloud-init schema -c FILE) and launch again' },
  { id: 'sshd-failed', pattern: /Failed to start .*(OpenBSD Secure Shell|ssh\.service|sshd)/, fatal: false,
    problem: 'sshd failed to start',
    todo: 'the SSH server configuration or host keys in the image are broken: check /etc/ssh/sshd_config and the host keys' },
];

/** The guest reached user space (host keys printed, a login prompt, cloud-init done). */
const GUEST_UP = /-----END SSH HOST KEY KEYS-----|^\S+ login:\s*$|Cloud-init v\. .* finished at|VM-CONTEXT-READY|Reached target .*Multi-User/;

export const SSHD_NOT_RUNNING: Omit<BootFinding, 'line'> = {
  id: 'sshd-not-running', fatal: true,
  problem: 'the guest is up but nothing answers SSH on port 22 (sshd not started: masked, disabled or not installed)',
  todo: 'enable the SSH server in the image (systemctl unmask ssh; systemctl enable ssh) or install openssh-server',
};

/** Seconds the guest may be up without sshd answering before that is a finding (TCG on a busy host is slow). */
export const SSHD_GRACE_S = 60;

const lines = (s: string) => s.replace(/\r/g, '').split('\n');

/** Every signature found, in the order of the table; the first fatal one is what blocks the boot. */
export function diagnose(serial: string, firmware = ''): BootFinding[] {
  const out: BootFinding[] = [];
  const serialLines = lines(serial);
  const last = [...serialLines].reverse().find(l => l.trim()) ?? '';
  for (const sig of BOOT_SIGNATURES) {
    const src = sig.source === 'firmware' ? lines(firmware) : serialLines;
    const line = sig.lastLine ? (sig.pattern.test(last) ? last : undefined) : src.find(l => sig.pattern.test(l));
    if (line !== undefined) out.push({ id: sig.id, problem: sig.problem, todo: sig.todo, fatal: sig.fatal, line: line.trim() });
  }
  return out;
}

/** The console line that shows the guest reached user space, if any. */
export function guestUpLine(serial: string): string | undefined {
  return lines(serial).find(l => GUEST_UP.test(l))?.trim();
}

/** Follows one boot: call `check` on every poll; it returns the findings not reported before. */
export class BootDoctor {
  private seen = new Set<string>();
  private upSince?: number;
  constructor(private readonly now = () => Date.now()) {}

  /** `ssh`: how the last login attempt went ('untried' while none was made since the guest came up). */
  check(serial: string, firmware: string, ssh: 'answered' | 'no-answer' | 'untried'): BootFinding[] {
    const found = diagnose(serial, firmware);
    const up = guestUpLine(serial);
    if (up && this.upSince === undefined) this.upSince = this.now();
    if (up && ssh === 'no-answer' && this.upSince !== undefined && this.now() - this.upSince >= SSHD_GRACE_S * 1000 && !found.some(f => f.id === 'sshd-failed')) {
      found.push({ ...SSHD_NOT_RUNNING, line: up });
    }
    const fresh = found.filter(f => !this.seen.has(f.id));
    fresh.forEach(f => this.seen.add(f.id));
    this.all = found;
    return fresh;
  }

  all: BootFinding[] = [];

  /** "problem — todo (console: line)" for an error message; undefined when nothing is known. */
  summary(): string | undefined {
    const f = this.all.find(x => x.fatal) ?? this.all[0];
    return f && formatFinding(f);
  }
}

export function formatFinding(f: BootFinding): string {
  return `${f.problem}. What to do: ${f.todo} (console: "${f.line.slice(0, 160)}")`;
}

/** An SSH error that means no SSH server spoke at all (as opposed to a server refusing the key). */
export function noSshAnswer(message: string): boolean {
  return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|before handshake|waiting for handshake|socket hang up|Connection (lost|closed)|timed out/i.test(message);
}
