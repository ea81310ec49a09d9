import type { Host } from '../host/host';

/**
 * CPU use of guest processes in percent of one core (a 4-vCPU guest can show up to 400, as the original's
 * cpu% column): the utime+stime ticks of /proc/PID/stat counted over `sampleMs`, on the host the guests run on.
 * A pid that disappears meanwhile is left out.
 */
export async function cpuPercent(host: Host, pids: number[], sampleMs = 500): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!pids.length) return out;
  const sample = async () => {
    // one round trip per sample (remote hosts): every stat file, then the tick rate; missing pids are skipped by cat
    const r = await host.exec(['sh', '-c', 'for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done; getconf CLK_TCK', 'cpu', ...pids.map(String)]);
    const lines = r.stdout.trim().split('\n');
    const hz = Number(lines.pop()) || 100;
    const ticks = new Map<number, number>();
    for (const l of lines) {
      // the command name (field 2) may hold spaces: fields are counted after its closing parenthesis
      const rest = l.slice(l.lastIndexOf(')') + 2).split(' ');
      ticks.set(parseInt(l, 10), Number(rest[11]) + Number(rest[12]));   // utime, stime (fields 14, 15)
    }
    return { ticks, hz, at: Date.now() };
  };
  const a = await sample();
  await new Promise(r => setTimeout(r, sampleMs));
  const b = await sample();
  const secs = (b.at - a.at) / 1000;
  for (const [pid, t] of b.ticks) {
    const t0 = a.ticks.get(pid);
    if (t0 !== undefined && secs > 0) out.set(pid, Math.max(0, Math.round(((t - t0) / b.hz / secs) * 100)));
  }
  return out;
}
