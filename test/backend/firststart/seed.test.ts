import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { dataLayout } from '../../../src/backend/paths';
import { seedBaseImage } from '../../../src/backend/firststart/seed';
import { fileSecrets, localBuilderFiles, localBuilderTrust, setLocalBuilderTrusted } from '../../../src/backend/firststart/localBuilder';
import { LocalMarketplace } from '../../../src/backend/marketplace/local';
import { setDefaultTrusted, trustVerdict, verdictProblem } from '../../../src/backend/marketplace/trust';
import { validateMetadata } from '../../../src/core/metadata/validate';
import { generateCertificate } from '../../../src/core/metadata/sign';

function tmpImage(dir: string): string {
  const img = path.join(dir, 'base.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '64M']);
  return img;
}

test('first start: the base image is published, complete, signed by the local builder, trusted by default, once', async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-seed-'));
  t.after(() => { setDefaultTrusted([]); fs.rmSync(dir, { recursive: true, force: true }); });
  const data = dataLayout(path.join(dir, 'data'));
  const image = tmpImage(dir);
  const r = await seedBaseImage(data, { image, secrets: fileSecrets(data) });
  assert.equal(r.published, true);
  assert.equal(r.certificateCreated, true);
  const f = localBuilderFiles(data);
  assert.equal(fs.statSync(f.p12).mode & 0o777, 0o600);
  assert.equal(fs.statSync(f.passwordFile).mode & 0o777, 0o600);

  const market = new LocalMarketplace(data.marketplace);
  const entries = await market.entries();
  assert.equal(entries.length, 1);
  assert.equal(entries[0].key.identifier, r.identifier);
  assert.equal(entries[0].summary.os, 'Debian');
  const xml = await market.get(entries[0].key);
  const trusted = localBuilderTrust(data);
  assert.equal(trusted.length, 1);
  // complete metadata: no error and no warning in any layer, the signature trusted
  const v = validateMetadata(xml, { trusted });
  assert.deepEqual(v.diagnostics.filter(d => d.severity !== 'info').map(d => `${d.code}: ${d.message}`), []);

  // trusted by default: green without any user list, and it does not make other signers refused
  setDefaultTrusted(trusted);
  assert.equal(trustVerdict(xml).level, 'good');
  assert.equal(trustVerdict(xml, { trusted }).level, 'good');
  // the user's own non-empty list still refuses signers outside it, but the local builder stays trusted
  const other = generateCertificate({ commonName: 'Other', email: 'o@example.org', password: 'x' });
  assert.equal(trustVerdict(xml, { trusted: [other.certificatePem] }).level, 'good');

  // once per data folder
  const again = await seedBaseImage(data, { image, secrets: fileSecrets(data) });
  assert.equal(again.published, false);
  assert.equal((await new LocalMarketplace(data.marketplace).entries()).length, 1);

  // one step removes the trust: the entry is then only signed, refused once the user lists signers
  await setLocalBuilderTrusted(data, false);
  assert.deepEqual(localBuilderTrust(data), []);
  setDefaultTrusted(localBuilderTrust(data));
  assert.equal(trustVerdict(xml).trusted, false);
  assert.match(verdictProblem(trustVerdict(xml, { trusted: [other.certificatePem] }))!, /stratus\.trustedCertificates/);
  await setLocalBuilderTrusted(data, true);
  assert.equal(localBuilderTrust(data).length, 1);
});
