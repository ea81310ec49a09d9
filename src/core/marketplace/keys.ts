/** Entry identity of the original Marketplace (docs/stratuslab.md#marketplace-api): (identifier, endorser e-mail, endorsement created). */

export const IDENTIFIER_RE = /^[A-Za-z0-9_-]{27}$/;
export const EMAIL_RE = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export interface EntryKey { identifier: string; email: string; created: string }

export function keyString(k: EntryKey): string { return `${k.identifier}/${k.email}/${k.created}`; }

export function parseKeyString(s: string): EntryKey | undefined {
  const [identifier, email, created, ...rest] = s.replace(/^\/+|\/+$/g, '').split('/');
  if (rest.length || !identifier || !email || !created) return undefined;
  if (!IDENTIFIER_RE.test(identifier) || !EMAIL_RE.test(email) || !DATE_RE.test(created)) return undefined;
  return { identifier, email, created };
}

/** Checks a key before it becomes a path: the parts come from uploaded documents. */
export function keyProblem(k: Partial<EntryKey>): string | undefined {
  if (!k.identifier || !IDENTIFIER_RE.test(k.identifier)) return `invalid identifier '${k.identifier ?? ''}' (27 characters A-Z a-z 0-9 - _)`;
  if (!k.email || !EMAIL_RE.test(k.email)) return `invalid endorser e-mail '${k.email ?? ''}'`;
  if (!k.created || !DATE_RE.test(k.created)) return `invalid endorsement created date '${k.created ?? ''}' (YYYY-MM-DDTHH:MM:SSZ)`;
  return undefined;
}

/** `<base>/metadata/<id>/<email>/<created>`, the canonical URL and the server's Location header. */
export function entryUrl(base: string, k: EntryKey): string {
  return `${base.replace(/\/+$/, '')}/metadata/${keyString(k)}`;
}

/** Path segments of GET /metadata/{a}/{b} are classified by shape (docs/stratuslab.md#marketplace-api). */
export function classifySegment(seg: string): 'email' | 'created' | 'identifier' {
  if (EMAIL_RE.test(seg)) return 'email';
  if (DATE_RE.test(seg)) return 'created';
  return 'identifier';
}

/** UTC in the server's format; the server compares dates with it as strings (docs/stratuslab.md#marketplace-api). */
export function isoSeconds(d: Date): string { return d.toISOString().replace(/\.\d{3}Z$/, 'Z'); }
