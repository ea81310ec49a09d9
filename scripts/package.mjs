// npm run package: builds, then makes stratus-<version>.vsix with @vscode/vsce, offline.
// --no-dependencies: webpack already bundled every runtime dependency into dist/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const out = process.argv[2] ?? `${pkg.name}-${pkg.version}.vsix`;
function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`package: \`${cmd} ${args.join(' ')}\` failed`); process.exit(1); }
}
if (!process.env.STRATUS_PACKAGE_NO_BUILD) run('npm', ['run', '-s', 'build']);
// vsce rewrites the README's relative links (the screenshot) against the repository; say where it is.
const repo = String(pkg.repository?.url ?? pkg.repository ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
const base = repo.startsWith('https://') ? ['--baseContentUrl', `${repo}/blob/HEAD`, '--baseImagesUrl', `${repo}/raw/HEAD`] : [];
run(process.execPath, [path.join('node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--skip-license',
  '--allow-missing-repository', ...base, '-o', out]);
console.log(`${out}: ${fs.statSync(out).size} bytes`);
