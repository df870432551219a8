/** parity.md: compact enough for a GitHub job summary; links become numbered notes. */
import { LEGEND, capabilityText, contractsOf, isSingleProvider, mark, ranProviders, resentText, superscript, verdictLabel, verdictLabels, shardSentence } from './marks.ts';
import { observationLabel } from './native-table.ts';
import { escapeMarkdown as md, isWebLink, percent, truncate } from './text.ts';
import type { CaseRow, Parity, ProviderEntry } from './types.ts';

/** GitHub refuses job summaries over 1 MiB; past this, the full matrix is left to parity.html. */
const SUMMARY_LIMIT = 1_000_000;

export function renderMarkdown(parity: Parity): string {
  const full = render(parity, true);
  return Buffer.byteLength(full) <= SUMMARY_LIMIT ? full : render(parity, false);
}

function render(parity: Parity, withFullMatrix: boolean): string {
  const notes = new Notes();
  const columns = ranProviders(parity);
  // One provider compares nothing: its report is pass, fail and divergence against the contract.
  const single = isSingleProvider(parity);
  const notPortable = parity.cases.filter((row) => row.verdict !== 'portable');
  const counts = verdictLabels(parity).map(([v, label]) => `${parity.verdicts[v]} ${label}`).join(' · ');
  const lines = [
    single ? `# kvparity report: ${md(columns[0]?.id ?? parity.providers.map((p) => p.id).join(', '))}` : '# kvparity parity report',
    '',
    ...(single
      ? [`Against the EdgeZero KV contract, ${parity.cases.length} cases: ${counts}.`]
      : [`**Interop score: ${percent(parity.interop.score)}** (${parity.interop.portable} portable of ${parity.interop.judged} judged cases). Rule: ${md(parity.interop.rule)}.`, '', counts]),
    '',
    contractLine(parity),
    '',
    ...providerTable(parity.providers),
    ...(parity.merge.shards ?? []).map((note) => `- ${note.missing.length ? '**⚠** ' : ''}${md(shardSentence(note))}`),
    ...categoryTable(parity, columns, single),
    single ? `## Cases that do not pass (${notPortable.length})` : `## Cases that are not portable (${notPortable.length})`,
    '',
    ...(notPortable.length ? matrix(parity, notPortable, columns, notes, true) : [single ? 'Every case passes.' : 'Every case is portable.', '']),
    ...(withFullMatrix
      ? ['<details><summary>All ' + parity.cases.length + ' cases</summary>', '', ...matrix(parity, parity.cases, columns, notes, false), '</details>', '']
      : [`The matrix of all ${parity.cases.length} cases is in parity.html (it would not fit a job summary).`, '']),
    ...nativeTable(parity, columns),
    ...platformSection(parity),
    ...adapterSection(parity),
    ...smokeSection(parity),
    ...(single
      ? []
      : [
          '## How verdicts are decided',
          '',
          md(parity.rules.deciding) + ' ' + md(parity.rules.observations) + ' In order, the first rule that matches wins:',
          '',
          ...parity.rules.verdicts.map((rule, i) => `${i + 1}. **${rule.verdict}**: ${md(rule.when)}`),
          '',
        ]),
    LEGEND,
    '',
    ...notes.render(),
  ];
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** Which upstream commit the contract client followed: one line, or one per commit when providers differ. */
function contractLine(parity: Parity): string {
  const contracts = contractsOf(parity);
  const one = (c: (typeof contracts)[number]) => `[${md(c.source.replace(/^https:\/\/github\.com\//, ''))} \`${c.commit.slice(0, 7)}\`](${c.link})`;
  if (contracts.length <= 1) return contracts.length ? `Contract: ${one(contracts[0])}.` : '';
  return `Contract: ${contracts.map((c) => `${one(c)} (${c.providers.map(md).join(', ')})`).join('; ')}.`;
}

function providerTable(providers: ProviderEntry[]): string[] {
  const lines = ['| provider | kind | platform | runtime | declared capabilities | pass | fail | ≠ | skip | error | cases |', '|---|---|---|---|---|--:|--:|--:|--:|--:|--:|'];
  for (const p of providers) {
    const runtime = p.runtime ? `${p.runtime.name} ${p.runtime.version}` : '—';
    const c = p.counts;
    lines.push(`| ${md(p.id)} | ${p.kind} | ${md(p.platform)} | ${md(runtime)} | ${md(capabilityText(p.capabilities))} | ${c.PASS ?? 0} | ${c.FAIL ?? 0} | ${c.EXPECTED_DIVERGENCE ?? 0} | ${c.SKIP ?? 0} | ${(c.ERROR ?? 0) + (c.TIMEOUT ?? 0)} | ${p.total} |`);
  }
  const absent = providers.filter((p) => !p.available || p.start_error);
  return [
    ...lines,
    '',
    ...absent.map((p) =>
      p.available
        ? `- **${md(p.id)}** did not start: ${md(truncate(p.start_error ?? '', 300))}`
        : `- **${md(p.id)}** not run here: ${md(p.unavailable?.reason ?? 'unavailable')}. Enable with \`${(p.unavailable?.enable ?? '').replace(/`/g, "'")}\``,
    ),
    ...providers.filter((p) => p.resent_requests?.length).map((p) => `- **${md(p.id)}**: ${md(resentText(p.resent_requests!))}`),
    '',
  ];
}

