/** One CLI subcommand. Areas export arrays of these from src/cli/commands/<area>.ts. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. Throw CliError for a user error (printed without a stack). */
  run(args: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

/**
 * A user error: printed as one line `stratus <command>: <message>`, no stack. Exit 2 (a usage error)
 * unless `exitCode` says otherwise (1 for a problem with the input rather than the command line:
 * a missing file, an unknown image, an unreachable marketplace).
 */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 2) { super(message); }
}

/** A user error that is not about the command line (exit 1). */
export function inputError(message: string): CliError { return new CliError(message, 1); }
