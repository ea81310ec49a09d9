import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Host, TransferOptions } from './host';

/**
 * Puts a local image into `dir` on a (remote) host for launching there: uploaded once (resumable, verified
 * by SHA-256 in SshHost.upload); an existing copy with the same size and SHA-256 is reused, not re-sent.
 * Returns the path on the host. On the local host it returns the file itself.
 */
export async function stageImage(host: Host, localPath: string, dir: string, opts: TransferOptions = {}): Promise<string> {
  if (host.kind === 'local') return localPath;
  const target = path.posix.join(dir, path.basename(localPath));
  const local = await fs.promises.stat(localPath);
  const there = await host.stat(target);
  if (there && there.size === local.size) {
    const [a, b] = await Promise.all([sha256(localPath), host.run(['sha256sum', '--', target]).then(o => o.split(/\s/)[0])]);
    if (a === b) { opts.onProgress?.(local.size, local.size); return target; }
  }
  await host.mkdirp(dir);
  await host.upload(localPath, target, opts);
  return target;
}

async function sha256(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const c of fs.createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}
