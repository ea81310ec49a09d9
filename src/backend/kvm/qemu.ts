import * as net from 'net';
import * as path from 'path';
import { isMissing, type Host } from '../host/host';
import type { DomainDisk, DomainSpec, DomainState, Driver } from './driver';
import { checkedBridge, slirpNetdev } from './netargs';
import { QmpClient, QmpError, qemuOptValue } from './qmp';

/** Debian's setuid helper that puts a tap on a bridge allowed by /etc/qemu/bridge.conf. */
export const BRIDGE_HELPER = '/usr/lib/qemu/qemu-bridge-helper';

/** Where slirp guestfwd entries appear in the guest by default (10.0.2.2 is refused by slirp). */
export const GUESTFWD_ADDR = '10.0.2.100';

/**
 * The embedded driver: plain qemu-system-x86_64, daemonized, one folder per instance
 * (domain.json, qmp.sock, qemu.pid, serial.log). No daemon, so it also runs wherever qemu does.
 */
export class QemuDriver implements Driver {
  readonly name = 'qemu' as const;
  constructor(private readonly host: Host, private readonly root: string) {}

  dir(id: string): string { return path.join(this.root, id); }

  async define(spec: DomainSpec): Promise<void> {
    if (path.resolve(spec.dir) !== path.resolve(this.dir(spec.id))) throw new Error(`domain folder must be ${this.dir(spec.id)}`);
    await this.host.mkdirp(spec.dir);
    await this.host.writeFile(path.join(spec.dir, 'domain.json'), JSON.stringify(spec, null, 2));
  }

  async spec(id: string): Promise<DomainSpec> {
    return JSON.parse((await this.host.readFile(path.join(this.dir(id), 'domain.json'))).toString('utf8'));
  }

  async start(id: string): Promise<void> {
    const spec = await this.spec(id);
    const d = spec.dir;
    for (const f of ['qmp.sock', 'qemu.pid', 'serial.log', 'firmware.log']) await this.host.remove(path.join(d, f));
    await this.host.run(qemuArgv(spec), { cwd: d, timeoutMs: 60_000 });
  }

  async powerdown(id: string): Promise<void> { await this.qmp(id, 'system_powerdown'); }

  async destroy(id: string): Promise<void> {
    const pid = await this.livePid(id);
    if (!pid) return;
    try { await this.qmp(id, 'quit'); } catch { /* fall through to the signal */ }
    if (await this.waitPid(pid, id, 5_000)) return;
    await this.host.exec(['kill', '-KILL', String(pid)]);
    if (!(await this.waitPid(pid, id, 10_000))) throw new Error(`qemu (pid ${pid}) of ${id} does not stop`);
  }

  async undefine(id: string): Promise<void> { await this.host.remove(path.join(this.dir(id), 'domain.json')); }

  async state(id: string): Promise<DomainState> {
    if (!(await this.host.stat(path.join(this.dir(id), 'domain.json')))) return 'missing';
    if (!(await this.livePid(id))) return 'shutoff';
    try {
      const s = await this.qmp<{ status: string }>(id, 'query-status');
      return s.status === 'paused' || s.status === 'prelaunch' ? 'paused' : 'running';
    } catch {
      return 'running'; // alive but QMP busy or not up yet
    }
  }

  async waitStopped(id: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    // qemu unlinks its pid file while it is still exiting: follow the process itself, not the file
    const pid = await this.livePid(id);
    return pid ? this.waitPid(pid, id, timeoutMs, signal) : true;
  }

