import * as net from 'net';
import type { Host } from '../host/host';
import type { InstanceRecord, PortMapping } from './types';

/**
 * Published ports of instances on a remote host, reached from this machine: each is published on the
 * host's loopback and gets a listener on this machine's 127.0.0.1 that pipes every connection through
 * the host's one SSH connection (ssh2 forwardOut). The host's firewall is never opened. TCP only.
 * Listeners are unref'd: a CLI run never stays alive for them.
 */
export class PortForwards {
  private readonly open = new Map<string, Array<{ mapping: PortMapping; server: net.Server }>>();

  constructor(private readonly host: Host, private readonly log: (m: string) => void = () => undefined) {}

  /** The local side of a Running instance's ports (opened on first call); others are closed. */
  async sync(rec: InstanceRecord): Promise<PortMapping[] | undefined> {
    if (rec.state !== 'Running' || !rec.ports?.length) { this.close(rec.id); return undefined; }
    let fw = this.open.get(rec.id);
    if (!fw) {
      fw = [];
      this.open.set(rec.id, fw);
      for (const p of rec.ports.filter(x => x.proto === 'tcp')) {
        try { fw.push({ mapping: p, server: await this.listen(p) }); } catch (e) { this.log(`${rec.id}: cannot forward ${p.hostPort}: ${(e as Error).message}`); }
      }
    }
    return fw.map(f => ({ ...f.mapping, hostAddr: '127.0.0.1', hostPort: (f.server.address() as net.AddressInfo).port }));
  }

  close(id: string): void {
    for (const f of this.open.get(id) ?? []) f.server.close();
    this.open.delete(id);
  }

  closeAll(): void { for (const id of [...this.open.keys()]) this.close(id); }

  /** The same port number here when it is free (URLs read alike on both sides), else any. */
  private async listen(p: PortMapping): Promise<net.Server> {
    const server = net.createServer(sock => {
      sock.pause();
      this.host.connectTcp(p.hostAddr === '0.0.0.0' ? '127.0.0.1' : p.hostAddr, p.hostPort).then(ch => {
        sock.pipe(ch).pipe(sock);
        sock.resume();
        const end = () => { sock.destroy(); ch.destroy(); };
        sock.once('error', end); ch.once('error', end); sock.once('close', end); ch.once('close', end);
      }, e => { this.log(`forward to ${this.host.label}:${p.hostPort}: ${(e as Error).message}`); sock.destroy(); });
    });
    const bind = (port: number) => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
    await bind(p.hostPort).catch(() => bind(0));
    server.unref();
    return server;
  }
}
