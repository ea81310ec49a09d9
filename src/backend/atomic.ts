import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The one atomic file write: data goes to a temporary file beside the target (same file system, so the rename
 * is atomic) created with `mode`, then replaces the target. A reader sees the old file or the new one, never
 * half of one; a failed write removes its temporary file. Missing folders are made (`dirMode` for them).
 */
export function writeAtomic(file: string, data: string | Buffer, mode = 0o644, dirMode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: dirMode });
  const tmp = tmpName(file);
  try {
    fs.writeFileSync(tmp, data, { mode });
    fs.renameSync(tmp, file);
  } catch (e) { fs.rmSync(tmp, { force: true }); throw e; }
}

/** writeAtomic without blocking the thread. */
export async function writeAtomicAsync(file: string, data: string | Buffer, mode = 0o644, dirMode?: number): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: dirMode });
  const tmp = tmpName(file);
  try {
    await fs.promises.writeFile(tmp, data, { mode });
    await fs.promises.rename(tmp, file);
  } catch (e) { await fs.promises.rm(tmp, { force: true }); throw e; }
}

// Hidden, per process and random: two writers of one file never share a temporary file.
const tmpName = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
