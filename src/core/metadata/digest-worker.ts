/**
 * Source of the digest worker thread, run with `new Worker(source, { eval: true })` so it survives bundling
 * (a separate worker file would have to be shipped next to dist/*.js). Each worker owns some algorithms and
 * hashes slices of a SharedArrayBuffer the main thread fills; it acknowledges each slot so it can be reused.
 */
export const DIGEST_WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const crypto = require('crypto');
const hashes = workerData.algorithms.map(a => crypto.createHash(a));
const shared = Buffer.from(workerData.buffer);
parentPort.on('message', m => {
  if (m.type === 'chunk') {
    const view = shared.subarray(m.offset, m.offset + m.length);
    for (const h of hashes) h.update(view);
    parentPort.postMessage({ type: 'ack', slot: m.slot });
  } else if (m.type === 'end') {
    parentPort.postMessage({ type: 'digests', digests: hashes.map(h => h.digest('hex')) });
  }
});
`;
