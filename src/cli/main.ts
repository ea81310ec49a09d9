import { allCommands } from './commands';
import { CliError, CliIO } from './command';
import { aliasOf } from './aliases';
import { describeError } from './errors';
import { dataLayout } from '../backend/paths';
import { localBuilderTrust } from '../backend/firststart/localBuilder';
import { setDefaultTrusted } from '../backend/marketplace/trust';

const io: CliIO = { out: t => process.stdout.write(t.endsWith('\n') ? t : t + '\n'), err: t => process.stderr.write(t.endsWith('\n') ? t : t + '\n') };

function help(): string {
  const w = Math.max(...allCommands.map(c => c.name.length), 4);
  return ['usage: stratus <command> [options]', '', 'commands:', ...allCommands.map(c => `  ${c.name.padEnd(w)}  ${c.summary}`), '',
    'stratus <command> --help shows the options of one command. The original names (stratus-run-instance, stratus-create-image …) run the same commands.'].join('\n');
}

/**
 * One subcommand's usage out of its command's (`stratus-deprecate-metadata --help` is `marketplace deprecate`'s, not all
 * of `marketplace`): its line and the notes indented under it; the whole usage when there is no such subcommand.
 */
function usageOf(usage: string, name: string, sub: string | undefined): string {
  const lines = usage.split('\n');
  const at = sub && !sub.startsWith('-') ? lines.findIndex(l => l.replace(/^\s*(stratus )?/, '').startsWith(`${name} ${sub} `)) : -1;
  if (at < 0) return usage;
  const notes = [];
  for (let i = at + 1; i < lines.length && /^\s+(?!stratus )\S/.test(lines[i]); i++) notes.push(lines[i]);
  return [lines[at].replace(/^\s*(stratus )?/, ''), ...notes].join('\n');
}

/** Runs one command; `program` is how the user called it (`stratus`, or an original name such as `stratus-run-instance`). */
export async function main(argv: string[], program = 'stratus'): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { io.out(help()); return 0; }
  const cmd = allCommands.find(c => c.name === name);
  if (!cmd) { io.err(`stratus: unknown command '${name}' — run 'stratus --help' for the list`); return 2; }
  const shown = program === 'stratus' ? `stratus ${name}` : program;
  if (rest.includes('--help') || rest.includes('-h')) { io.out(`usage: stratus ${usageOf(cmd.usage, cmd.name, rest[0])}\n\n${cmd.summary}`); return 0; }
  try {
    // the local builder certificate is trusted by default, as in the extension
    setDefaultTrusted(localBuilderTrust(dataLayout()));
    return await cmd.run(rest, io);
  } catch (e) {
    if (process.env.STRATUS_DEBUG === '1') io.err(String((e as Error)?.stack ?? e));
    if (e instanceof CliError) {
      // node's parseArgs explains '--' at length; the option is what matters
      const unknown = /^Unknown option '([^']+)'/.exec(e.message);
      if (unknown) e.message = `unknown option ${unknown[1]}`;
      const hint = e.exitCode === 2 && !e.message.includes(' — ') ? ` — run '${shown} --help' for the options` : '';
      io.err(`${shown}: ${e.message}${hint}`);
      return e.exitCode;
    }
    io.err(`${shown}: ${describeError(e)}`);
    return 1;
  }
}

/**
 * `stratus-describe-volumes | head -1`: the reader went away. The rest of the output is dropped without an EPIPE stack,
 * and the command still finishes (exiting mid-way could leave a launch or a save half done).
 */
function dropOutputOnClosedPipe(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e; });
  }
}

/** Entry of bin/stratus.js and of the original names (bin/stratus-run-instance.js …). */
export function runProgram(programPath: string, args: string[]): void {
  dropOutputOnClosedPipe();
  const alias = aliasOf(programPath);
  const program = programPath.replace(/^.*[\\/]/, '').replace(/\.(js|cmd|ps1|exe)$/i, '');
  const run = alias === undefined ? Promise.resolve((io.err(`stratus: '${program}' is not a Stratus command — run 'stratus --help'`), 2))
    : main([...alias, ...args], alias.length ? program : 'stratus');
  run.then(code => { process.exitCode = code; });
}

// `node dist/cli.js …` / `node out/src/cli/main.js …`; the launchers in bin/ call runProgram instead (in the webpack bundle
// require.main === module holds whoever loads it, so the file name decides)
if (process.argv[1] && /(^|[\\/])(cli|main)\.js$/.test(process.argv[1])) {
  dropOutputOnClosedPipe();
  main(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
