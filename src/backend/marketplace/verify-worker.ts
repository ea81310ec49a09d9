/**
 * Worker-thread entry: the upload check of a large document, so verification never blocks the server's event
 * loop. The main thread kills it at the deadline. webpack emits it as dist/verify-worker.js next to the bundles.
 */
import { parentPort, workerData } from 'worker_threads';
import { checkUploadNow } from './uploadCheck';

parentPort?.postMessage(checkUploadNow(String(workerData.xml)));
