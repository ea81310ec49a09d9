import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as zlib from 'zlib';
import { contextFile } from '../../../src/core/context/cloudinit';
import { contextFileKind, contextHover, parseContextFile } from '../../../src/core/context/files';

const codes = (text: string, kind: 'one-context' | 'key-value') => parseContextFile(text, kind).diagnostics.map(d => [d.code, d.range.line, d.range.column, d.range.endColumn]);

test('file kinds by name', () => {
  assert.equal(contextFileKind('/etc/stratuslab/conf.d/50-pdisk.context'), 'one-context');
  assert.equal(contextFileKind('C:\\x\\cloud-init.txt'), 'key-value');
  assert.equal(contextFileKind('my.ctx'), 'key-value');
  assert.equal(contextFileKind('notes.txt'), undefined);
});

test('.context (seed 004): a valid file has no diagnostics; comments and quotes handled', () => {
  const text = '# pdisk\nenable=yes # If enable is not defined or no, the script is not launched\nFOO=bar\nrun_exec="/usr/bin/stratuslab-pdisk"\n';
  assert.deepEqual(parseContextFile(text, 'one-context').diagnostics, []);
  const { entries } = parseContextFile(text, 'one-context');
  assert.deepEqual(entries.map(e => [e.key, e.value]), [['enable', 'yes'], ['FOO', 'bar'], ['run_exec', '/usr/bin/stratuslab-pdisk']]);
});

test('.context diagnostics with exact ranges', () => {
  const text = [
    'enabled=yes',          // 1: unknown key (typo), range of the key
    'run_exec=bin/do-it -x', // 2: not absolute: the value range
    'just words',           // 3: missing '='
    'enable=maybe',         // 4: odd enable value
    'MY-VAR=1',             // 5: invalid shell name
    'A = 1',                // 6: spaces around '='
  ].join('\n');
  assert.deepEqual(codes(text, 'one-context'), [
    ['context/unknown-key', 1, 1, 8],
    ['context/run-exec-not-absolute', 2, 10, 22],
    ['context/missing-equals', 3, 1, 11],
    ['context/enable-value', 4, 8, 13],
    ['context/invalid-name', 5, 1, 7],
    ['context/space-around-equals', 6, 1, 6],
  ]);
  const unknown = parseContextFile(text, 'one-context').diagnostics.find(d => d.code === 'context/unknown-key')!;
  assert.match(unknown.message, /did you mean enable\?/);
  assert.deepEqual(codes('enable=yes\n', 'one-context'), [['context/run-exec-missing', 1, 1, 7]]);
});

test('KEY=VALUE: the original syntax error message, spaces, quotes, case of keys', () => {
  const text = 'CONTEXT_METHOD=cloud-init\nno equals here\nA = b\nX="q"\ncontext_method=one\nCLOUD_INIT_FOO=1\n';
  const d = parseContextFile(text, 'key-value').diagnostics;
  const syntax = d.find(x => x.code === 'context/missing-equals')!;
  assert.equal(syntax.message, 'Error while parsing contextualization file.\nSyntax error in line `no equals here`');
  assert.deepEqual(syntax.range, { line: 2, column: 1, endLine: 2, endColumn: 15 });
  assert.deepEqual(codes(text, 'key-value'), [
    ['context/missing-equals', 2, 1, 15],
    ['context/space-around-equals', 3, 1, 6],
    ['context/double-quote', 4, 3, 6],
    ['context/unknown-key', 5, 1, 15],
    ['context/unknown-key', 6, 1, 15],
  ]);
});

test('cloud-init.txt: bad base64, not gzip, over the 16 KiB limit', () => {
  const notGzip = Buffer.from('plain text').toString('base64');
  const big = zlib.gzipSync(crypto.randomBytes(17000)).toString('base64');
  const text = `CONTEXT_METHOD=cloud-init\nCLOUD_INIT_AUTHORIZED_KEYS=%%%notb64\nCLOUD_INIT_USER_DATA=${notGzip}\nCLOUD_INIT_USER_DATA=${big}\n`;
  const d = parseContextFile(text, 'key-value').diagnostics;
  const b64 = d.find(x => x.code === 'context/base64')!;
  assert.deepEqual(b64.range, { line: 2, column: 28, endLine: 2, endColumn: 37 });
  assert.ok(d.some(x => x.code === 'context/gzip' && x.range.line === 3));
  const size = d.find(x => x.code === 'context/size-limit')!;
  assert.equal(size.range.line, 4);
  assert.equal(size.message, `multipart size (${Buffer.from(big, 'base64').length}) exceeds limit (16384)`);
});

test('a generated cloud-init.txt is clean, and hovers decode user data and keys', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMm2k3kVQ7Y4f0sC1Wc2lU8mJfH8r0Vq9F8d0hQb1B2c me@box';
  const text = contextFile([
    { mimetype: 'ssh', filename: 'id.pub', content: Buffer.from(key + '\n') },
    { mimetype: 'x-shellscript', filename: 'boot.sh', content: Buffer.from('#!/bin/sh\necho booted\n') },
    { mimetype: 'cloud-config', filename: 'cc.yaml', content: Buffer.from('#cloud-config\npackages: [jq]\n') },
  ]) + '\n';
  assert.deepEqual(parseContextFile(text, 'key-value').diagnostics, []);
  const ud = contextHover(text, 'key-value', 3, 30)!;
  assert.match(ud.markdown, /MIME multipart, 2 part\(s\)/);
  assert.match(ud.markdown, /text\/x-shellscript\*\* — `boot\.sh`/);
  assert.ok(ud.markdown.includes('echo booted'));
  assert.ok(ud.markdown.includes('packages: [jq]'));
  assert.equal(ud.range.line, 3);
  const keys = contextHover(text, 'key-value', 2, 1)!;
  assert.match(keys.markdown, /1 key\(s\)/);
  assert.ok(keys.markdown.includes('`ssh-ed25519`') && keys.markdown.includes('me@box'));
  assert.equal(contextHover(text, 'key-value', 9, 1), undefined);
  assert.match(contextHover('enable=yes\n', 'one-context', 1, 2)!.markdown, /run_exec/);
});
