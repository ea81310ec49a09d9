import * as vscode from 'vscode';

/** An error whose fix is one command away: the wrapper offers that command as the message's button. */
export class ActionableError extends Error {
  constructor(message: string, readonly action: { label: string; command: string; args?: unknown[] }) {
    super(message);
  }
}

/** Where the wrapper writes: the Stratus log channel (a plain object in tests). */
export interface CommandLog {
  debug(message: string): void;
  info(message: string): void;
  error(message: string): void;
}

let log: CommandLog | undefined;
const titles = new Map<string, string>();

/** Once at activation: the log the wrapper writes to, and command titles (from package.json) to prefix messages. */
export function initCommands(channel: CommandLog, packageJSON?: { contributes?: { commands?: { command: string; title: string }[] } }): void {
  log = channel;
  for (const c of packageJSON?.contributes?.commands ?? []) titles.set(c.command, c.title.replace(/…$/, ''));
}

/** A user backing out: VS Code's CancellationError, an aborted request, or a rejected pick. */
export function isCancellation(e: unknown): boolean {
  if (e instanceof vscode.CancellationError) return true;
  const name = (e as Error | undefined)?.name;
  return name === 'AbortError' || name === 'Canceled' || name === 'CancellationError';
}

/**
 * Registers one command through the wrapper. `failed` is what the command returns when an error
 * escapes it or it is cancelled (tests read return values through executeCommand).
 */
export function registerCommand(id: string, fn: (...args: any[]) => unknown, opts: { failed?: unknown } = {}): vscode.Disposable {
  return vscode.commands.registerCommand(id, (...args: unknown[]) => runCommand(id, () => fn(...args), opts.failed));
}

/**
 * Runs a command's body: logs its start; an escaped error is logged in full and shown ONCE as its
 * first line (with the fixing action when the error carries one); a cancellation is silent.
 */
export async function runCommand<T>(id: string, body: () => T | Promise<T>, failed?: T): Promise<T | undefined> {
  log?.debug(`${id}: start`);
  try {
    return await body();
  } catch (e) {
    if (isCancellation(e)) {
      log?.info(`${id}: cancelled`);
      return failed;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    log?.error(`${id} failed: ${err.stack ?? err.message}`);
    const first = err.message.split('\n')[0].trim() || err.name;
    const title = titles.get(id);
    const text = title ? `${title}: ${first}` : first;
    const action = err instanceof ActionableError ? err.action : undefined;
    if (action) {
      void vscode.window.showErrorMessage(text, action.label).then(c => c && vscode.commands.executeCommand(action.command, ...(action.args ?? [])));
    } else {
      void vscode.window.showErrorMessage(text);
    }
    return failed;
  }
}
