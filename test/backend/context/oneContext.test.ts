import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ONE_CONTEXT_SCRIPT, ONE_CONTEXT_UNIT } from '../../../src/backend/context/oneContext';

const script = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'scripts', 'build-base-image.sh'), 'utf8');
const heredoc = (tag: string) => new RegExp(`<<'${tag}'\\n([\\s\\S]*?\\n)${tag}\\n`).exec(script)?.[1];

test('the base image ships the same one-context agent that Check Image Readiness installs', () => {
  assert.equal(heredoc('ONE_CONTEXT_SCRIPT'), ONE_CONTEXT_SCRIPT);
  assert.equal(heredoc('ONE_CONTEXT_UNIT'), ONE_CONTEXT_UNIT);
});

test('the agent: a *.context run_exec sees the file default, a context.sh value overrides it; enable=no does not run', () => {
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-1ctx-'));
  fs.mkdirSync(path.join(w, 'conf.d'));
  fs.mkdirSync(path.join(w, 'mnt'));
  fs.writeFileSync(path.join(w, 'show.sh'), `#!/bin/sh\necho "FOO=$FOO" >> ${w}/out\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(w, 'conf.d', '50-show.context'), `enable=yes\nFOO=bar\nrun_exec=${w}/show.sh\n`);
  fs.writeFileSync(path.join(w, 'conf.d', '60-off.context'), `enable=no\nrun_exec=${w}/show.sh\n`);
  // the paths of a guest moved into the scratch folder; no disk to mount here, so the context.sh is "found" directly
  const agent = (withCtx: boolean) => ONE_CONTEXT_SCRIPT.replace('configuration_dir=/etc/stratuslab/conf.d', `configuration_dir=${w}/conf.d`)
    .replace('configuration_file=/etc/stratuslab/stratuslab-one-context.cfg', `configuration_file=${w}/none.cfg`)
    .replace('mnt=/mnt/stratuslab', `mnt=${w}/mnt`).replace(/^ctx=$/m, withCtx ? `ctx=${w}/mnt/context.sh` : 'ctx=')
    .replace('if [ -e "$dev" ] && mount', 'if false && mount');
  fs.writeFileSync(path.join(w, 'mnt', 'context.sh'), "FOO='shi'\n");
  execFileSync('sh', ['-c', agent(false)]);
  execFileSync('sh', ['-c', agent(true)]);
  assert.equal(fs.readFileSync(path.join(w, 'out'), 'utf8'), 'FOO=bar\nFOO=shi\n');
  fs.rmSync(w, { recursive: true, force: true });
});
