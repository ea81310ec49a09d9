import * as path from 'path';
import type { Host } from '../host/host';

export interface AccelVerdict { accel: 'kvm' | 'tcg'; reason: string; probedAt?: string }

/** How long a kernel may take to reach its root-mount panic under KVM (TCG needs ~6 s; real KVM < 2 s). */
const PROBE_TIMEOUT_MS = 15_000;

/**
 * KVM only if /dev/kvm actually boots a guest: a present /dev/kvm is no proof (a nested PVM kvm
 * cannot boot a stock kernel). The probe boots the guest kernel without root fs under -accel kvm
 * and waits for its "VFS: Unable to mount root" panic; the verdict is cached in `cacheFile`.
 */
export async function probeAcceleration(host: Host, opts: { cacheFile: string; kernel?: string; mode?: 'auto' | 'kvm' | 'tcg'; signal?: AbortSignal }): Promise<AccelVerdict> {
  if (opts.mode === 'tcg') return { accel: 'tcg', reason: 'software emulation (TCG) chosen by the stratus.kvm.acceleration setting' };
  if (opts.mode === 'kvm') return { accel: 'kvm', reason: 'KVM forced by the stratus.kvm.acceleration setting (not probed)' };
  const kvm = await host.stat('/dev/kvm');
  if (!kvm) return { accel: 'tcg', reason: 'no /dev/kvm on this host: using software emulation (TCG), boots are slower' };
  const key = `${opts.kernel ?? ''}|${await host.exec(['uname', '-r']).then(r => r.stdout.trim(), () => '')}|${kvm.mtimeMs}`;
  try {
    const cached = JSON.parse((await host.readFile(opts.cacheFile)).toString('utf8'));
    if (cached.key === key && (cached.accel === 'kvm' || cached.accel === 'tcg')) return { accel: cached.accel, reason: cached.reason, probedAt: cached.probedAt };
  } catch { /* no cache yet */ }
  let verdict: AccelVerdict;
  if (!opts.kernel || !(await host.stat(opts.kernel))) {
    verdict = { accel: 'tcg', reason: '/dev/kvm is present but no probe kernel was found to prove it boots a guest: using software emulation (TCG); set stratus.kvm.acceleration to "kvm" to force it' };
  } else {
    const t0 = Date.now();
    // coreutils' timeout kills the probe even when this process (an editor window, a test) goes away first
    const limit = String(Math.ceil(PROBE_TIMEOUT_MS / 1000));
    const r = await host.exec(['timeout', '-s', 'KILL', limit, 'qemu-system-x86_64', '-accel', 'kvm', '-machine', 'q35', '-m', '256', '-nodefaults', '-display', 'none',
      '-serial', 'stdio', '-no-reboot', '-kernel', opts.kernel, '-append', 'console=ttyS0 panic=-1 quiet'],
    { timeoutMs: PROBE_TIMEOUT_MS + 5000, signal: opts.signal }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    verdict = /Kernel panic|VFS: Unable to mount root/.test(r.stdout)
      ? { accel: 'kvm', reason: `KVM boots a guest kernel on this host (probe: ${secs} s)` }
      : { accel: 'tcg', reason: `/dev/kvm is present but a test kernel did not boot under KVM within ${secs} s (${r.code === 137 ? `killed after ${limit} s` : lastLine(r.stderr || r.stdout)}): using software emulation (TCG), boots are slower` };
  }
  verdict.probedAt = new Date().toISOString();
  await host.mkdirp(path.dirname(opts.cacheFile));
  await host.writeFile(opts.cacheFile, JSON.stringify({ key, ...verdict }, null, 2));
  return verdict;
}

function lastLine(s: string): string { return s.trim().split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 160) ?? 'no output'; }
