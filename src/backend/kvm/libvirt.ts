import * as path from 'path';
import type { Host } from '../host/host';
import { HostCommandError } from '../host/host';
import type { DomainDisk, DomainSpec, DomainState, Driver } from './driver';
import { checkedBridge, slirpNetdev } from './netargs';

/** Our tag in a domain's <metadata>: only domains carrying it are ours (users' own VMs are never touched or shown). */
export const METADATA_NS = 'https://stratus.dev/libvirt/instance/1';
const PREFIX = 'stratus-';
/** A virsh call that takes longer than this means libvirtd is stuck: say so instead of waiting forever. */
const VIRSH_TIMEOUT_MS = 120_000;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/**
 * libvirt through `virsh` (what libvirt on a KVM server expects): domain type qemu (TCG) or kvm, disks as files in the instance
 * folder, slirp networking through <qemu:commandline> (libvirt 9's <interface type='user'> cannot
 * hostfwd) with an explicit PCI address for the NIC, serial console to a file. Works over SSH too,
 * since every call is host.run(argv).
 */
export class LibvirtDriver implements Driver {
  readonly name = 'libvirt' as const;
  constructor(private readonly host: Host, private readonly root: string, readonly uri = process.getuid?.() === 0 ? 'qemu:///system' : 'qemu:///session') {}

  private dom(id: string): string { return `${PREFIX}${id}`; }
  private dir(id: string): string { return (this.host.kind === 'local' ? path : path.posix).join(this.root, id); }
  private virsh(args: string[], opts: { input?: string } = {}): Promise<string> { return this.host.run(['virsh', '-q', '-c', this.uri, ...args], { timeoutMs: VIRSH_TIMEOUT_MS, ...opts }); }

  async define(spec: DomainSpec): Promise<void> {
    if (path.resolve(spec.dir) !== path.resolve(this.dir(spec.id))) throw new Error(`domain folder must be ${this.dir(spec.id)}`);
    await this.host.mkdirp(spec.dir);
    const file = path.join(spec.dir, 'domain.xml');
    await this.host.writeFile(file, domainXml(spec));
    if ((await this.state(spec.id)) !== 'missing') await this.undefine(spec.id);   // re-define needs an undefine first
    await this.virsh(['define', file]);
  }

  /** Whether a libvirt network (e.g. the NAT network 'default') is defined and active. */
  async networkActive(name: string): Promise<boolean> {
    const r = await this.host.exec(['virsh', '-q', '-c', this.uri, 'net-info', name]);
    return r.code === 0 && /^Active:\s+yes$/m.test(r.stdout);
  }

  async start(id: string): Promise<void> {
    await this.host.remove(path.join(this.dir(id), 'serial.log'));
    await this.virsh(['start', this.dom(id)]);
  }

  async powerdown(id: string): Promise<void> { await this.virsh(['shutdown', this.dom(id), '--mode', 'acpi']); }

  async destroy(id: string): Promise<void> {
    const s = await this.state(id);
    if (s === 'running' || s === 'paused') await this.virsh(['destroy', this.dom(id)]);
  }

  async undefine(id: string): Promise<void> {
    if ((await this.state(id)) === 'missing') return;
    await this.virsh(['undefine', this.dom(id)]);
  }

  async state(id: string): Promise<DomainState> {
    const r = await this.host.exec(['virsh', '-q', '-c', this.uri, 'domstate', this.dom(id)], { timeoutMs: VIRSH_TIMEOUT_MS });
    if (r.code !== 0) return 'missing';
    const s = r.stdout.trim();
    if (s === 'running' || s === 'in shutdown' || s === 'idle' || s === 'blocked') return 'running';
    if (s === 'paused' || s === 'pmsuspended') return 'paused';
    return 'shutoff';
  }

