// Import of a VirtualBox disk (VDI → qcow2 volume + identifier of its raw content) against the way
// seed 001 describes it, measured in the same run: `converttoraw` (qemu-img convert -O raw), gzip for
// publishing, sha1sum of the raw file for the identifier. Ours streams the raw bytes into the digests
// (nbdcopy) and never writes a raw copy; gzip happens only on export.
// usage: npx tsc -p . && node bench/import.mjs        (SIZE_MIB=512 DATA_MIB=128 RUNS=3)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const out = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'out', 'src');
const { VolumeStore } = require(path.join(out, 'backend/volumes/store.js'));
const { importImage } = require(path.join(out, 'backend/images/import.js'));

const SIZE = Number(process.env.SIZE_MIB ?? 512), DATA = Number(process.env.DATA_MIB ?? 128), RUNS = Number(process.env.RUNS ?? 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-bench-import-'));
const raw = path.join(tmp, 'src.img');
// a disk with DATA MiB of incompressible data scattered over SIZE MiB, the rest zero
execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, `${SIZE}M`]);
const fd = fs.openSync(raw, 'r+');
for (let i = 0; i < DATA; i++) fs.writeSync(fd, require('node:crypto').randomBytes(1 << 20), 0, 1 << 20, Math.floor((i * SIZE) / DATA) * (1 << 20));
fs.closeSync(fd);
const vdi = path.join(tmp, 'disk.vdi');
execFileSync('qemu-img', ['convert', '-O', 'vdi', raw, vdi]);
fs.rmSync(raw);

const time = async f => { const t = process.hrtime.bigint(); await f(); return Number(process.hrtime.bigint() - t) / 1e9; };
const naive = [], ours = [];
for (let r = 0; r < RUNS; r++) {
  naive.push(await time(() => {
    const img = path.join(tmp, 'naive.img');
    execFileSync('qemu-img', ['convert', '-f', 'vdi', '-O', 'raw', vdi, img]);
    execFileSync('sh', ['-c', `gzip -c "$1" > "$1.gz" && sha1sum "$1" > /dev/null`, 'sh', img]);
    fs.rmSync(img); fs.rmSync(`${img}.gz`);
  }));
  ours.push(await time(async () => {
    const store = new VolumeStore(path.join(tmp, `vol-${r}`));
    await importImage(store, vdi, { format: 'qcow2' });
    fs.rmSync(store.dir, { recursive: true });
  }));
}
const med = a => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`import of a ${SIZE} MiB VDI with ${DATA} MiB of data, median of ${RUNS}:`);
console.log(`  naive (convert to raw + gzip + sha1sum): ${med(naive).toFixed(2)} s`);
console.log(`  stratus import-image (qcow2 + streamed identifier + draft metadata): ${med(ours).toFixed(2)} s`);
console.log(`  ratio naive/ours: ${(med(naive) / med(ours)).toFixed(2)}×`);
fs.rmSync(tmp, { recursive: true, force: true });
