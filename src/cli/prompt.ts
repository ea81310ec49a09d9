import * as readline from 'readline';

/**
 * Asks on the terminal without echoing the answer (a password, a passphrase); undefined when stdin is not a terminal
 * (a script or CI: those give secrets in a file or the environment, never by typing).
 */
export function askHidden(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return Promise.resolve(undefined);
  return new Promise(resolve => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // readline echoes what is typed through _writeToOutput: only the question is let through
    (rl as unknown as { _writeToOutput(s: string): void })._writeToOutput = s => { if (s.includes(question)) process.stderr.write(s); };
    rl.question(question, a => { rl.close(); process.stderr.write('\n'); resolve(a); });
  });
}
