import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dataLayout, DataLayout } from '../../../src/backend/paths';

const repo = path.resolve(__dirname, '..', '..', '..', '..');

let cached: string | undefined;
/** The cached Debian base image (built by scripts/setup-kvm.sh on first use, ~60-90 s). */
export function baseImage(): string {
  if (cached) return cached;
  if (process.env.STRATUS_TEST_BASE_IMAGE && fs.existsSync(process.env.STRATUS_TEST_BASE_IMAGE)) return (cached = process.env.STRATUS_TEST_BASE_IMAGE);
  const out = execFileSync('bash', [path.join(repo, 'scripts', 'setup-kvm.sh')], { encoding: 'utf8', env: { ...process.env, WITH_LIBVIRT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  cached = out.trim().split('\n').pop()!;
  if (!fs.existsSync(cached)) throw new Error(`setup-kvm.sh printed ${cached}, which does not exist`);
  return cached;
}

/** Why VM tests cannot run here, or undefined. */
export function vmSkipReason(): string | undefined {
  for (const tool of ['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'nbdcopy']) {
    try { execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }); } catch { return `${tool} is not installed (run scripts/setup.sh)`; }
  }
  if (process.getuid?.() !== 0 && !process.env.STRATUS_TEST_BASE_IMAGE) return 'building the base image needs root (or set STRATUS_TEST_BASE_IMAGE)';
  return undefined;
}

/** A throw-away data folder. */
export function tempData(prefix = 'stratus-kvm-'): DataLayout {
  return dataLayout(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function sha256File(p: string): string {
  return execFileSync('sha256sum', [p], { encoding: 'utf8' }).split(' ')[0];
}

/** Every qemu process whose command line names this instance (should be none after kill/shutdown). */
export function qemuProcessesOf(id: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      if (/\)\s+[ZX]\s/.test(stat)) continue;
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`stratus-${id}`)) out.push(Number(p));
    } catch { /* exited */ }
  }
  return out;
}
