import * as zlib from 'zlib';
import type { Severity, SourceRange } from '../metadata/types';
import { MAX_BYTES, decodeBase64Strict, sizeErrorMessage } from './cloudinit';

/**
 * Context files: `*.context` (stratuslab-one-context conf.d, shell `key=value`), and KEY=VALUE
 * files given to `--context-file` (`cloud-init.txt`, `*.ctx`), parsed as `Runner._manageExtraContext` does.
 */
export type ContextFileKind = 'one-context' | 'key-value';

export interface ContextDiagnostic { severity: Severity; code: string; message: string; range: SourceRange }
export interface ContextEntry { key: string; value: string; line: number; keyRange: SourceRange; valueRange: SourceRange }
export interface ContextHover { range: SourceRange; markdown: string }

export function contextFileKind(fileName: string): ContextFileKind | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  if (base.endsWith('.context')) return 'one-context';
  if (base === 'cloud-init.txt' || base.endsWith('.ctx')) return 'key-value';
  return undefined;
}

/** Variables read by the shipped one-context scripts and the cloud-init pairs (docs/stratuslab.md#contextualization). */
export const KNOWN_VARIABLES: Record<string, string> = {
  CONTEXT_METHOD: 'Contextualization method: `cloud-init` builds a `_CLOUD_INIT` disk from the CLOUD_INIT_* values; anything else uses the OpenNebula/StratusLab `_STRATUSLAB` CD-ROM.',
  CLOUD_INIT_USER_DATA: 'cloud-init user data: gzip (≤ 16384 bytes) then base64 of a MIME multipart or of a single `none` part.',
  CLOUD_INIT_AUTHORIZED_KEYS: 'Base64 of the authorized_keys text installed for root.',
  PUBLIC_KEY: 'SSH public key(s) added to root\'s authorized_keys.',
  PDISK_DEVICE: 'pdisk: device of the persistent disk (default `hdc`).',
  PDISK_MOUNTPOINT: 'pdisk: mount point (default `/mnt/clouddisk`).',
  PDISK_FORMAT: 'pdisk: `no` (default), `yes` (format only if there is no filesystem) or `force`.',
  PDISK_FORMAT_TYPE: 'pdisk: filesystem type (default `ext3`).',
  CREDENTIAL_LOGIN: 'apache: login of the protected area.', CREDENTIAL_PASS: 'apache: password of the protected area.',
  APACHE_AUTH_FILE: 'apache: password file.', APACHE_AUTH_CONF: 'apache: configuration file.', APACHE_AUTH_NAME: 'apache: realm name.',
  BIO_DB_SERVER: 'bio: database server.', BIO_DB_VOLUME: 'bio: database volume.', BIO_MOUNT: 'bio: mount point.',
  BIO_ENV_FILE: 'bio: environment file.', BIO_DB_MOUNT_OPTIONS: 'bio: mount options.', BIO_DB_MOUNT: 'bio: database mount point.',
  QUATTOR_YUM_URLS: 'quattor: YUM repository URLs.', QUATTOR_PROFILE: 'quattor: profile name.',
  QUATTOR_PROFILES_URL: 'quattor: profiles URL.', QUATTOR_ENABLE_CLIENT: 'quattor: enable the client.',
};
const ONE_CONTEXT_KEYS: Record<string, string> = {
  enable: '`yes` runs this file\'s `run_exec` at boot (after the context variables are exported); anything else skips it.',
  run_exec: 'Command line run at boot when `enable=yes`; give the script by absolute path.',
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const rng = (line: number, c0: number, c1: number): SourceRange => ({ line, column: c0 + 1, endLine: line, endColumn: c1 + 1 });

/** Strips shell quotes around a simple value and an unquoted trailing ` # comment`; returns [value, end offset]. */
function shellValue(raw: string): { value: string; end: number } {
  let i = 0; let value = ''; let quote = '';
  for (; i < raw.length; i++) {
    const ch = raw[i];
    if (quote) { if (ch === quote) quote = ''; else value += ch; continue; }
    if (ch === '"' || ch === '\'') { quote = ch; continue; }
    if (ch === '#' && (i === 0 || /\s/.test(raw[i - 1]))) break;
    value += ch;
  }
  const trimmed = value.replace(/\s+$/, '');
  let end = i; while (end > 0 && /\s/.test(raw[end - 1])) end--;
  return { value: trimmed, end };
}

export interface ParsedContextFile { entries: ContextEntry[]; diagnostics: ContextDiagnostic[] }

export function parseContextFile(text: string, kind: ContextFileKind): ParsedContextFile {
  const entries: ContextEntry[] = [];
  const diagnostics: ContextDiagnostic[] = [];
  const diag = (severity: Severity, code: string, message: string, range: SourceRange) => diagnostics.push({ severity, code, message, range });
  const lines = text.split('\n');
  lines.forEach((full, idx) => {
    const ln = idx + 1;
    const line = full.endsWith('\r') ? full.slice(0, -1) : full;
    if (kind === 'one-context') {
      if (!line.trim() || line.trim().startsWith('#')) return;
    } else if (line.length === 0) return;
    const eq = line.indexOf('=');
    if (eq < 0) {
      const msg = kind === 'key-value'
        ? `Error while parsing contextualization file.\nSyntax error in line \`${line}\``
        : `Missing '=': a .context line is a shell assignment key=value (or a # comment).`;
      diag('error', 'context/missing-equals', msg, rng(ln, 0, line.length));
      return;
    }
    const rawKey = line.slice(0, eq);
    const key = kind === 'one-context' ? rawKey.trimStart() : rawKey;
    const k0 = rawKey.length - key.length;
    const keyRange = rng(ln, k0, eq);
    let value: string; let v0 = eq + 1; let v1 = line.length;
    if (kind === 'one-context') {
      if (/\s$/.test(key) || /^\s/.test(line.slice(eq + 1))) {
        diag('error', 'context/space-around-equals', `No spaces around '=' in a shell assignment: write ${key.trim()}=${line.slice(eq + 1).trim()}`, rng(ln, k0, line.length));
        return;
      }
      const sv = shellValue(line.slice(eq + 1)); value = sv.value; v1 = eq + 1 + sv.end;
    } else {
      value = line.slice(eq + 1);
      if (/\s$/.test(key) || /^\s/.test(value)) {
        diag('warning', 'context/space-around-equals', 'Spaces around \'=\' become part of the key and the value in the VM template (the original warns: do NOT add spaces around the equals sign).', rng(ln, 0, line.length));
      }
    }
    const name = key.trim();
    if (!NAME.test(name)) {
      diag('error', 'context/invalid-name', `'${name}' is not a valid variable name: use letters, digits and '_' (not starting with a digit); the guest sources these as shell variables.`, keyRange);
    }
    const valueRange = rng(ln, v0, v1);
    entries.push({ key: name, value, line: ln, keyRange, valueRange });
  });

  const seen = new Map<string, ContextEntry>();
  for (const e of entries) {
    const prev = seen.get(e.key);
    if (prev) diagnostics.push({ severity: 'info', code: 'context/duplicate-key', message: `${e.key} is set again: this value overrides line ${prev.line}.`, range: e.keyRange });
    seen.set(e.key, e);
    if (kind === 'one-context') checkOneContext(e, diag); else checkKeyValue(e, diag);
  }
  if (kind === 'one-context') {
    const enable = seen.get('enable'); const run = seen.get('run_exec');
    if (enable?.value === 'yes' && (!run || !run.value)) diag('warning', 'context/run-exec-missing', 'enable=yes but no run_exec: nothing will run at boot.', enable.keyRange);
  }
  diagnostics.sort((a, b) => a.range.line - b.range.line || a.range.column - b.range.column);
  return { entries, diagnostics };
}

type Diag = (severity: Severity, code: string, message: string, range: SourceRange) => void;

function checkOneContext(e: ContextEntry, diag: Diag): void {
  if (e.key === 'enable') {
    if (e.value !== 'yes' && e.value !== 'no') diag('warning', 'context/enable-value', `enable is '${e.value}': only 'yes' enables run_exec (anything else disables it).`, e.valueRange);
  } else if (e.key === 'run_exec') {
    if (e.value && !e.value.startsWith('/')) diag('error', 'context/run-exec-not-absolute', `run_exec '${e.value.split(/\s+/)[0]}' is not an absolute path: the boot script runs it with no useful PATH or working directory.`, e.valueRange);
  } else if (/^[a-z]/.test(e.key) && NAME.test(e.key)) {
    const near = Object.keys(ONE_CONTEXT_KEYS).find(k => k.replace('_', '') === e.key.toLowerCase().replace(/[_-]/g, '').replace(/d$/, ''));
    diag('warning', 'context/unknown-key', `Unknown key '${e.key}': stratuslab-one-context reads enable= and run_exec=${near ? ` (did you mean ${near}?)` : ''}; variables for the script are usually UPPER_CASE.`, e.keyRange);
  }
}

function checkKeyValue(e: ContextEntry, diag: Diag): void {
  const known = KNOWN_VARIABLES[e.key];
  if (!known) {
    const ci = Object.keys(KNOWN_VARIABLES).find(k => k.toLowerCase() === e.key.toLowerCase());
    if (ci) diag('warning', 'context/unknown-key', `Unknown key '${e.key}': keys are case-sensitive, did you mean ${ci}?`, e.keyRange);
    else if (/^(CLOUD_INIT_|CONTEXT_)/.test(e.key)) diag('warning', 'context/unknown-key', `Unknown key '${e.key}': the cloud-init keys are CONTEXT_METHOD, CLOUD_INIT_USER_DATA and CLOUD_INIT_AUTHORIZED_KEYS.`, e.keyRange);
  }
  if (e.value.includes('"')) diag('warning', 'context/double-quote', 'The value is copied unescaped into CONTEXT = [ KEY = "VALUE" ]: a double quote ends it early.', e.valueRange);
  if (e.key === 'CONTEXT_METHOD' && e.value !== 'cloud-init' && e.value !== 'one') {
    diag('warning', 'context/method', `CONTEXT_METHOD '${e.value}' is not 'cloud-init': the frontend falls back to the OpenNebula/StratusLab CD-ROM.`, e.valueRange);
  }
  if (e.key === 'CLOUD_INIT_USER_DATA') {
    const gz = decodeBase64Strict(e.value);
    if (!gz) { diag('error', 'context/base64', 'CLOUD_INIT_USER_DATA is not valid base64 (standard alphabet, padded).', e.valueRange); return; }
    if (gz.length > MAX_BYTES) diag('error', 'context/size-limit', sizeErrorMessage(gz.length), e.valueRange);
    try { zlib.gunzipSync(gz); } catch { diag('error', 'context/gzip', 'CLOUD_INIT_USER_DATA decodes, but not to gzip data: it must be gzip then base64 (use Prepare Context).', e.valueRange); }
  }
  if (e.key === 'CLOUD_INIT_AUTHORIZED_KEYS') {
    const raw = decodeBase64Strict(e.value);
    if (!raw) { diag('error', 'context/base64', 'CLOUD_INIT_AUTHORIZED_KEYS is not valid base64 (standard alphabet, padded).', e.valueRange); return; }
    const bad = raw.toString('utf8').split('\n').filter(l => l.trim() && !looksLikeKey(l));
    if (bad.length) diag('warning', 'context/keys-content', `CLOUD_INIT_AUTHORIZED_KEYS decodes to ${bad.length} line(s) that are not SSH public keys.`, e.valueRange);
  }
}

function looksLikeKey(l: string): boolean {
  return /(^|\s)(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/=]+/.test(l);
}

function inRange(r: SourceRange, line: number, column: number): boolean {
  return line === r.line && column >= r.column && column <= r.endColumn;
}

/** A readable view of a user-data payload: its MIME parts, or the raw text. */
export function describeUserData(data: Buffer): string {
  const text = data.toString('utf8');
  const m = /^Content-Type:\s*multipart\/[^;]+;\s*boundary="?([^"\n]+)"?/im.exec(text);
  const fence = (s: string) => '```\n' + (s.length > 2000 ? s.slice(0, 2000) + '\n…' : s).replace(/```/g, '`\u200b``') + '\n```';
  if (!m) return `Single part (\`none\`), ${data.length} bytes:\n\n${fence(text)}`;
  const chunks = text.split(`--${m[1]}`).slice(1).filter(c => !c.startsWith('--'));
  const out = [`MIME multipart, ${chunks.length} part(s), ${data.length} bytes:`];
  chunks.forEach((c, i) => {
    const sep = c.indexOf('\n\n');
    const head = c.slice(0, sep < 0 ? c.length : sep);
    const body = sep < 0 ? '' : c.slice(sep + 2).replace(/\n$/, '');
    const type = /Content-Type:\s*([^;\n]+)/i.exec(head)?.[1] ?? '?';
    const file = /filename="([^"]*)"/i.exec(head)?.[1] ?? '';
    out.push(`\n**${i + 1}. ${type}**${file ? ` — \`${file}\`` : ''}\n\n${fence(body)}`);
  });
  return out.join('\n');
}

export function contextHover(text: string, kind: ContextFileKind, line: number, column: number): ContextHover | undefined {
  const { entries } = parseContextFile(text, kind);
  const e = entries.find(x => x.line === line && (inRange(x.keyRange, line, column) || inRange(x.valueRange, line, column)));
  if (!e) return undefined;
  const range = { ...e.keyRange, endColumn: e.valueRange.endColumn };
  if (kind === 'key-value' && e.key === 'CLOUD_INIT_USER_DATA') {
    const gz = decodeBase64Strict(e.value);
    if (!gz) return { range, markdown: '**CLOUD_INIT_USER_DATA**: not valid base64.' };
    let data: Buffer;
    try { data = zlib.gunzipSync(gz); } catch { return { range, markdown: '**CLOUD_INIT_USER_DATA**: base64, but not gzip data.' }; }
    const limit = gz.length > MAX_BYTES ? ` — **${sizeErrorMessage(gz.length)}**` : '';
    return { range, markdown: `**CLOUD_INIT_USER_DATA** (gzip ${gz.length} / ${MAX_BYTES} bytes${limit})\n\n${describeUserData(data)}` };
  }
  if (kind === 'key-value' && e.key === 'CLOUD_INIT_AUTHORIZED_KEYS') {
    const raw = decodeBase64Strict(e.value);
    if (!raw) return { range, markdown: '**CLOUD_INIT_AUTHORIZED_KEYS**: not valid base64.' };
    const keys = raw.toString('utf8').split('\n').filter(l => l.trim());
    return { range, markdown: `**CLOUD_INIT_AUTHORIZED_KEYS** — ${keys.length} key(s):\n\n` + keys.map(k => {
      const [type, body, ...comment] = k.trim().split(/\s+/);
      return `- \`${type}\` ${body ? `…${body.slice(-12)}` : ''}${comment.length ? ` ${comment.join(' ')}` : ''}`;
    }).join('\n') };
  }
  const doc = kind === 'one-context' ? ONE_CONTEXT_KEYS[e.key] ?? KNOWN_VARIABLES[e.key] : KNOWN_VARIABLES[e.key];
  if (doc) return { range, markdown: `**${e.key}** — ${doc}` };
  return { range, markdown: `**${e.key}** — context variable, exported to the guest's run_exec scripts.` };
}