  async waitStopped(id: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.state(id);
      if (s === 'shutoff' || s === 'missing') return true;
      if (Date.now() >= end || signal?.aborted) return false;
      await new Promise(r => setTimeout(r, 500));
    }
  }

  async attachDisk(id: string, disk: DomainDisk & { id: string }): Promise<string> {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(disk.id)) throw new Error(`invalid disk id ${disk.id}`);
    const used = new Set((await this.virsh(['domblklist', this.dom(id)])).split('\n').map(l => l.trim().split(/\s+/)[0]).filter(Boolean));
    const dev = 'bcdefghijklmnopqrstuvwxyz'.split('').map(c => `sd${c}`).find(d => !used.has(d));
    if (!dev) throw new Error(`no free SCSI target left on ${id}`);
    const file = path.join(this.dir(id), `attach-${disk.id}.xml`);
    await this.host.writeFile(file, `<disk type='file' device='disk'><driver name='qemu' type='${disk.format}'/><source file='${esc(disk.path)}'/>` +
      `<target dev='${dev}' bus='scsi'/>${disk.readonly ? '<readonly/>' : ''}<serial>${esc(disk.id.slice(0, 20))}</serial><alias name='ua-${disk.id}'/></disk>\n`);
    try { await this.virsh(['attach-device', this.dom(id), file, '--live']); } finally { await this.host.remove(file); }
    // same stable guest path as the qemu driver: the serial names the disk
    return `disk/by-id/scsi-0QEMU_QEMU_HARDDISK_${disk.id.slice(0, 20)}`;
  }

  async detachDisk(id: string, diskId: string): Promise<void> {
    await this.virsh(['detach-device-alias', this.dom(id), `ua-${diskId}`, '--live']);
    for (let i = 0; i < 40; i++) {   // the guest acknowledges the unplug asynchronously
      const xml = await this.virsh(['dumpxml', this.dom(id)]);
      if (!xml.includes(`ua-${diskId}`)) return;
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error(`the guest did not release disk ${diskId}`);
  }

  async consoleLog(id: string): Promise<string> {
    try { return (await this.host.readFile(path.join(this.dir(id), 'serial.log'))).toString('utf8'); } catch { return ''; }
  }

  /** Our domains only: the name prefix AND our metadata element. */
  async list(): Promise<string[]> {
    let names: string[];
    try { names = (await this.virsh(['list', '--all', '--name'])).split('\n').map(s => s.trim()).filter(n => n.startsWith(PREFIX)); } catch (e) {
      if (e instanceof HostCommandError) return [];
      throw e;
    }
    const out: string[] = [];
    for (const n of names) {
      const r = await this.host.exec(['virsh', '-q', '-c', this.uri, 'metadata', n, '--uri', METADATA_NS]);
      if (r.code === 0 && r.stdout.includes('instance')) out.push(n.slice(PREFIX.length));
    }
    return out;
  }
}

/** The domain XML of a spec (exported for tests and for `virsh define` by hand). */
export function domainXml(spec: DomainSpec): string {
  const netdev = slirpNetdev(spec);
  const bridge = checkedBridge(spec.network);
  if (spec.libvirtNetwork !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(spec.libvirtNetwork)) throw new Error(`invalid libvirt network ${spec.libvirtNetwork}`);
  const nics: string[] = [];
  if (bridge !== undefined) nics.push(`    <interface type='bridge'><source bridge='${bridge}'/><model type='virtio'/></interface>`);
  if (spec.libvirtNetwork !== undefined) nics.push(`    <interface type='network'><source network='${spec.libvirtNetwork}'/><model type='virtio'/></interface>`);
  const disks: string[] = [];
  let vd = 0; let sata = 0;
  for (const d of spec.disks) {
    if (d.media === 'cdrom') {
      disks.push(`    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${esc(d.path)}'/><target dev='sd${'abcdef'[sata++]}' bus='sata'/><readonly/></disk>`);
    } else {
      const extra = d.readonly ? '<readonly/>' : '';
      const drv = vd === 0 && !d.readonly ? ` discard='unmap' detect_zeroes='unmap'` : '';
      disks.push(`    <disk type='file' device='disk'><driver name='qemu' type='${d.format}'${drv}/><source file='${esc(d.path)}'/><target dev='vd${'abcdefghijklmnop'[vd++]}' bus='virtio'/>${extra}</disk>`);
    }
  }
  const kvm = spec.accel === 'kvm';
  return `<domain type='${kvm ? 'kvm' : 'qemu'}' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>${PREFIX}${esc(spec.id)}</name>
  <title>${esc(spec.name)}</title>
  <metadata><stratus:instance xmlns:stratus='${METADATA_NS}' id='${esc(spec.id)}'/></metadata>
  <memory unit='MiB'>${spec.memoryMiB}</memory>
  <vcpu>${spec.vcpu}</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>${kvm ? "\n  <cpu mode='host-passthrough'/>" : ''}
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
  <devices>
${disks.join('\n')}
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <serial type='file'><source path='${esc(path.join(spec.dir, 'serial.log'))}'/><target port='0'/></serial>
    <video><model type='none'/></video>
    <memballoon model='none'/>
${nics.map(n => n + '\n').join('')}  </devices>
  <qemu:commandline>
    <qemu:arg value='-netdev'/><qemu:arg value='${esc(netdev)}'/>
    <qemu:arg value='-device'/><qemu:arg value='virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x10'/>
  </qemu:commandline>
</domain>
`;
}