  private async waitPid(pid: number, id: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (!(await this.alive(pid, id))) return true;
      if (Date.now() >= end || signal?.aborted) return false;
      await new Promise(r => setTimeout(r, 250));
    }
  }

  async attachDisk(id: string, disk: DomainDisk & { id: string }): Promise<string> {
    const node = `d-${disk.id}`;
    await this.qmp(id, 'blockdev-add', {
      'node-name': node, driver: disk.format, 'read-only': !!disk.readonly,
      file: { driver: 'file', filename: disk.path, 'read-only': !!disk.readonly },
    });
    try {
      await this.qmp(id, 'device_add', { driver: 'scsi-hd', bus: 'scsi0.0', drive: node, id: disk.id, serial: disk.id.slice(0, 20) });
    } catch (e) {
      await this.qmp(id, 'blockdev-del', { 'node-name': node }).catch(() => undefined);
      throw e;
    }
    // the guest names SCSI disks in probe order; the serial gives a stable /dev/disk/by-id path
    return `disk/by-id/scsi-0QEMU_QEMU_HARDDISK_${disk.id.slice(0, 20)}`;
  }

  async detachDisk(id: string, diskId: string): Promise<void> {
    await this.qmp(id, 'device_del', { id: diskId });
    for (let i = 0; i < 40; i++) {   // the guest acknowledges the unplug asynchronously
      try { await this.qmp(id, 'blockdev-del', { 'node-name': `d-${diskId}` }); return; } catch (e) {
        if (!(e instanceof QmpError)) throw e;
        await new Promise(r => setTimeout(r, 250));
      }
    }
    throw new Error(`the guest did not release disk ${diskId}`);
  }

  async firmwareLog(id: string): Promise<string> {
    try { return (await this.host.readFile(path.join(this.dir(id), 'firmware.log'))).toString('utf8'); } catch { return ''; }
  }

  async consoleLog(id: string): Promise<string> {
    try { return (await this.host.readFile(path.join(this.dir(id), 'serial.log'))).toString('utf8'); } catch { return ''; }
  }

  async list(): Promise<string[]> {
    let names: string[];
    try { names = await this.host.readdir(this.root); } catch { return []; }
    const out: string[] = [];
    for (const n of names) if (await this.host.stat(path.join(this.root, n, 'domain.json'))) out.push(n);
    return out;
  }

  /** The qemu pid if that process is alive, not a zombie, and really this instance's qemu. */
  /** Pids seen per instance: qemu unlinks its pid file while it is still exiting. */
  private readonly seenPids = new Map<string, number>();

  async livePid(id: string): Promise<number | undefined> {
    let pid: number | undefined;
    try { pid = parseInt((await this.host.readFile(path.join(this.dir(id), 'qemu.pid'))).toString('utf8').trim(), 10); } catch (e) {
      // a lost connection says nothing about the guest: never report it stopped (that would fail the instance)
      if (!isMissing(e)) throw e;
      pid = this.seenPids.get(id);
    }
    if (!pid || !(pid > 0)) return undefined;
    if (await this.alive(pid, id)) { this.seenPids.set(id, pid); return pid; }
    this.seenPids.delete(id);
    return undefined;
  }

  /** The process exists, is not a zombie (killed daemons linger as zombies here) and is this instance's qemu. */
  private async alive(pid: number, id: string): Promise<boolean> {
    try {
      const stat = (await this.host.readFile(`/proc/${pid}/stat`)).toString('utf8');
      if (/\)\s+[ZX]\s/.test(stat)) return false;
      return (await this.host.readFile(`/proc/${pid}/cmdline`)).toString('utf8').includes(`stratus-${id}`);
    } catch (e) {
      if (!isMissing(e)) throw e;
      return false;
    }
  }

  async qmp<T = unknown>(id: string, command: string, args?: Record<string, unknown>): Promise<T> {
    const sock = path.join(this.dir(id), 'qmp.sock');
    if (this.host.kind === 'local') {
      const stream = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(sock); s.once('connect', () => resolve(s)); s.once('error', reject);
      });
      const c = await QmpClient.connect(stream);
      try { return await c.execute<T>(command, args); } finally { c.close(); }
    }
    // remote host: one socat per command through the host's exec channel
    const input = `{"execute":"qmp_capabilities"}\n${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`;
    const out = await this.host.run(['socat', '-t1', '-', `UNIX-CONNECT:${sock}`], { input, timeoutMs: 15_000 });
    const replies = out.split('\n').filter(l => l.trim()).map(l => JSON.parse(l)).filter(m => 'return' in m || 'error' in m);
    const last = replies[replies.length - 1];
    if (!last) throw new Error(`QMP: no reply to ${command}`);
    if (last.error) throw new QmpError(last.error.class, last.error.desc);
    return last.return as T;
  }
}

/**
 * Software emulation runs a multi-vCPU guest's vCPUs in one host thread, round-robin. Multi-threaded TCG
 * (QEMU 7.2, Debian 12's) lets a vCPU run code another vCPU is patching: Debian 13's kernel flips static keys
 * early in boot (sched_clock "Marking stable", the TSC clocksource switch) with int3-based live patching, and a
 * 4-vCPU guest on a busy 2-core host panicked in sched_clock ("Fatal exception in interrupt", RIP inside the
 * patched instruction). One thread makes vCPU switches happen only between translated blocks, as on
 * real hardware; a multi-vCPU guest boots slower under TCG (4 vCPUs: 44 s instead of 32 s here).
 */
export function tcgAccel(vcpu: number): string {
  return vcpu > 1 ? 'tcg,thread=single' : 'tcg';
}

/** The qemu command line of a domain: slirp per the network mode (SSH on 127.0.0.1 only), serial to a file. */
export function qemuArgv(spec: DomainSpec, bridgeHelper = BRIDGE_HELPER): string[] {
  const d = spec.dir;
  const netdev = slirpNetdev(spec);
  const bridge = checkedBridge(spec.network);
  const argv = [
    'qemu-system-x86_64', '-name', `stratus-${spec.id}`, '-machine', 'q35',
    ...(spec.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', tcgAccel(spec.vcpu)]),
    '-smp', String(spec.vcpu), '-m', String(spec.memoryMiB),
    '-device', 'virtio-scsi-pci,id=scsi0',   // hot-plug target for attached volumes
  ];
  spec.disks.forEach((disk, i) => {
    const opts = [`file=${qemuOptValue(disk.path)}`, `format=${disk.format}`];
    if (disk.id) opts.push(`id=${disk.id}`);
    if (disk.media === 'cdrom') opts.push('media=cdrom', 'if=ide', 'readonly=on');
    else opts.push('if=virtio', ...(disk.readonly ? ['readonly=on'] : i === 0 ? ['discard=unmap', 'detect-zeroes=unmap'] : []));
    argv.push('-drive', opts.join(','));
  });
  argv.push(
    '-netdev', netdev, '-device', 'virtio-net-pci,netdev=n0',
    ...(bridge !== undefined ? ['-netdev', `bridge,id=n1,br=${bridge},helper=${bridgeHelper}`, '-device', 'virtio-net-pci,netdev=n1'] : []),
    '-display', 'none', '-serial', `file:${path.join(d, 'serial.log')}`,
    // SeaBIOS's debug port: "No bootable device." is only said there (the boot doctor reads it)
    '-chardev', `file,id=fw,path=${qemuOptValue(path.join(d, 'firmware.log'))}`, '-device', 'isa-debugcon,iobase=0x402,chardev=fw',
    '-qmp', `unix:${qemuOptValue(path.join(d, 'qmp.sock'))},server=on,wait=off`,
    '-daemonize', '-pidfile', path.join(d, 'qemu.pid'),
  );
  return argv;
}

/** A free TCP port on the host's loopback (asked of the kernel; used at once for hostfwd). */
export async function freePort(host: Host): Promise<number> {
  if (host.kind === 'local') {
    return new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
  }
  const out = await host.run(['python3', '-c', 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])']);
  return parseInt(out.trim(), 10);
}
