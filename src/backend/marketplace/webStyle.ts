/** The web pages' one stylesheet: VS Code's default light and dark colours, following prefers-color-scheme. */
export const WEB_CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #3b3b3b; --muted: #6e7681; --border: #e5e5e5; --head: #f8f8f8;
  --accent: #005fb8; --input: #ffffff; --input-border: #cecece; --good: #388a34; --warn: #8a6100; --bad: #c72e0f; --row: #f2f2f2; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #1f1f1f; --fg: #cccccc; --muted: #9d9d9d; --border: #2b2b2b; --head: #181818;
    --accent: #4daafc; --input: #313131; --input-border: #3c3c3c; --good: #89d185; --warn: #cca700; --bad: #f48771; --row: #2a2d2e; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif; }
header { display: flex; gap: 24px; align-items: center; padding: 8px 20px; background: var(--head); border-bottom: 1px solid var(--border); }
header nav a { margin-right: 16px; }
.brand { font-weight: 600; color: var(--fg); }
a { color: var(--accent); text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
main { padding: 12px 20px 40px; max-width: 1400px; }
h1 { font-size: 20px; font-weight: 600; margin: 8px 0 12px; overflow-wrap: anywhere; }
h2 { font-size: 14px; font-weight: 600; margin: 20px 0 8px; }
.mono, code, pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.sub { color: var(--muted); }
form.filters, form.upload { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin-bottom: 12px; }
label { display: flex; flex-direction: column; gap: 2px; color: var(--muted); }
input, select, button { font: inherit; color: var(--fg); background: var(--input); border: 1px solid var(--input-border); border-radius: 2px; padding: 3px 6px; }
button { background: var(--accent); color: #ffffff; border-color: var(--accent); padding: 4px 12px; cursor: pointer; }
.paging { display: flex; gap: 16px; margin: 8px 0; color: var(--muted); }
table { border-collapse: collapse; }
table.entries { width: 100%; }
table.entries th, table.entries td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
table.entries thead th { color: var(--muted); font-weight: 600; }
table.entries tbody tr:hover { background: var(--row); }
table.fields th { text-align: left; color: var(--muted); font-weight: normal; padding: 3px 16px 3px 0; vertical-align: top; white-space: nowrap; }
table.fields td { padding: 3px 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; border: 1px solid currentColor; white-space: nowrap; font-size: 12px; }
.good, .badge.good { color: var(--good); } .warning, .badge.warning { color: var(--warn); } .bad, .badge.bad { color: var(--bad); } .ok { color: var(--good); }
section.verdict { border-left: 3px solid currentColor; padding: 2px 12px; margin: 16px 0; }
section.verdict ul, section.verdict table { color: var(--fg); }
pre.cmd { background: var(--head); border: 1px solid var(--border); padding: 8px; overflow-x: auto; }
.empty { color: var(--muted); }
`;
