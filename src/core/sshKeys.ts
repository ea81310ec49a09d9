/**
 * Public keys from the text of an OpenSSH `.pub` or authorized_keys file, as the original read them: one key
 * per non-empty line, trimmed, `Comment:` lines (RFC 4716 headers) dropped. The one reader of key files:
 * launches, the CLI, builds and context disks all use it.
 */
export function publicKeyLines(text: string): string[] {
  return text.split('\n').map(l => l.trim()).filter(l => l && !l.startsWith('Comment:'));
}

/** The files the CLI and the Launch command offer by default, first existing one wins (in ~/.ssh). */
export const DEFAULT_PUBLIC_KEY_FILES = ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'];
