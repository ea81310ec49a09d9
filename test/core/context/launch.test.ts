import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextFile, ContextPart } from '../../../src/core/context/cloudinit';
import { resolveContext } from '../../../src/core/context/launch';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1k0nTx0fYQ8y9m5gXx3cVZ1lH1hJcB0lJ2d3Zt7X1E test@stratus';
const parts: ContextPart[] = [
  { mimetype: 'ssh', filename: 'id.pub', content: Buffer.from(`Comment: x\n${KEY}\n`) },
  { mimetype: 'x-shellscript', filename: '/a/run.sh', content: Buffer.from('#!/bin/sh\necho hi\n') },
];

test('a cloud-init.txt from prepare-context means what its --cloud-init pairs mean', () => {
  const direct = resolveContext({ parts });
  const viaFile = resolveContext({ files: [{ name: 'cloud-init.txt', text: contextFile(parts, { boundary: '==B==' }) + '\n' }] });
  assert.equal(direct.method, 'cloud-init');
  assert.equal(viaFile.method, 'cloud-init');
  assert.deepEqual(viaFile.sshKeys, [KEY], 'keys decoded, Comment: lines dropped');
  assert.deepEqual(direct.sshKeys, [KEY]);
  assert.match(viaFile.userData!.toString(), /^Content-Type: multipart\/mixed; boundary="==B=="/, 'user data gunzipped');
  assert.match(viaFile.userData!.toString(), /Content-Type: text\/x-shellscript[\s\S]*filename="run.sh"\n\n#!\/bin\/sh\necho hi\n/);
  assert.deepEqual(viaFile.vars, {}, 'the cloud-init keys do not reach context.sh');
});

test('a `none` part is the user data literally', () => {
  const r = resolveContext({ parts: [{ mimetype: 'none', filename: 's.sh', content: Buffer.from('#!/bin/sh\necho literal\n') }] });
  assert.equal(r.userData!.toString(), '#!/bin/sh\necho literal\n');
});

test('plain KEY=VALUE files and --context go to the context disk; --context overrides the file; the method aliases', () => {
  const r = resolveContext({ files: [{ name: 'f', text: '# c\nFOO=bar\nX="two words"\n' }], inline: ['FOO=shi#Y=a=b'] });
  assert.equal(r.method, 'stratuslab');
  assert.deepEqual(r.vars, { FOO: 'shi', X: 'two words', Y: 'a=b' });
  assert.equal(resolveContext({ method: 'one' }).method, 'stratuslab');
  assert.equal(resolveContext({ method: 'cloud-init', inline: ['A=1'] }).method, 'cloud-init');
  assert.throws(() => resolveContext({ method: 'hepix2' }), /Unknown context method 'hepix2'/);
  assert.throws(() => resolveContext({ inline: ['novalue'] }), /use KEY=VALUE/);
});
