#!/usr/bin/env node
// bench/signing.mjs — what the KVM save Epilog pays to sign a draft with a throw-away certificate, and
// the cost of sign/verify, each against a baseline measured in the same run:
//   generateCertificate (node keygen + forge assembly)  vs  forge's own RSA-2048 keygen (pure JS)
//   signMetadata / verifySignature of a typical entry  vs  one bare RSA-SHA1 sign / verify of the same bytes
// Needs: npx tsc -p . (uses out/). Usage: node bench/signing.mjs   (RUNS=5 for more samples)
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { generateCertificate } = require(path.join(root, 'out/src/core/metadata/certs.js'));
const { signMetadata } = require(path.join(root, 'out/src/core/metadata/sign.js'));
const { verifySignature } = require(path.join(root, 'out/src/core/metadata/verify.js'));
const { MINIMAL } = require(path.join(root, 'out/test/core/metadata/testkeys.js'));
const forge = require('node-forge');

const RUNS = Number(process.env.RUNS ?? 3);
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, runs = RUNS) {
  const ms = [];
  for (let i = 0; i < runs; i++) { const t = process.hrtime.bigint(); fn(); ms.push(Number(process.hrtime.bigint() - t) / 1e6); }
  return median(ms);
}
const row = (what, ms, baseMs, base) => console.log(`${what.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms   baseline ${base}: ${baseMs.toFixed(1)} ms   ratio ${(ms / baseMs).toFixed(2)}x`);

const gen = time(() => generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', password: 'x' }));
// forge would hand keygen to node's crypto itself; the baseline is its pure-JS path (one run: it is slow).
forge.options.usePureJavaScript = true;
const forgeGen = time(() => forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 }), 1);
forge.options.usePureJavaScript = false;
row('generateCertificate (throw-away, RSA-2048)', gen, forgeGen, 'forge pure-JS keygen');

const key = generateCertificate({ commonName: 'Jane Tester', email: 'jane.tester@example.org', password: 'x' });
const runs = RUNS * 20;
const sign = time(() => signMetadata(MINIMAL, key), runs);
const bareSign = time(() => crypto.sign('RSA-SHA1', Buffer.from(MINIMAL), key.privateKeyPem), runs);
row('signMetadata (typical entry)', sign, bareSign, 'bare RSA-SHA1 sign');
const signed = signMetadata(MINIMAL, key);
const pub = crypto.createPublicKey(key.certificatePem);
const sig = crypto.sign('RSA-SHA1', Buffer.from(signed), key.privateKeyPem);
const verify = time(() => verifySignature(signed), runs);
const bareVerify = time(() => crypto.verify('RSA-SHA1', Buffer.from(signed), pub, sig), runs);
row('verifySignature (typical entry)', verify, bareVerify, 'bare RSA-SHA1 verify');
