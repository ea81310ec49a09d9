// Merge a JSON fragment into package.json (for parallel work: run under `flock /tmp/stratus-pkg.lock`).
// Objects merge deeply; arrays are concatenated, replacing entries with the same command/id/view key.
import fs from 'node:fs';
const [file] = process.argv.slice(2);
const frag = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const key = e => e && typeof e === 'object' ? JSON.stringify([e.command, e.id, e.view, e.when, e.language, e.scopeName, e.fileMatch, e.contents && e.view]) : JSON.stringify(e);
function merge(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) {
    const out = [...a];
    for (const e of b) { const i = out.findIndex(x => key(x) === key(e)); if (i >= 0) out[i] = e; else out.push(e); }
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const out = { ...a };
    for (const k of Object.keys(b)) out[k] = k in a ? merge(a[k], b[k]) : b[k];
    return out;
  }
  return b;
}
const next = merge(pkg, frag);
fs.writeFileSync('package.json.tmp', JSON.stringify(next, null, 2) + '\n');
fs.renameSync('package.json.tmp', 'package.json');
