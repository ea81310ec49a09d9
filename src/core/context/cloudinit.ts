import { randomInt } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

/**
 * `stratus-prepare-context` and the cloud-init context pairs (docs/stratuslab.md#contextualization), reproducing the original's
 * `cloudinit/Util.py` byte for byte except where it is random (MIME boundary, gzip mtime).
 * Bytes are carried as latin1 strings so file contents pass through unchanged, as in Python 2.
 */

export const MAX_BYTES = 16384;
export const sizeErrorMessage = (n: number) => `multipart size (${n}) exceeds limit (${MAX_BYTES})`;

export class ContextError extends Error {
  /** `usage`: the arguments are malformed (CLI exit 2); otherwise a file or value is wrong (exit 1). */
  constructor(message: string, readonly usage = false) { super(message); }
}

/** Python 2 `str.strip()` (ASCII whitespace only; JS trim would also eat U+00A0 of latin1 text). */
export const pyStrip = (s: string) => s.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');

export interface MimetypePair { mimetype: string; filename: string }
export interface ContextPart extends MimetypePair { content: Buffer }

/** `_mimetype_tuples`: blank arguments dropped, each split on exactly one comma, both sides stripped. */
export function parseMimetypePairs(args: string[]): MimetypePair[] {
  return args.map(pyStrip).filter(Boolean).map(a => {
    const bits = a.split(',');
    if (bits.length !== 2) throw new ContextError(`invalid CloudInit mimetype pair: '${a}'`, true);
    return { mimetype: pyStrip(bits[0]), filename: pyStrip(bits[1]) };
  });
}

/** Python 2 `email` random boundary: 15 '=', a 19-digit zero-padded number, '=='. */
export function randomBoundary(): string {
  let digits = '';
  for (let i = 0; i < 19; i++) digits += String(randomInt(10));
  return `===============${digits}==`;
}

/** Python 2 `email.header._split_ascii`: break at ';', then ',', then ' ' to fit the line lengths. */
function splitAscii(s: string, firstlen: number, restlen: number, splitchars: string): string[] {
  const lines: string[] = [];
  let maxlen = firstlen;
  for (const raw of s.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line.length < maxlen) { lines.push(line); maxlen = restlen; continue; }
    const ch = [...splitchars].find(c => line.includes(c));
    if (!ch) { lines.push(line); maxlen = restlen; continue; }
    const eol = ';,'.includes(ch) ? ch : '';
    const joiner = eol + ' ';
    let cur: string[] = []; let linelen = 0;
    for (const part of line.split(new RegExp(`${ch === ' ' ? ' ' : '\\' + ch}\\s*`))) {
      const curlen = linelen + Math.max(0, cur.length - 1) * joiner.length;
      if (ch === ' ' && lines.length === 0 && cur.length === 1 && /^[\x21-\x7e]+:$/.test(cur[0])) {
        cur.push(part); linelen += part.length;
      } else if (curlen + part.length > maxlen) {
        if (cur.length) lines.push(cur.join(joiner) + eol);
        if (part.length > maxlen && ch !== ' ') {
          const sub = splitAscii(part, maxlen, restlen, ' ');
          lines.push(...sub.slice(0, -1));
          cur = [sub[sub.length - 1]];
        } else cur = [part];
        linelen = 1 + cur[cur.length - 1].length;
        maxlen = restlen;
      } else { cur.push(part); linelen += part.length; }
    }
    if (cur.length) lines.push(cur.join(joiner));
  }
  return lines;
}

/** A header line as Python 2's Generator writes it (`Header(v, 78, name).encode()`; 8-bit values unfolded). */
function header(name: string, value: string): string {
  if (/[^\x00-\x7f]/.test(value)) return `${name}: ${value}\n`;
  const first = 78 - name.length - 2;
  const target = first - 1 < 0 ? first : first - 1;
  const chunks = value.length <= target ? [value] : splitAscii(value, target, 77, ';, ');
  const out: string[] = [];
  for (const c of chunks) {
    if (!c) continue;
    const extra = out.length && out[out.length - 1].endsWith(' ') ? '' : ' ';
    if (!out.length) out.push(c.replace(/^\s+/, ''));
    else if (out[out.length - 1].length + c.length <= first) out[out.length - 1] += extra + c;
    else out.push(c.replace(/^\s+/, ''));
  }
  return `${name}: ${out.join('\n ')}\n`;
}

