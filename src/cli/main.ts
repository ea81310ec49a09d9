import { allCommands } from './commands';
import { CliError, CliIO } from './command';
import { dataLayout } from '../backend/paths';
import { localBuilderTrust } from '../backend/firststart/localBuilder';
import { setDefaultTrusted } from '../backend/marketplace/trust';

const io: CliIO = { out: t => process.stdout.write(t.endsWith('\n') ? t : t + '\n'), err: t => process.stderr.write(t.endsWith('\n') ? t : t + '\n') };

function help(): string {
  const w = Math.max(...allCommands.map(c => c.name.length), 4);
  return ['usage: stratus <command> [options]', '', 'commands:', ...allCommands.map(c => `  ${c.name.padEnd(w)}  ${c.summary}`), '', 'stratus <command> --help shows the options of one command.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { io.out(help()); return 0; }
  const cmd = allCommands.find(c => c.name === name);
  if (!cmd) { io.err(`stratus: unknown command '${name}'. Run 'stratus --help' for the list.`); return 2; }
  if (rest.includes('--help') || rest.includes('-h')) { io.out(`usage: stratus ${cmd.usage}\n\n${cmd.summary}`); return 0; }
  try {
    // the local builder certificate is trusted by default, as in the extension
    setDefaultTrusted(localBuilderTrust(dataLayout()));
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) { io.err(`stratus ${name}: ${e.message}`); return 2; }
    io.err(`stratus ${name}: ${(e as Error).stack || e}`);
    return 1;
  }
}

if (require.main === module || (process.argv[1] && /(^|[\\/])(cli\.js|stratus(\.js)?)$/.test(process.argv[1]))) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
