/**
 * Worker-thread entry: the upload check of a large document, or the trust verdicts of a page of entries, so
 * verification never blocks the server's event loop. The main thread kills it at the deadline. webpack emits
 * it as dist/verify-worker.js next to the bundles.
 */
import { parentPort, workerData } from 'worker_threads';
import { checkUploadNow } from './uploadCheck';
import { trustVerdict } from './trust';

const job = workerData as { xml?: string; docs?: string[]; trusted?: string[] };
if (job.docs) parentPort?.postMessage(job.docs.map(d => { try { return trustVerdict(d, { trusted: job.trusted }); } catch { return undefined; } }));
else parentPort?.postMessage(checkUploadNow(String(job.xml)));
