import type { Host } from './host';

/**
 * Checks run on a KVM host before big work (launch, save, image builds): room where images and overlays go,
 * whether temp dirs are RAM-backed, and the QEMU/KVM/libvirt tools. Each item says what to do when it fails.
 * All checks run concurrently over the host's one connection.
 */

export interface PreflightItem {
  id: string;
  label: string;
  ok: boolean;
  /** 'error' blocks the work; 'warning' is shown but does not. */
  severity: 'error' | 'warning';
  detail: string;
  fix?: string;
}

export interface PreflightOptions {
  /** Where base images and saved images go on that host. */
  imagesDir: string;
  /** Where instance overlays go. */
  instancesDir: string;
  /** Minimum free bytes wanted in each of those (default 10 GiB). */
  minFreeBytes?: number;
  tmpDirs?: string[];
  /** Also require virsh (libvirt driver). */
  libvirt?: boolean;
}

const GiB = 1024 ** 3;
const fmt = (n: number) => (n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(0)} MiB`);

async function tool(host: Host, id: string, argv: string[], label: string, fix: string, severity: 'error' | 'warning' = 'error'): Promise<PreflightItem> {
  try {
    const r = await host.exec(argv, { timeoutMs: 20_000 });
    const first = (r.stdout || r.stderr).trim().split('\n')[0] ?? '';
    if (r.code === 0) return { id, label, ok: true, severity, detail: first };
    return { id, label, ok: false, severity, detail: r.code === 127 ? `${argv[0]} is not installed` : `${argv.join(' ')} exited ${r.code}: ${first}`, fix };
  } catch (e) {
    return { id, label, ok: false, severity, detail: `${argv[0]}: ${(e as Error).message}`, fix };
  }
}

async function space(host: Host, id: string, label: string, dir: string, min: number): Promise<PreflightItem> {
  try {
    const free = await host.freeSpace(dir);
    return { id, label, ok: free >= min, severity: 'error', detail: `${fmt(free)} free for ${dir}`,
      fix: free >= min ? undefined : `Free at least ${fmt(min - free)} on the filesystem holding ${dir} on ${host.label}, or point Stratus's data folder on that host to a bigger disk.` };
  } catch (e) {
    return { id, label, ok: false, severity: 'error', detail: (e as Error).message, fix: `Check that ${dir} (or a parent) exists and is readable on ${host.label}.` };
  }
}

async function tmpfs(host: Host, dir: string): Promise<PreflightItem> {
  const id = `tmp:${dir}`, label = `Temp dir ${dir} on disk`;
  const r = await host.exec(['stat', '-f', '-c', '%T', dir]).catch(e => ({ code: 1, stdout: '', stderr: (e as Error).message }));
  if (r.code !== 0) return { id, label, ok: true, severity: 'warning', detail: `${dir} not found (not used)` };
  const type = r.stdout.trim();
  const ram = type === 'tmpfs' || type === 'ramfs';
  let detail = `${dir} is ${type}`;
  if (ram) detail += await host.freeSpace(dir).then(f => ` (${fmt(f)} free, counted against RAM)`, () => '');
  return { id, label, ok: !ram, severity: 'warning', detail,
    fix: ram ? `Large temporary files (image conversion, downloads) would fill RAM: Stratus writes them next to the images instead; keep it that way or set TMPDIR on ${host.label} to a disk-backed directory.` : undefined };
}

export async function preflight(host: Host, o: PreflightOptions): Promise<PreflightItem[]> {
  const min = o.minFreeBytes ?? 10 * GiB;
  const checks: Array<Promise<PreflightItem>> = [
    space(host, 'space:images', 'Free space for images', o.imagesDir, min),
    space(host, 'space:instances', 'Free space for instance overlays', o.instancesDir, min),
    ...(o.tmpDirs ?? ['/tmp', '/var/tmp']).map(d => tmpfs(host, d)),
    tool(host, 'qemu-system', ['qemu-system-x86_64', '--version'], 'QEMU (qemu-system-x86_64)', `Install QEMU on ${host.label}: apt-get install qemu-system-x86 (Debian/Ubuntu) or dnf install qemu-kvm.`),
    tool(host, 'qemu-img', ['qemu-img', '--version'], 'qemu-img', `Install qemu-img on ${host.label}: apt-get install qemu-utils.`),
    tool(host, 'kvm', ['test', '-r', '/dev/kvm', '-a', '-w', '/dev/kvm'], 'KVM acceleration (/dev/kvm)',
      `Enable virtualization in the BIOS, load the module (modprobe kvm_intel or kvm_amd) and give the SSH user access (usermod -aG kvm USER). Without it guests run 10-50x slower.`, 'warning'),
    tool(host, 'virsh', ['virsh', '--version'], 'libvirt (virsh)', `Install libvirt on ${host.label}: apt-get install libvirt-daemon-system libvirt-clients — or use the direct QEMU driver.`, o.libvirt ? 'error' : 'warning'),
  ];
  const items = await Promise.all(checks);
  const kvm = items.find(i => i.id === 'kvm');
  if (kvm?.ok) kvm.detail = '/dev/kvm is usable';
  else if (kvm) kvm.detail = '/dev/kvm is missing or not writable by the SSH user';
  return items;
}

export function preflightBlocks(items: PreflightItem[]): PreflightItem[] { return items.filter(i => !i.ok && i.severity === 'error'); }

export function formatChecklist(items: PreflightItem[]): string {
  return items.map(i => `${i.ok ? '✔' : i.severity === 'error' ? '✘' : '!'} ${i.label}: ${i.detail}${!i.ok && i.fix ? `\n    → ${i.fix}` : ''}`).join('\n');
}
