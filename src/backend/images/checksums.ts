import * as fs from 'fs';
import * as path from 'path';
import { LocalHost } from '../host/local';
import { addMissingChecksums, applyEdits, missingChecksums } from '../../core/metadata/fixes';
import { summarize } from '../../core/metadata/summary';
import { imageInfo, rawDigests } from '../kvm/images';

export interface CompleteOptions {
  /** The image the entry describes; else found beside `metadataFile` or, for a pdisk:localhost location, in `volumesDir`. */
  image?: string;
  metadataFile?: string;
  volumesDir?: string;
  signal?: AbortSignal;
}

export interface Completed {
  text: string;
  /** The algorithms that were missing (empty: nothing to do). */
  missing: string[];
  /** Where the missing checksums came from; undefined when they are still missing (no image found). */
  image?: string;
}

/**
 * A saved image's draft carries only bytes and the SHA-1 (all its identifier needs: computing the other three
 * at every save would triple its cost). Before an entry is signed or published the missing MD5/SHA-256/SHA-512
 * are computed here from the image, after checking that the image really is the one the entry names.
 */
export async function completeChecksums(text: string, o: CompleteOptions = {}): Promise<Completed> {
  const missing = missingChecksums(text);
  if (!missing.length) return { text, missing };
  const image = o.image ?? findImage(text, o);
  if (!image) return { text, missing };
  if (!fs.existsSync(image)) throw new Error(`image not found: ${image}`);
  const host = new LocalHost();
  const d = await rawDigests(host, image, (await imageInfo(host, image)).format, o.signal);
  const s = summarize(text);
  const sha1 = s.checksums['SHA-1'];
  if (sha1 && sha1 !== d.sha1) throw new Error(`${image} is not the image this entry describes: its SHA-1 is ${d.sha1}, the entry says ${sha1}`);
  if (s.bytes !== undefined && s.bytes !== d.bytes) throw new Error(`${image} is not the image this entry describes: it has ${d.bytes} bytes, the entry says ${s.bytes}`);
  return { text: applyEdits(text, addMissingChecksums(text, d)), missing, image };
}

/** `<uuid>.metadata.xml` sits beside its volume `<uuid>.qcow2`; a draft's location is `pdisk:localhost:PORT:<uuid>`. */
function findImage(text: string, o: CompleteOptions): string | undefined {
  const candidates: string[] = [];
  if (o.metadataFile) {
    const stem = o.metadataFile.replace(/\.metadata\.xml$|\.xml$/i, '');
    candidates.push(`${stem}.qcow2`, `${stem}.img`);
  }
  if (o.volumesDir) {
    for (const loc of summarize(text).locations) {
      const m = /^pdisk:localhost:\d+:([0-9a-f-]{36})$/i.exec(loc.trim());
      if (m) candidates.push(path.join(o.volumesDir, `${m[1]}.qcow2`), path.join(o.volumesDir, `${m[1]}.img`));
    }
  }
  return candidates.find(f => fs.existsSync(f));
}
