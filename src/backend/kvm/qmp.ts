import type { Duplex } from 'stream';

/** A QMP error reply ({"error": {"class", "desc"}}). */
export class QmpError extends Error {
  constructor(readonly klass: string, desc: string) { super(desc); }
}

export interface QmpEvent { event: string; data?: unknown; timestamp?: unknown }

/**
 * Minimal QMP client over one stream: greeting, qmp_capabilities, then id-matched commands.
 * Events are delivered to onEvent; a closed stream rejects everything pending.
 */
export class QmpClient {
  private buf = '';
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private greeted!: Promise<void>;
  private closed: Error | undefined;
  onEvent?: (e: QmpEvent) => void;

  private constructor(private readonly stream: Duplex) {}

  /** Waits for the greeting and negotiates capabilities. */
  static async connect(stream: Duplex, timeoutMs = 10_000): Promise<QmpClient> {
    const c = new QmpClient(stream);
    c.greeted = new Promise((resolve, reject) => {
      const t = setTimeout(() => { reject(new Error('QMP: no greeting (is this a QMP socket?)')); stream.destroy(); }, timeoutMs);
      c.onGreeting = () => { clearTimeout(t); resolve(); };
      c.onFailure = e => { clearTimeout(t); reject(e); };
    });
    stream.setEncoding?.('utf8');
    stream.on('data', (d: string | Buffer) => c.receive(String(d)));
    stream.on('error', e => c.fail(e));
    stream.on('end', () => c.fail(new Error('QMP connection closed')));
    stream.on('close', () => c.fail(new Error('QMP connection closed')));
    await c.greeted;
    await c.execute('qmp_capabilities');
    return c;
  }

  private onGreeting: () => void = () => {};
  private onFailure: (e: Error) => void = () => {};

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    if (!this.stream.writable) return Promise.reject(new Error('QMP connection closed'));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: v => resolve(v as T), reject });
      this.stream.write(JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + '\n');
    });
  }

  close(): void { this.stream.end(); this.stream.destroy(); }

  private receive(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let m: { QMP?: unknown; event?: string; id?: number; return?: unknown; error?: { class: string; desc: string } };
      try { m = JSON.parse(line); } catch { this.fail(new Error(`QMP: unparsable reply ${line.slice(0, 80)}`)); return; }
      if (m.QMP) this.onGreeting();
      else if (m.event) this.onEvent?.(m as QmpEvent);
      else if (typeof m.id === 'number' && this.pending.has(m.id)) {
        const p = this.pending.get(m.id)!;
        this.pending.delete(m.id);
        if (m.error) p.reject(new QmpError(m.error.class, m.error.desc)); else p.resolve(m.return);
      }
    }
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    this.onFailure(e);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** qemu -drive/-netdev option values: a comma inside a value is written as ",,". */
export function qemuOptValue(v: string): string { return v.replace(/,/g, ',,'); }
