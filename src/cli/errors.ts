import { InstanceError } from '../backend/kvm/instances';
import { MarketplaceError } from '../backend/marketplace/marketplace';
import { VolumeError } from '../backend/volumes/store';

const HINTS: Record<string, string> = {
  ENOENT: 'check the path',
  EACCES: 'check the permissions of the file or folder',
  EISDIR: 'give a file, not a folder',
  ECONNREFUSED: 'check the URL and that the server is running',
  ENOTFOUND: 'check the host name in the URL',
  ETIMEDOUT: 'check the URL and the network',
  ECONNRESET: 'try again; check the URL and the network',
  EHOSTUNREACH: 'check the URL and the network',
};

/**
 * One line for an error that reached the top of a command: the message and, for the common system
 * errors (missing file, refused connection …), what to do. Never a stack (STRATUS_DEBUG=1 prints it).
 */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // fetch() wraps the system error: "fetch failed" with the real one in `cause`
  const cause = (e as { cause?: unknown }).cause;
  const sys = (e as NodeJS.ErrnoException).code ? e as NodeJS.ErrnoException : cause instanceof Error && (cause as NodeJS.ErrnoException).code ? cause as NodeJS.ErrnoException : undefined;
  let msg = (e.message || e.name).split('\n')[0];
  if (e.message === 'fetch failed' && cause instanceof Error) msg = `cannot reach the server: ${cause.message.split('\n')[0]}`;
  if (e instanceof MarketplaceError && e.status) msg = `${e.status}: ${msg}`;
  const hint = sys?.code && HINTS[sys.code] ? HINTS[sys.code]
    : e instanceof InstanceError || e instanceof VolumeError || e instanceof MarketplaceError ? undefined
    : msg.includes(' — ') ? undefined : 'STRATUS_DEBUG=1 shows where it happened';
  return hint ? `${msg} — ${hint}` : msg;
}
