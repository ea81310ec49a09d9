import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// Settings that point the extension somewhere else (hosts, marketplaces, keys, drivers, what is trusted):
// a workspace the user has not trusted must not set them. VS Code ignores the workspace's value of every
// setting named in restrictedConfigurations while the workspace is untrusted (getConfiguration().get()).
const REDIRECTING = ['stratus.marketplaces', 'stratus.hosts', 'stratus.activeHost', 'stratus.build.allowUntrustedBase', 'stratus.build.publicKey',
  'stratus.kvm.driver', 'stratus.instanceTypes', 'stratus.build.allowPathsOutsideRecipe', 'stratus.network'];

test('settings that redirect the extension are restricted in untrusted workspaces (or cannot be set by a workspace at all)', () => {
  const declared = pkg.contributes.configuration.properties as Record<string, { scope?: string }>;
  const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [];
  for (const s of REDIRECTING) assert.ok(restricted.includes(s), `${s} is in restrictedConfigurations`);
  // stratus.network comes with the network branch; VS Code ignores a restricted name that is not declared
  for (const s of restricted) assert.ok(declared[s] || s === 'stratus.network', `${s} (restricted) is a declared setting`);
  // a setting added later that names a host, endpoint, key, driver or network must be restricted too,
  // unless its scope keeps it out of workspaces (machine/application)
  for (const [name, d] of Object.entries(declared)) {
    if (!/host|marketplace|endpoint|key|driver|network|untrusted|instanceTypes|outside|certificate|dataDirectory/i.test(name)) continue;
    if (d.scope === 'machine' || d.scope === 'application') continue;
    if (name === 'stratus.marketplace.groupBy') continue; // presentation only
    assert.ok(restricted.includes(name), `${name} redirects the extension: restrict it`);
  }
});

test('the extension reads restricted settings only through get() (inspect() would see the untrusted workspace value)', () => {
  const offenders: string[] = [];
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p); else if (p.endsWith('.ts') && /\.inspect\s*[<(]/.test(fs.readFileSync(p, 'utf8'))) offenders.push(path.relative(root, p));
  } };
  walk(path.join(root, 'src'));
  assert.deepEqual(offenders, []);
});