function categoryTable(parity: Parity, columns: ProviderEntry[], single: boolean): string[] {
  const tail = single ? '' : ' portable |';
  const header = `| category | cases | ${columns.map((p) => md(p.id)).join(' | ')} |${tail}`;
  const rows = Object.entries(parity.categories).map(
    ([name, r]) => `| ${md(name)} | ${r.total} | ${columns.map((p) => `${r.providers[p.id] ?? 0}`).join(' | ')} |${single ? '' : ` ${r.verdicts.portable ?? 0} |`}`,
  );
  return ['## Passes per category', '', header, `|---|--:|${columns.map(() => '--:|').join('')}${single ? '' : '--:|'}`, ...rows, ''];
}

function matrix(parity: Parity, rows: CaseRow[], columns: ProviderEntry[], notes: Notes, withReason: boolean): string[] {
  const single = isSingleProvider(parity);
  const header = `| case | ${single ? 'status' : 'verdict'} | ${columns.map((p) => md(p.id)).join(' | ')} |${withReason ? ' why |' : ''}`;
  const rule = `|---|---|${columns.map(() => ':-:|').join('')}${withReason ? '---|' : ''}`;
  const body = rows.map((row) => {
    const cells = columns.map((p) => {
      const cell = row.providers[p.id];
      const link = cell?.divergence ? notes.add(`${p.id} · ${row.id}`, cell.divergence.link, cell.divergence.note) : '';
      return mark(cell) + link;
    });
    // With one provider the reason to give is the case's own message, not which providers failed.
    const why = single ? Object.values(row.providers)[0]?.message ?? '' : row.reason;
    return `| \`${row.id}\` | ${verdictLabel(parity, row.verdict)} | ${cells.join(' | ')} |${withReason ? ` ${md(truncate(why, 200))} |` : ''}`;
  });
  return [header, rule, ...body, ''];
}

function nativeTable(parity: Parity, columns: ProviderEntry[]): string[] {
  const rows = parity.native.filter((row) => Object.keys(row.providers).length > 0);
  if (rows.length === 0) return [];
  const lines = ['## Native behaviour (probes)', '', `| | ${columns.map((p) => md(p.id)).join(' | ')} |`, `|---|${columns.map(() => '---|').join('')}`];
  for (const row of rows) {
    const cells = columns.map((p) =>
      (row.providers[p.id] ?? [])
        .map((o, _, all) => `${md(observationLabel(o, all.length) + (o.fact ? o.value : truncate(o.value, 80)))}${o.errors.length ? ': ' + o.errors.map((e) => `«${md(truncate(e, 120))}»`).join(' ') : ''}`)
        .join('<br>') || '—',
    );
    lines.push(`| ${md(row.label)} | ${cells.join(' | ')} |`);
  }
  return [...lines, ''];
}

