import * as fs from 'fs';
import * as path from 'path';
import type { CliCommand } from '../command';
import { CliError } from '../command';
import { ContextError, prepareContext } from '../../core/context/cloudinit';
import { contextFileKind, parseContextFile } from '../../core/context/files';

/** `stratus prepare-context mimetype,file …` → ./cloud-init.txt, as the original (docs/stratuslab.md#contextualization). */
const prepare: CliCommand = {
  name: 'prepare-context',
  summary: 'Write ./cloud-init.txt for cloud-init contextualization (parts: ssh, x-shellscript, cloud-config, none)',
  usage: 'prepare-context MIMETYPE,FILE …\n  e.g. prepare-context ssh,$HOME/.ssh/id_rsa.pub x-shellscript,boot.sh cloud-config,cc.yaml\n  ssh files become CLOUD_INIT_AUTHORIZED_KEYS; the others the gzipped MIME user data (≤ 16384 bytes); a none part is used raw and alone.',
  async run(args, io) {
    let text: string;
    try { text = await prepareContext(args); } catch (e) {
      if (e instanceof ContextError) throw new CliError(e.message, e.usage ? 2 : 1);
      throw e;
    }
    if (!args.some(a => a.trim().startsWith('ssh'))) io.err('warning: no ssh key given (ssh,FILE): the instance will have no key for root.');
    const out = path.resolve('cloud-init.txt');
    const tmp = `${out}.tmp-${process.pid}`;
    await fs.promises.writeFile(tmp, text, 'latin1');
    await fs.promises.rename(tmp, out);
    return 0;
  },
};

/** `stratus check-context FILE…`: the editor's diagnostics on the command line. */
const check: CliCommand = {
  name: 'check-context',
  summary: 'Check context files (*.context, cloud-init.txt, *.ctx) and print diagnostics',
  usage: 'check-context [--kind one-context|key-value] FILE …',
  async run(args, io) {
    let kind: 'one-context' | 'key-value' | undefined;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--kind') { const k = args[++i]; if (k !== 'one-context' && k !== 'key-value') throw new CliError('--kind is one-context or key-value'); kind = k; } else files.push(args[i]);
    }
    if (!files.length) throw new CliError('give at least one context file');
    let errors = 0;
    for (const f of files) {
      const k = kind ?? contextFileKind(f);
      if (!k) throw new CliError(`${f}: unknown kind of context file; name it *.context, cloud-init.txt or *.ctx, or pass --kind`);
      let text: string;
      try { text = await fs.promises.readFile(f, 'latin1'); } catch { throw new CliError(`cannot read ${f}`); }
      for (const d of parseContextFile(text, k).diagnostics) {
        if (d.severity === 'error') errors++;
        io.out(`${f}:${d.range.line}:${d.range.column}: ${d.severity}: ${d.message.replace(/\n/g, ' ')} [${d.code}]`);
      }
    }
    return errors ? 1 : 0;
  },
};

export const contextCommands: CliCommand[] = [prepare, check];
