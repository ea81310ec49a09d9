// Shared by the seed-command tests: the fixture, a small shell lexer and a runner of the stratus-* launchers in bin/.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURE = path.join(REPO, 'test', 'cli', 'fixtures', 'seed-commands.json');

export interface SeedCommand { id: string; command: string; seed?: string; source?: string; tier?: string }
export const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { seeds: SeedCommand[]; reference: SeedCommand[] };
export function seedCommand(id: string): SeedCommand {
  const c = [...fixture.seeds, ...fixture.reference].find(x => x.id === id);
  if (!c) throw new Error(`no command ${id} in ${FIXTURE}`);
  return c;
}

/** Words of a POSIX shell command line: quotes, backslash-newline continuations and $VAR / ${VAR} expansion (not in '…'). */
export function shellWords(line: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let cur = '', inWord = false, i = 0;
  const expand = (): string => {
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(line.slice(i));
    if (!m) { i++; return '$'; }
    i += m[0].length;
    const name = m[1] ?? m[2];
    if (!(name in vars)) throw new Error(`the fixture uses $${name}, which the test does not set`);
    return vars[name];
  };
  while (i < line.length) {
    const c = line[i];
    if (c === '\\' && line[i + 1] === '\n') { i += 2; continue; }
    if (/\s/.test(c)) { if (inWord) { words.push(cur); cur = ''; inWord = false; } i++; continue; }
    inWord = true;
    if (c === "'") { const j = line.indexOf("'", i + 1); cur += line.slice(i + 1, j); i = j + 1; continue; }
    if (c === '"') {
      i++;
      while (line[i] !== '"') {
        if (line[i] === '\\' && '"\\$`'.includes(line[i + 1])) { cur += line[i + 1]; i += 2; } else if (line[i] === '$') cur += expand(); else cur += line[i++];
      }
      i++;
      continue;
    }
    if (c === '\\') { cur += line[i + 1]; i += 2; continue; }
    if (c === '$') { cur += expand(); continue; }
    cur += c; i++;
  }
  if (inWord) words.push(cur);
  return words;
}

export interface Run { code: number; out: string; err: string; argv: string[] }

/** Runs a fixture line through bin/<program>.js (the launcher npm installs under that name). */
export function runLine(command: string, o: { vars: Record<string, string>; cwd: string; env: NodeJS.ProcessEnv; extra?: string[]; timeoutMs?: number }): Promise<Run> {
  const [program, ...args] = shellWords(command, o.vars);
  const bin = path.join(REPO, 'bin', `${program}.js`);
  if (!fs.existsSync(bin)) throw new Error(`${program} is not a launcher in bin/ (package.json "bin")`);
  const argv = [...args, ...(o.extra ?? [])];
  return new Promise(resolve => {
    const p = spawn(process.execPath, [bin, ...argv], { cwd: o.cwd, env: o.env });
    let out = '', err = '';
    const timer = o.timeoutMs ? setTimeout(() => p.kill('SIGINT'), o.timeoutMs) : undefined;
    p.stdout.on('data', d => (out += d));
    p.stderr.on('data', d => (err += d));
    p.on('close', code => { if (timer) clearTimeout(timer); resolve({ code: code ?? -1, out, err, argv: [program, ...argv] }); });
  });
}

/** A user error as promised: no JavaScript stack, the last stderr line `<program>: <what> — <what to do>`. */
export function assertUserError(r: Run, code: number, what: RegExp): void {
  const ctx = `${r.argv.join(' ')}\nexit ${r.code}\nstderr:\n${r.err}`;
  if (r.code !== code) throw new Error(`expected exit ${code}: ${ctx}`);
  if (/^\s+at /m.test(r.err)) throw new Error(`a stack trace was printed: ${ctx}`);
  const last = r.err.trim().split('\n').pop() ?? '';
  const prefix = r.argv[0] === 'stratus' ? /^stratus( [a-z-]+)?: / : new RegExp(`^${r.argv[0]}: `);
  if (!prefix.test(last) || !last.includes(' — ')) throw new Error(`not '<program>: <what> — <what to do>': ${ctx}`);
  if (!what.test(last)) throw new Error(`expected ${what}: ${ctx}`);
}
