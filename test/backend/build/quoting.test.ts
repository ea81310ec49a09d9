import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { shellQuote } from '../../../src/backend/host/host';
import { sysprepCommands } from '../../../src/core/recipe/sysprep';
import { SYSPREP_OPS } from '../../../src/core/recipe/fields';

// GuestSession sends shellQuote(argv) as the SSH command line, which sshd runs with the user's
// shell (`sh -c LINE`). Running the same line through a real /bin/sh proves what the guest receives.
const HOSTILE = ['$(touch PWNED)', '`touch PWNED`', '; touch PWNED', "it's", 'a b\tc', 'x\ny', '*', '$HOME', '"quoted"', '\\', '--', '-rf', ''];

test('script arguments arrive literally, one word each', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quote-'));
  const script = path.join(dir, 'show args.sh');
  fs.writeFileSync(script, '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n', { mode: 0o755 });
  const line = shellQuote([script, ...HOSTILE]);
  const out = execFileSync('/bin/sh', ['-c', line], { cwd: dir }).toString();
  assert.deepEqual(out.split('\0').slice(0, -1), HOSTILE);
  assert.ok(!fs.existsSync(path.join(dir, 'PWNED')), 'nothing was executed');
});

test('sysprep exclude paths: only the given path is removed, and its text is never run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-'));
  fs.mkdirSync(path.join(dir, 'cache'));
  for (const f of ['a.tmp', 'b.tmp', 'keep.txt']) fs.writeFileSync(path.join(dir, 'cache', f), '');
  const off = Object.fromEntries(SYSPREP_OPS.map(o => [o, false])) as Record<typeof SYSPREP_OPS[number], boolean>;
  const [cmd] = sysprepCommands(off, undefined, [`${dir}/cache/*.tmp`]);
  execFileSync('/bin/sh', ['-c', shellQuote(cmd.argv)]);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'cache')), ['keep.txt']);
});
