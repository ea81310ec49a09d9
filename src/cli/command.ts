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

export class CliError extends Error {}
