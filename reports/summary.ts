/** The compact terminal summary printed after a report is written. */
import { isAbsolute, relative } from 'node:path';
import { isSingleProvider, resentText, verdictLabels, shardSentence } from './marks.ts';
import { percent, truncate, visible } from './text.ts';
import type { Parity } from './types.ts';

export function renderSummary(parity: Parity, written: string[]): string {
  const width = Math.max(8, ...parity.providers.map((p) => p.id.length));
  const lines = [`parity: ${parity.cases.length} cases × ${parity.providers.length} providers`];
  for (const p of parity.providers) {
    const name = p.id.padEnd(width);
    if (!p.available) {
      lines.push(`  ${name} not run here: ${visible(p.unavailable?.reason ?? '')}`);
      continue;
    }
    const extra = Object.entries(p.counts)
      .filter(([status]) => status !== 'PASS')
      .map(([status, n]) => `${n} ${status}`);
    // A provider that never started ran nothing: "not run", never a count of failures.
    if (p.start_error && p.counts.ERROR === p.total) {
      lines.push(`  ${name} not run: did not start: ${truncate(visible(p.start_error), 120)}`);
      continue;
    }
    const started = p.start_error ? `; did not start: ${truncate(visible(p.start_error), 120)}` : '';
    lines.push(`  ${name} ${p.kind.padEnd(10)} ${String(p.passes).padStart(4)}/${p.total} pass${extra.length ? ` (${extra.join(', ')})` : ''}${started}`);
  }
  for (const p of parity.providers) if (p.resent_requests?.length) lines.push(`  warning: ${p.id}: ${truncate(visible(resentText(p.resent_requests)), 240)}`);
  for (const s of parity.merge.superseded) lines.push(`  note: ${s.provider} from ${s.file} was superseded by the newer ${s.by}`);
  for (const note of parity.merge.shards ?? []) lines.push(`  ${note.missing.length ? 'warning' : 'note'}: ${shardSentence(note)}`);
  const { interop } = parity;
  const counts = verdictLabels(parity).map(([v, label]) => `${parity.verdicts[v]} ${label}`).join(', ');
  if (isSingleProvider(parity)) lines.push(`against the contract: ${counts}`);
  else {
    lines.push(`interop score ${percent(interop.score)}: ${interop.portable} portable of ${interop.judged} judged cases (${interop.rule})`);
    lines.push(`verdicts: ${counts}`);
    lines.push(`divergent cases: ${parity.verdicts.divergent}`);
  }
  for (const c of parity.adapters ?? []) lines.push(`${c.adapter} (EdgeZero's adapter) beside ${c.platform}: the same on ${c.same} of ${c.compared} cases`);
  for (const c of parity.platforms) lines.push(`${c.platform}: ${c.emulator} vs ${c.production} (production) differ on ${c.differences.length} of ${c.compared} cases`);
  for (const s of parity.smoke) lines.push(`smoke ${s.provider ?? s.file}: ${s.checks.filter((c) => c.status === 'PASS').length} of ${s.checks.length} checks PASS`);
  if (written.length) lines.push(`written: ${written.map(shortPath).join(', ')}`);
  return lines.join('\n') + '\n';
}

/** Relative to the working directory when inside it, so the line stays short. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
