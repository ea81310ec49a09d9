import * as fs from 'fs';
import type { Host } from '../host/host';
import { shellQuote } from '../host/host';
import type { GuestKeys } from '../host/knownHosts';
import { BootDoctor, formatFinding, noSshAnswer } from './bootDoctor';
import type { Driver } from './driver';
import { InstanceError } from './instanceError';
import type { Emit } from './milestones';
import { describeNetworkCheck, NETWORK_CHECK_SCRIPT, parseNetworkCheck } from './netcheck';
import { parseHostKeys, sshConnect, sshExec } from './ssh';
import type { InstanceRecord, LaunchOptions } from './types';

// A launched guest counts as up only once Stratus has logged in over SSH with the host keys the guest printed on its console.

const NO_KEYS = 'no SSH host keys on the console yet';

/** The manager's parts the wait uses: the guest's host and driver, the pinned guest keys, its log. */
export interface GuestContext {
  host: Host;
  driver: Driver;
  guestKeys: GuestKeys;
  log(message: string): void;
}

/**
 * Readiness = a full SSH login with the pinned host key (an open hostfwd port proves nothing). The boot doctor
 * follows the console meanwhile: what it recognises is reported as it appears, a fatal finding ends the wait
 * at once, and a timeout says the diagnosis and the last console lines.
 */
export async function waitReady(ctx: GuestContext, rec: InstanceRecord, timeoutMs: number, signal?: AbortSignal, emit?: Emit): Promise<void> {
  const end = Date.now() + timeoutMs;
  const privateKey = await fs.promises.readFile(rec.privateKeyPath!);
  const doctor = new BootDoctor();
  let lastError = NO_KEYS;
  let ssh: 'answered' | 'no-answer' | 'untried' = 'untried';
  const fail = async (why: string) => {
    const consoleText = await ctx.driver.consoleLog(rec.id);
    const diagnosis = doctor.summary();
    return new InstanceError(`${diagnosis ? `Boot failed: ${diagnosis}` : why}${diagnosis ? `\n(${why})` : ''}\nLast console lines:\n${tail(consoleText) || '(the console is empty)'}`);
  };
  while (Date.now() < end) {
    signal?.throwIfAborted();
    if ((await ctx.driver.state(rec.id)) === 'shutoff') throw await fail('The machine stopped while booting.');
    const consoleText = await ctx.driver.consoleLog(rec.id);
    for (const f of doctor.check(consoleText, await ctx.driver.firmwareLog?.(rec.id) ?? '', ssh)) {
      ctx.log(`${rec.id}: boot doctor: ${formatFinding(f)}`);
      emit?.('console', f.problem, { detail: f.line, ok: !f.fatal }, false);
      if (f.fatal) throw await fail(`found after ${Math.round((timeoutMs - (end - Date.now())) / 1000)} s of the ${Math.round(timeoutMs / 1000)} s allowed`);
    }
    // the host keys come from the console before the first contact: a key seen only over the network is never trusted
    const keys = parseHostKeys(consoleText);
    if (keys.length) {
      try {
        const c = await sshConnect({ host: ctx.host, ip: rec.ip, port: rec.sshPort, user: rec.sshUser, privateKey, hostKeys: keys, timeoutMs: 15_000 });
        c.end();
        rec.sshHostKeys = keys;
        pinGuest(ctx, rec);
        return;
      } catch (e) {
        lastError = (e as Error).message;
        ssh = noSshAnswer(lastError) ? 'no-answer' : 'answered';
      }
    }
    await sleep(500, signal);
  }
  if (lastError === NO_KEYS) throw await fail(`The machine printed no SSH host keys on its console within ${Math.round(timeoutMs / 1000)} s, so its identity cannot be checked and Stratus does not log in. ` +
    'The image must print them at boot as cloud-init does (-----BEGIN SSH HOST KEY KEYS-----): install cloud-init, or the StratusLab context script that sources the context disk\'s init.sh (Check Image Readiness installs it).');
  throw await fail(`The machine did not accept an SSH login within ${Math.round(timeoutMs / 1000)} s (${lastError}).`);
}

/**
 * Records the guest's keys with the instance for its host address and port (guest_known_hosts.json), so a later
 * instance given the same forwarded port is told apart ("now belongs to …") instead of hitting a stale key.
 */
function pinGuest(ctx: GuestContext, rec: InstanceRecord): void {
  const v = rec.sshHostKeys.length ? ctx.guestKeys.list().find(g => g.hostId === ctx.host.id && g.addr === rec.ip && g.port === rec.sshPort) : undefined;
  if (v && v.instanceId !== rec.id) ctx.log(`${rec.ip}:${rec.sshPort} on ${ctx.host.label} now belongs to instance ${rec.id} (it was ${v.instanceId}); its keys replace the old ones.`);
  try { ctx.guestKeys.pin(ctx.host.id, rec.ip, rec.sshPort, rec.id, rec.sshHostKeys); } catch (e) { ctx.log(`${rec.id}: could not record its host keys: ${(e as Error).message}`); }
}

/** The guest's own check (default route, names resolving), one SSH exec; reported, never fatal to the launch. */
export async function checkNetwork(host: Host, rec: InstanceRecord, o: NonNullable<LaunchOptions['checkNetwork']>, emit: Emit, signal?: AbortSignal): Promise<void> {
  const names = o.resolve ?? [];
  const seconds = Math.max(1, Math.round((o.timeoutMs ?? 60_000) / 1000));
  const c = await sshConnect({ host, ip: rec.ip, port: rec.sshPort, user: rec.sshUser, privateKey: await fs.promises.readFile(rec.privateKeyPath!), hostKeys: rec.sshHostKeys });
  try {
    const r = await sshExec(c, shellQuote(['sh', '-s', '--', String(seconds), ...names]), { signal, input: NETWORK_CHECK_SCRIPT });
    const check = parseNetworkCheck(r.stdout, r.code);
    emit('network', check.ok ? 'Network is up' : 'Network is not ready', { detail: describeNetworkCheck(check, names), ok: check.ok });
  } finally { c.end(); }
}

/** The last console lines, readable: no carriage returns or colour escapes (they end up in errors and tooltips). */
function tail(s: string, n = 15): string { return s.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim().split('\n').slice(-n).join('\n'); }

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(new Error('Cancelled')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
