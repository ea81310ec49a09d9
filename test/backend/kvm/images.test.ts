import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHost } from '../../../src/backend/host/local';
import { exportImage, imageInfo, rawDigests } from '../../../src/backend/kvm/images';

const has = (t: string) => { try { execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }); return true; } catch { return false; } };
const skip = !has('qemu-img') || !has('nbdcopy') ? 'qemu-img and nbdcopy (libnbd-bin) are needed: run scripts/setup.sh' : undefined;

test('raw digests of an overlay chain equal the digests of its flattened raw export, without a raw copy', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-img-'));
  const host = new LocalHost();
  try {
    const raw = path.join(dir, 'base.img');
    const buf = Buffer.alloc(8 << 20); crypto.randomFillSync(buf, 0, 1 << 20);
    fs.writeFileSync(raw, buf);
    const base = path.join(dir, 'base.qcow2');
    execFileSync('qemu-img', ['convert', '-O', 'qcow2', raw, base]);
    const ov = path.join(dir, 'ov.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, ov]);
    execFileSync('qemu-io', ['-c', 'write -P 0x5a 4M 64k', ov], { stdio: 'ignore' });
    const d = await rawDigests(host, ov, 'qcow2');
    const flat = path.join(dir, 'flat.img');
    execFileSync('qemu-img', ['convert', '-O', 'raw', ov, flat]);
    const bytes = fs.readFileSync(flat);
    assert.equal(d.bytes, bytes.length);
    assert.equal(d.sha1, crypto.createHash('sha1').update(bytes).digest('hex'));
    assert.equal(d.sha512, crypto.createHash('sha512').update(bytes).digest('hex'));
    assert.notEqual(d.sha1, crypto.createHash('sha1').update(buf).digest('hex'), 'the overlay write is part of the content');
    assert.equal((await imageInfo(host, ov)).backingFile, base);

    const gz = await exportImage(host, ov, path.join(dir, 'out.img.gz'), 'img.gz');
    const inflated = execFileSync('gzip', ['-dc', gz], { maxBuffer: 64 << 20 });
    assert.equal(crypto.createHash('sha1').update(inflated).digest('hex'), d.sha1, 'the export keeps the identifier');
    const q = await exportImage(host, ov, path.join(dir, 'out.qcow2'), 'qcow2');
    assert.equal((await imageInfo(host, q)).backingFile, undefined, 'the qcow2 export is flattened');
    assert.equal((await rawDigests(host, q, 'qcow2')).sha1, d.sha1);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
