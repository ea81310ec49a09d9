/**
 * Image identifier ↔ SHA-1 (docs/stratuslab.md#image-identifier): the SHA-1 read as a 160-bit big-endian integer, written as
 * 27 base64url digits, most significant first (so the first digit carries 4 bits and is A–P).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]));
export const IDENTIFIER_LENGTH = 27;
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9_-]{27}$/;
const SHA1_MAX = (1n << 160n) - 1n;

/** SHA-1 (hex, any case, leading zeros tolerated, or a bigint) → 27-character identifier. Throws 'invalid SHA-1 checksum'. */
export function sha1ToIdentifier(sha1: string | bigint): string {
  let n: bigint;
  if (typeof sha1 === 'bigint') n = sha1;
  else {
    if (!/^[0-9a-fA-F]+$/.test(sha1)) throw new Error('invalid SHA-1 checksum');
    n = BigInt('0x' + sha1);
  }
  if (n < 0n || n > SHA1_MAX) throw new Error('invalid SHA-1 checksum');
  let out = '';
  for (let i = 0; i < IDENTIFIER_LENGTH; i++) { out = ALPHABET[Number(n & 63n)] + out; n >>= 6n; }
  return out;
}

/**
 * Identifier → integer, exactly as the original decodes it (length and alphabet checked, width not:
 * the constraint check then compares this number with the SHA-1). Throws 'invalid identifier'.
 */
export function identifierToBigInt(id: string): bigint {
  if (id.length !== IDENTIFIER_LENGTH) throw new Error('invalid identifier');
  let n = 0n;
  for (const c of id) {
    const v = DECODE.get(c);
    if (v === undefined) throw new Error('invalid identifier');
    n = (n << 6n) | v;
  }
  return n;
}

/** Identifier → SHA-1 as 40 lowercase hex digits. Throws 'invalid identifier' (also for a value wider than 160 bits). */
export function identifierToSha1(id: string): string {
  const n = identifierToBigInt(id);
  if (n > SHA1_MAX) throw new Error('invalid identifier');
  return n.toString(16).padStart(40, '0');
}

export function isIdentifier(id: string): boolean { return IDENTIFIER_PATTERN.test(id); }