function quoteParam(v: string): string { return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"'); }

/** MIMEText(content, subtype) + Content-Disposition, as Generator(mangle_from_=True) writes it. */
function textPart(mimetype: string, filename: string, content: string): string {
  return header('Content-Type', `text/${mimetype}; charset="us-ascii"`) + 'MIME-Version: 1.0\n' +
    'Content-Transfer-Encoding: 7bit\n' + header('Content-Disposition', `attachment; filename="${quoteParam(filename)}"`) +
    '\n' + content.replace(/^From /gm, '>From ');
}

/**
 * `create_multipart_string_from_files`: one text part per file, named by its basename; at the
 * first 'none' part the user data is that file's raw content alone.
 */
export function createMultipart(parts: ContextPart[], boundary = randomBoundary()): Buffer {
  const texts: string[] = [];
  for (const p of parts) {
    if (p.mimetype === 'none') return p.content;
    texts.push(textPart(p.mimetype, p.filename.slice(p.filename.lastIndexOf('/') + 1), p.content.toString('latin1')));  // os.path.basename
  }
  let out = header('Content-Type', `multipart/mixed; boundary="${boundary}"`) + 'MIME-Version: 1.0\n\n';
  out += `--${boundary}\n` + (texts.shift() ?? '');
  for (const t of texts) out += `\n--${boundary}\n` + t;
  out += `\n--${boundary}--\n`;
  return Buffer.from(out, 'latin1');
}

/** GzipFile('', 'wb', 9): no file name, XFL 2, OS 255 (as Python 2 writes it). */
export function gzipLikePython(data: Buffer, mtime = Math.floor(Date.now() / 1000)): Buffer {
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
  head.writeUInt32LE(mtime >>> 0, 4);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(zlib.crc32 ? zlib.crc32(data) >>> 0 : crc32(data), 0);
  tail.writeUInt32LE(data.length >>> 0, 4);
  return Buffer.concat([head, zlib.deflateRawSync(data, { level: 9 }), tail]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) { c ^= b; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c >>> 0;
}

/** `encode_multipart`: gzip, enforce the 16 KiB limit on the gzipped size, base64. */
export function encodeUserData(data: Buffer, mtime?: number): string {
  const gz = gzipLikePython(data, mtime);
  if (gz.length > MAX_BYTES) throw new ContextError(sizeErrorMessage(gz.length));
  return gz.toString('base64');
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 (what Python's b64decode would accept without junk); undefined if it isn't. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const t = text.trim();
  if (t.length % 4 !== 0 || !B64.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

/** `decode_multipart`: base64 → (size check) → gunzip. */
export function decodeUserData(b64: string): Buffer {
  const gz = decodeBase64Strict(b64);
  if (!gz) throw new ContextError('CLOUD_INIT_USER_DATA is not valid base64');
  if (gz.length > MAX_BYTES) throw new ContextError(sizeErrorMessage(gz.length));
  try { return zlib.gunzipSync(gz); } catch (e) { throw new ContextError(`CLOUD_INIT_USER_DATA is not gzip data: ${(e as Error).message}`); }
}

/** `create_authorized_keys_from_files`: per file, stripped lines without 'Comment:' joined by '\n', plus '\n'. */
export function authorizedKeys(files: Buffer[]): string {
  let out = '';
  for (const f of files) {
    const text = f.toString('latin1');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop(); // Python's `for line in f` yields no empty tail
    out += lines.map(pyStrip).filter(l => !l.startsWith('Comment:')).join('\n') + '\n';
  }
  return out;
}

export interface ContextFileOptions { separator?: string; boundary?: string; mtime?: number; defaultPublicKey?: Buffer }

/** `context_file`: the CONTEXT_METHOD / CLOUD_INIT_AUTHORIZED_KEYS / CLOUD_INIT_USER_DATA lines. */
export function contextFile(parts: ContextPart[], opts: ContextFileOptions = {}): string {
  const keys = parts.filter(p => p.mimetype === 'ssh').map(p => p.content);
  if (!keys.length && opts.defaultPublicKey) keys.push(opts.defaultPublicKey);
  const userParts = parts.filter(p => p.mimetype !== 'ssh');
  const kv = ['CONTEXT_METHOD=cloud-init'];
  if (keys.length) kv.push(`CLOUD_INIT_AUTHORIZED_KEYS=${Buffer.from(authorizedKeys(keys), 'latin1').toString('base64')}`);
  if (userParts.length) kv.push(`CLOUD_INIT_USER_DATA=${encodeUserData(createMultipart(userParts, opts.boundary), opts.mtime)}\n`);
  return kv.join(opts.separator ?? '\n');
}

/**
 * A pair's file name as a shell would have expanded it: the user guide writes `'ssh,$HOME/.ssh/id_rsa.pub#…'` inside
 * single quotes, where the shell leaves `$HOME` alone, so `$VAR`, `${VAR}` and a leading `~` are expanded here — only
 * when no file has the literal name. An unset variable stays as written (the error then names it).
 */
export function expandFileName(name: string, env: NodeJS.ProcessEnv = process.env, exists: (f: string) => boolean = fs.existsSync): string {
  if (!/[$~]/.test(name) || exists(name)) return name;
  return name.replace(/^~(?=$|\/)/, () => env.HOME || os.homedir())
    .replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (m, a?: string, b?: string) => env[(a ?? b)!] ?? m);
}

/** Reads the files named by `mimetype,filename` arguments (relative to cwd; `$HOME`, `${VAR}`, `~` expanded). */
export async function readParts(args: string[], cwd = process.cwd()): Promise<ContextPart[]> {
  const out: ContextPart[] = [];
  for (const p of parseMimetypePairs(args)) {
    const name = expandFileName(p.filename, process.env, f => fs.existsSync(path.resolve(cwd, f)));
    const file = path.resolve(cwd, name);
    let content: Buffer;
    try { content = await fs.promises.readFile(file); } catch (e) {
      const shown = name === p.filename ? p.filename : `${p.filename} (${name})`;
      throw new ContextError(`Cannot read ${shown} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) — give an existing file as ${p.mimetype},FILE`);
    }
    out.push({ ...p, content });
  }
  return out;
}

/** The exact text `stratus-prepare-context ARGS…` writes to cloud-init.txt. */
export async function prepareContext(args: string[], opts: ContextFileOptions & { cwd?: string } = {}): Promise<string> {
  return contextFile(await readParts(args, opts.cwd), opts) + '\n';
}
