import { authorizedKeys, ContextError, ContextPart, createMultipart, decodeBase64Strict, decodeUserData, encodeUserData } from './cloudinit';
import { publicKeyLines } from '../sshKeys';

/**
 * What run-instance's context options mean, as the original combined them: the KEY=VALUE lines of the
 * --context-file files, then --context (entries separated by '#'), then the --cloud-init pairs (turned into
 * CONTEXT_METHOD / CLOUD_INIT_AUTHORIZED_KEYS / CLOUD_INIT_USER_DATA, as prepare-context writes them); a later
 * key overrides an earlier one. A cloud-init.txt from prepare-context therefore has the same effect as the
 * --cloud-init pairs it was made from.
 */
export type ContextMethodName = 'cloud-init' | 'stratuslab';

export interface ContextRequest {
  /** --context-method: 'one' (alias 'stratuslab', 'opennebula') or 'cloud-init'. */
  method?: string;
  /** --context-file contents, with the name used in messages. */
  files?: { name: string; text: string }[];
  /** --context values ('K=V#K2=V2'). */
  inline?: string[];
  /** --cloud-init parts, already read ('ssh' parts are keys). */
  parts?: ContextPart[];
}

export interface ResolvedContext {
  method: ContextMethodName;
  /** Keys from the context (CLOUD_INIT_AUTHORIZED_KEYS), one OpenSSH line each. */
  sshKeys: string[];
  /** The user data bytes exactly as built (multipart, or the `none` file). */
  userData?: Buffer;
  /** Variables for the context disk's context.sh (the cloud-init keys removed). */
  vars: Record<string, string>;
}

const CLOUD_INIT_KEYS = ['CONTEXT_METHOD', 'CLOUD_INIT_AUTHORIZED_KEYS', 'CLOUD_INIT_USER_DATA'];

export function methodName(m: string): ContextMethodName {
  const v = m.trim().toLowerCase();
  if (v === 'cloud-init') return 'cloud-init';
  if (v === 'one' || v === 'stratuslab' || v === 'opennebula') return 'stratuslab';
  throw new ContextError(`Unknown context method '${m}': use one (OpenNebula/StratusLab context disk) or cloud-init.`, true);
}

/** KEY=VALUE lines: blank lines and '#' comments skipped, split at the first '=', surrounding double quotes dropped. */
export function parseContextLines(text: string, where: string, into: Record<string, string> = {}): Record<string, string> {
  for (const raw of text.split(/\r?\n/)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new ContextError(`Error while parsing contextualization file ${where}: syntax error in line '${t}' (use KEY=VALUE).`);
    into[t.slice(0, eq).trim()] = t.slice(eq + 1).trim().replace(/^"(.*)"$/s, '$1');
  }
  return into;
}

export function resolveContext(req: ContextRequest): ResolvedContext {
  const kv: Record<string, string> = {};
  for (const f of req.files ?? []) parseContextLines(f.text, f.name, kv);
  for (const c of req.inline ?? []) for (const p of c.split('#')) parseContextLines(p, '--context', kv);
  const parts = req.parts ?? [];
  if (parts.length) {
    kv.CONTEXT_METHOD = 'cloud-init';
    const keys = parts.filter(p => p.mimetype === 'ssh').map(p => p.content);
    if (keys.length) kv.CLOUD_INIT_AUTHORIZED_KEYS = Buffer.from(authorizedKeys(keys), 'latin1').toString('base64');
    const rest = parts.filter(p => p.mimetype !== 'ssh');
    if (rest.length) kv.CLOUD_INIT_USER_DATA = encodeUserData(createMultipart(rest));   // the original's 16 KiB gzip limit and message
  }
  const method = req.method ? methodName(req.method) : kv.CONTEXT_METHOD === 'cloud-init' ? 'cloud-init' : 'stratuslab';
  let sshKeys: string[] = [];
  if (kv.CLOUD_INIT_AUTHORIZED_KEYS) {
    const raw = decodeBase64Strict(kv.CLOUD_INIT_AUTHORIZED_KEYS);
    if (!raw) throw new ContextError('CLOUD_INIT_AUTHORIZED_KEYS is not valid base64: make the file again with prepare-context.');
    sshKeys = publicKeyLines(raw.toString('latin1'));
  }
  const userData = kv.CLOUD_INIT_USER_DATA ? decodeUserData(kv.CLOUD_INIT_USER_DATA) : undefined;
  const vars = Object.fromEntries(Object.entries(kv).filter(([k]) => !CLOUD_INIT_KEYS.includes(k)));
  return { method, sshKeys, userData, vars };
}