function platformSection(parity: Parity): string[] {
  if (parity.platforms.length === 0) return [];
  const lines = ['## Emulator vs production', ''];
  for (const c of parity.platforms) {
    lines.push(`**${md(c.platform)}**: ${md(c.emulator)} (emulator) vs ${md(c.production)} (production): ${c.differences.length} of ${c.compared} cases differ.`, '');
    if (c.differences.length === 0) continue;
    lines.push(`| case | ${md(c.emulator)} | ${md(c.production)} |`, '|---|---|---|');
    for (const d of c.differences) lines.push(`| \`${d.case}\` | ${side(d.emulator)} | ${side(d.production)} |`);
    lines.push('');
  }
  return lines;
}

function side(value: { status: string; observed?: unknown; message?: string } | null): string {
  if (!value) return '❔ not run';
  const detail = value.observed !== undefined ? JSON.stringify(value.observed) : value.message ?? '';
  return `${value.status}${detail ? ' ' + md(truncate(detail, 120)) : ''}`;
}

/** Each platform's store beside EdgeZero's adapter on it: agreement per category, then every case where they differ. */
function adapterSection(parity: Parity): string[] {
  const pairs = parity.adapters ?? [];
  if (pairs.length === 0) return [];
  const lines = ["## EdgeZero's adapters beside their platforms", ''];
  for (const c of pairs) {
    const categories = Object.entries(c.categories).map(([name, n]) => `${md(name)} ${n.same}/${n.compared}`).join(', ');
    lines.push(`**${md(c.adapter)}** (EdgeZero's own code) beside **${md(c.platform)}**: the same on ${c.same} of ${c.compared} cases (${categories}).`, '');
    if (c.differences.length === 0) continue;
    lines.push(`| case | ${md(c.platform)} | ${md(c.adapter)} |`, '|---|---|---|');
    for (const d of c.differences) lines.push(`| \`${d.case}\` | ${side(d.platform)} | ${side(d.adapter)} |`);
    lines.push('');
  }
  return lines;
}

function smokeSection(parity: Parity): string[] {
  if (parity.smoke.length === 0) return [];
  const lines = ['## Smoke (demo app over HTTP)', ''];
  for (const s of parity.smoke) {
    const counts = new Map<string, number>();
    for (const c of s.checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
    const tally = [...counts].map(([status, n]) => `${n} ${md(status)}`).join(', ');
    const where = [s.base_url, s.ended, s.contract && `EdgeZero demo at ${s.contract.commit.slice(0, 7)}`].filter(Boolean).map((t) => md(t!)).join(', ');
    lines.push(`**${md(s.provider ?? s.file)}**: ${s.checks.length} checks: ${tally}${where ? ` (${where})` : ''}`, '', '| check | status | detail |', '|---|---|---|');
    for (const c of s.checks) lines.push(`| ${md(c.name)} | ${md(c.status)} | ${md(truncate(c.detail ?? '', 160))} |`);
    lines.push('');
  }
  return lines;
}

/** caniuse-style numbered notes: a cell gets ¹, the note at the bottom holds the link. */
class Notes {
  private list: { label: string; link: string; note?: string }[] = [];

  /** One note per link and note: cells that one known-divergence entry covers share it. */
  add(label: string, link: string, note?: string): string {
    let index = this.list.findIndex((n) => n.link === link && n.note === note);
    if (index === -1) index = this.list.push({ label, link, note }) - 1;
    else if (!this.list[index].label.split(', ').includes(label)) this.list[index].label += `, ${label}`;
    return superscript(index + 1);
  }

  render(): string[] {
    if (this.list.length === 0) return [];
    return [
      '## Notes',
      '',
      ...this.list.map((n, i) => {
        const target = isWebLink(n.link) ? `<${n.link}>` : md(n.link);
        return `${i + 1}. ${md(n.label)}: ${target}${n.note ? ' ' + md(n.note) : ''}`;
      }),
      '',
    ];
  }
}
