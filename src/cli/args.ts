import { CliError } from './command';

export interface Parsed { opts: Record<string, string | true>; pos: string[]; rest: string[] }

/**
 * --name value / --name=value / --flag (`flags` take no value); everything after `--` is `rest`, untouched.
 * With `valued` given, an option that is neither a flag nor valued is refused (not silently ignored).
 */
export function parseOptions(args: string[], flags: string[] = [], valued?: string[]): Parsed {
  const opts: Record<string, string | true> = {}, pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return { opts, pos, rest: args.slice(i + 1) };
    if (!a.startsWith('--')) { pos.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (valued && !flags.includes(name) && !valued.includes(name)) throw new CliError(`unknown option --${name}`);
    if (eq >= 0) opts[name] = a.slice(eq + 1);
    else if (flags.includes(name)) opts[name] = true;
    else { if (i + 1 >= args.length) throw new CliError(`--${name} needs a value`); opts[name] = args[++i]; }
  }
  return { opts, pos, rest: [] };
}
