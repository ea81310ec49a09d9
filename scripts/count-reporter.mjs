// node:test reporter that writes {passed, failed, skipped, failures[]} as JSON (used by scripts/test.mjs).
export default async function* countReporter(source) {
  const r = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const ev of source) {
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    if (ev.data.details?.type === 'suite') continue;
    if (ev.data.skip || ev.data.todo) r.skipped++;
    else if (ev.type === 'test:pass') r.passed++;
    else { r.failed++; r.failures.push(`${ev.data.file ?? ''} › ${ev.data.name}`); }
  }
  yield JSON.stringify(r);
}
