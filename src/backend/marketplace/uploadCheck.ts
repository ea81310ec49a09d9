import * as path from 'path';
import { Worker } from 'worker_threads';
import { serverValidate } from '../../core/metadata/validate';
import type { TrustVerdict } from './trust';

export type UploadCheck = ReturnType<typeof serverValidate>;

/** A metadata entry has a few dozen elements, six levels deep; far beyond that is an attack or the wrong file. */
export const MAX_ELEMENTS = 10_000;
export const MAX_DEPTH = 64;
/**
 * Documents at most this big with at most INLINE_ELEMENTS elements are checked on the calling thread: a worker
 * costs ~100 ms to start, a typical entry (~40 elements) verifies in about as long, 150 elements in ~0.2 s.
 */
const INLINE_BYTES = 32 * 1024;
const INLINE_ELEMENTS = 150;
export const DEADLINE_MS = 10_000;
/** At most this many verification workers at once; further uploads wait for one. */
const MAX_WORKERS = 2;

/**
 * Counts elements and nesting depth in one linear pass over the text, before any parse or signature work
 * (both grow much faster than linearly on hostile input). Comments, CDATA and processing instructions are skipped.
 */
export function prescan(text: string): { elements: number; depth: number; problem?: string } {
  let elements = 0, depth = 0, max = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    const c = text.charCodeAt(i + 1);
    if (c === 0x21 /* ! */) {
      const end = text.startsWith('<!--', i) ? text.indexOf('-->', i + 4) : text.startsWith('<![CDATA[', i) ? text.indexOf(']]>', i + 9) : text.indexOf('>', i);
      if (end === -1) break;
      i = end;
    } else if (c === 0x3f /* ? */) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) break;
      i = end;
    } else if (c === 0x2f /* / */) {
      depth--;
    } else {
      elements++;
      const end = text.indexOf('>', i);
      if (end === -1) break;
      if (text.charCodeAt(end - 1) !== 0x2f) { depth++; if (depth > max) max = depth; }
      i = end;
    }
    if (elements > MAX_ELEMENTS) return { elements, depth: max, problem: `unable to parse metadata: more than ${MAX_ELEMENTS} elements; a metadata entry has a few dozen, check that this is the right file` };
    if (max > MAX_DEPTH) return { elements, depth: max, problem: `unable to parse metadata: elements nested deeper than ${MAX_DEPTH} levels; a metadata entry is a few levels deep, check that this is the right file` };
  }
  return { elements, depth: max };
}

/** The upload check on this thread: the limits first, then parse, signature, constraints (serverValidate). */
export function checkUploadNow(xml: string): UploadCheck {
  const scan = prescan(xml);
  if (scan.problem) return { ok: false, message: scan.problem };
  return serverValidate(xml);
}

let running = 0;
const waiting: Array<() => void> = [];

/**
 * The upload check without blocking the event loop for long: a typical entry is checked inline; a large
 * document goes to a worker thread that is terminated at the deadline.
 */
export async function checkUpload(xml: string, deadlineMs = DEADLINE_MS): Promise<UploadCheck> {
  if (xml.length <= INLINE_BYTES) {
    const scan = prescan(xml);
    if (scan.problem) return { ok: false, message: scan.problem };
    if (scan.elements <= INLINE_ELEMENTS) return serverValidate(xml);
  }
  return inWorker<UploadCheck>({ xml }, deadlineMs, m => ({ ok: false, message: m }));
}

/** Trust verdicts of several stored documents in one worker round trip (a page of the web list); undefined where it failed. */
export function verdictsInWorker(docs: string[], trusted: string[] | undefined, deadlineMs = DEADLINE_MS): Promise<Array<TrustVerdict | undefined>> {
  return inWorker<Array<TrustVerdict | undefined>>({ docs, trusted }, deadlineMs, () => docs.map(() => undefined));
}

/** tsc puts the worker beside this file (out/…); webpack emits dist/verify-worker.js beside the bundles. */
const workerFile = () => path.join(__dirname, 'verify-worker.js');

async function inWorker<T>(data: object, deadlineMs: number, failed: (message: string) => T): Promise<T> {
  if (running >= MAX_WORKERS) await new Promise<void>(r => waiting.push(r));
  running++;
  try {
    return await new Promise<T>(resolve => {
      const w = new Worker(workerFile(), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 512 } });
      let done = false;
      const finish = (r: T) => { if (done) return; done = true; clearTimeout(timer); void w.terminate(); resolve(r); };
      const timer = setTimeout(() => finish(failed(`unable to verify metadata within ${deadlineMs / 1000} s; metadata entries verify in milliseconds, check that this is the right file`)), deadlineMs);
      w.once('message', (r: T) => finish(r));
      w.once('error', e => finish(failed(`unable to verify metadata: ${e.message}`)));
      w.once('exit', code => finish(failed(`unable to verify metadata (verifier exited with code ${code})`)));
    });
  } finally { running--; waiting.shift()?.(); }
}
