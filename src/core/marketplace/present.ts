import type { ListedEntry } from './query';
import { entryDescription, entryLabel } from './group';

/** The trust fields the tree shows (a subset of backend TrustVerdict, so this stays pure). */
export interface VerdictView {
  level: 'good' | 'warning' | 'bad';
  state: string;
  signature: string;
  signer?: string;
  trusted: boolean;
  endorserMatches: boolean;
  checksum?: 'matched' | 'mismatch';
  problems: string[];
}

/** What a Marketplace tree row needs, computed without vscode so the bench measures the real work. */
export interface EntryPresentation {
  label: string;
  description: string;
  /** codicon id and ThemeColor id. */
  icon: string;
  color?: string;
  /** draft | deprecated | expired | expiring | valid (the UI builds its row's contextValue from state and trust). */
  state: string;
  /** unverified | bad | trusted | untrusted */
  trust: string;
  tooltip: string;   // Markdown
}

const md = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

export function presentEntry(e: ListedEntry, v: VerdictView | undefined, now: string): EntryPresentation {
  const s = e.summary;
  const state = e.private ? 'draft' : s.deprecated !== undefined ? 'deprecated' : s.valid && s.valid <= now ? 'expired' : v?.state === 'expiring' ? 'expiring' : 'valid';
  const trust = !v ? 'unverified' : v.level === 'bad' ? 'bad' : v.trusted ? 'trusted' : 'untrusted';
  const icon = !v ? 'circle-large-outline' : v.level === 'good' ? 'verified-filled' : v.level === 'warning' ? 'warning' : 'error';
  const color = !v ? undefined : v.level === 'good' ? 'testing.iconPassed' : v.level === 'warning' ? 'list.warningForeground' : 'list.errorForeground';
  const lines = [
    `**${md(entryLabel(e))}**${s.deprecated !== undefined ? ' — *deprecated*' : ''}`,
    '',
    `| | |`, `|---|---|`,
    `| Identifier | \`${e.key.identifier}\` |`,
    `| Endorser | ${md(e.key.email)} |`,
    `| Created | ${e.key.created} |`,
    `| Valid until | ${s.valid ?? '—'} |`,
    `| OS | ${md([s.os, s.osVersion, s.osArch].filter(Boolean).join(' ') || '—')} |`,
    `| Size | ${s.bytes !== undefined ? formatBytes(s.bytes) : '—'} |`,
    `| Location | ${s.locations.length ? s.locations.map(l => md(l)).join('<br>') : '—'} |`,
  ];
  if (s.deprecated !== undefined) lines.push(`| Deprecated | ${md(s.deprecated || 'yes')} |`);
  if (e.private) lines.push('| Draft | private, from a saved instance |');
  lines.push('');
  if (!v) lines.push('*Verifying the signature…*');
  else {
    lines.push(`**Trust: ${v.level === 'good' ? 'verified' : v.level === 'warning' ? 'usable, with warnings' : 'refused for launch'}**`, '');
    lines.push(`- Signature: ${v.signature}${v.signer ? ` (${md(v.signer)})` : ''}`);
    lines.push(`- Signer trusted: ${v.trusted ? 'yes' : 'no'}`);
    lines.push(`- Endorser matches certificate: ${v.endorserMatches ? 'yes' : 'no'}`);
    if (v.checksum) lines.push(`- Downloaded image checksum: ${v.checksum}`);
    for (const p of v.problems) lines.push(`- ⚠ ${md(p)}`);
  }
  return { label: entryLabel(e), description: entryDescription(e), icon, color, state, trust, tooltip: lines.join('\n') };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}
