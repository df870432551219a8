/**
 * parity.html: one self-contained file (inline CSS and JS, no network at view
 * time). The matrix is rendered on the server side, so it reads without script;
 * the script adds filters and the per-cell detail panel.
 */
import { CSS, SCRIPT } from './html-assets.ts';
import { HTML_LEGEND, HTML_MARKS, capabilityText, contractsOf, isSingleProvider, ranProviders, resentText, verdictLabel, verdictLabels, shardSentence } from './marks.ts';
import { observationLabel } from './native-table.ts';
import { escapeHtml as h, isWebLink, percent, truncate } from './text.ts';
import type { CaseRow, Parity, ProviderEntry } from './types.ts';

export function renderHtml(parity: Parity): string {
  const columns = ranProviders(parity);
  // One provider compares nothing: its report is pass, fail and divergence against the contract.
  const single = isSingleProvider(parity);
  const title = single ? `kvparity report: ${columns[0]?.id ?? parity.providers.map((p) => p.id).join(', ')}` : 'kvparity parity report';
  const counts = verdictLabels(parity).map(([v, label]) => `${parity.verdicts[v]} ${h(label)}`).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
${
  single
    ? `<p class="score">Against the EdgeZero KV contract, ${parity.cases.length} cases: <b id="single-counts">${counts}</b>.</p>
<p class="muted">Generated ${h(parity.generated)} from ${parity.merge.files.length} results file(s).</p>`
    : `<p class="score">Interop score <b id="interop-score">${percent(parity.interop.score)}</b> — ${parity.interop.portable} portable of ${parity.interop.judged} judged cases.
<span class="rule">Rule: ${h(parity.interop.rule)}.</span></p>
<p class="muted">${counts} — generated ${h(parity.generated)} from ${parity.merge.files.length} results file(s).</p>`
}
${contractLine(parity)}
${superseded(parity)}
</header>
${providerSection(parity.providers)}
${matrixSection(parity, columns)}
${nativeSection(parity, columns)}
${platformSection(parity)}
${adapterSection(parity)}
${divergenceSection(parity)}
${smokeSection(parity)}
${single ? '' : rulesSection(parity)}
<script type="application/json" id="parity-data">${scriptJson({ providers: parity.providers.map(({ id, seed, runs }) => ({ id, seed, runs })), cases: parity.cases })}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** JSON inside <script>: nothing in it may close the element or be read as markup. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function superseded(parity: Parity): string {
  const shards = (parity.merge.shards ?? []).map((note) => `<p class="muted">${note.missing.length ? '⚠ ' : ''}${h(shardSentence(note))}</p>`).join('');
  if (parity.merge.superseded.length === 0) return shards;
  return shards + `<p class="muted">Superseded (an older file for the same provider): ${parity.merge.superseded.map((s) => `${h(s.provider)} from ${h(s.file)} (kept ${h(s.by)})`).join('; ')}</p>`;
}

function providerSection(providers: ProviderEntry[]): string {
  const rows = providers.map((p) => {
    const runtime = p.runtime ? `${p.runtime.name} ${p.runtime.version}` : '—';
    const state = !p.available
      ? `<td colspan="3">not run here: ${h(p.unavailable?.reason ?? '')}<br>enable with <code>${h(p.unavailable?.enable ?? '')}</code></td>`
      : `<td>${p.passes} / ${p.total}</td><td>${h(Object.entries(p.counts).map(([s, n]) => `${n} ${s}`).join(', '))}</td><td>${p.start_error ? `did not start: ${h(truncate(p.start_error, 400))}` : `seed ${p.seed}, ${p.runs} runs`}${p.resent_requests?.length ? `<br>⚠ ${h(resentText(p.resent_requests))}` : ''}</td>`;
    return `<tr data-provider-row="${h(p.id)}"><td><b>${h(p.id)}</b><div class="title">${h(p.title)}</div></td><td>${h(p.kind)}</td><td>${h(p.platform)}</td><td>${h(runtime)}</td><td>${h(capabilityText(p.capabilities))}</td>${state}</tr>`;
  });
  return `<section id="providers"><h2>Providers</h2>
<table><thead><tr><th>provider</th><th>kind</th><th>platform</th><th>runtime</th><th>declared capabilities</th><th>passes</th><th>statuses</th><th>run</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function matrixSection(parity: Parity, columns: ProviderEntry[]): string {
  const categories = Object.keys(parity.categories);
  const filters = `<form id="filters" onsubmit="return false">
<label><input type="checkbox" id="only-divergent"> hide ${isSingleProvider(parity) ? 'passing' : 'portable'} cases</label>
<label>${isSingleProvider(parity) ? 'status' : 'verdict'} <select id="verdict-filter"><option value="">all</option>${verdictLabels(parity).map(([v, label]) => `<option value="${v}">${h(label)} (${parity.verdicts[v]})</option>`).join('')}</select></label>
<label>category <select id="category-filter"><option value="">all</option>${categories.map((c) => `<option value="${h(c)}">${h(c)}</option>`).join('')}</select></label>
<fieldset id="provider-filter">providers ${columns.map((p) => `<label><input type="checkbox" value="${h(p.id)}" checked> ${h(p.id)}</label>`).join(' ')}</fieldset>
<label><input type="search" id="search" placeholder="case id contains…"></label>
<span id="shown-count" class="muted"></span>
</form>`;
  const head = `<tr><th>case</th><th>${isSingleProvider(parity) ? 'status' : 'verdict'}</th>${columns.map((p) => `<th data-provider="${h(p.id)}">${h(p.id)}</th>`).join('')}</tr>`;
  const body: string[] = [];
  for (const category of categories) {
    const rollup = parity.categories[category];
    body.push(`<tr class="category" data-category="${h(category)}"><th colspan="2">${h(category)} <span class="muted">(${rollup.total} cases${isSingleProvider(parity) ? '' : `, ${rollup.verdicts.portable ?? 0} portable`})</span></th>${columns.map((p) => `<td data-provider="${h(p.id)}">${rollup.providers[p.id] ?? 0} / ${rollup.total}</td>`).join('')}</tr>`);
    parity.cases.forEach((row, index) => {
      if (row.category === category) body.push(caseRow(parity, row, index, columns));
    });
  }
  return `<section id="matrix-section"><h2>Cases × providers</h2>
<p class="muted">${h(HTML_LEGEND)}. Click a cell for what was observed.</p>
${filters}
<div class="layout"><div class="matrix-wrap"><table id="matrix"><thead>${head}</thead><tbody>
${body.join('\n')}
</tbody></table></div>
<aside id="detail"><p class="muted">Click a cell to see the observed value, the error text, the property seed and counterexample, and any known-divergence link.</p></aside></div>
</section>`;
}

function caseRow(parity: Parity, row: CaseRow, index: number, columns: ProviderEntry[]): string {
  const cells = columns.map((p) => {
    const cell = row.providers[p.id];
    const status = cell?.status ?? 'NOT_RUN';
    const tip = cell ? `${status}${cell.message ? ': ' + truncate(cell.message, 300) : ''}` : 'not run';
    return `<td class="cell s-${status}" data-provider="${h(p.id)}" tabindex="0" title="${h(tip)}">${HTML_MARKS[status]}</td>`;
  });
  return `<tr class="case" data-index="${index}" data-case="${h(row.id)}" data-category="${h(row.category)}" data-verdict="${row.verdict}"><td class="id"><code>${h(row.id)}</code><div class="title">${h(row.title)}</div></td><td class="verdict v-${row.verdict}" title="${h(row.reason)}">${h(verdictLabel(parity, row.verdict))}</td>${cells.join('')}</tr>`;
}

function nativeSection(parity: Parity, columns: ProviderEntry[]): string {
  const rows = parity.native.filter((row) => Object.keys(row.providers).length > 0);
  const body = rows.map((row) => {
    const cells = columns.map((p) => {
      const observations = row.providers[p.id] ?? [];
      const inner = observations
        .map((o) => `<div title="${h(o.case)}: ${h(o.status)}">${h(observationLabel(o, observations.length) + o.value)}${o.errors.map((e) => `<span class="err">${h(truncate(e, 400))}</span>`).join('')}</div>`)
        .join('');
      return `<td>${inner || '<span class="muted">—</span>'}</td>`;
    });
    return `<tr><th>${h(row.label)}</th>${cells.join('')}</tr>`;
  });
  const empty = parity.native.filter((row) => Object.keys(row.providers).length === 0).map((row) => h(row.label));
  return `<section id="native"><h2>Native behaviour</h2>
<p class="muted">What each platform itself did, from the probes of this run, with its own error texts.${empty.length ? ` No probe ran for: ${empty.join(', ')}.` : ''}</p>
${rows.length ? `<table class="native"><thead><tr><th></th>${columns.map((p) => `<th>${h(p.id)}</th>`).join('')}</tr></thead><tbody>${body.join('\n')}</tbody></table>` : ''}
</section>`;
}

/** Each platform's store beside EdgeZero's adapter on it: agreement per category, then every case where they differ. */
function adapterSection(parity: Parity): string {
  const pairs = parity.adapters ?? [];
  if (pairs.length === 0) return '';
  const parts = pairs.map((c) => {
    const categories = Object.entries(c.categories).map(([name, n]) => `${h(name)} ${n.same}/${n.compared}`).join(', ');
    const rows = c.differences.map(
      (d) => `<tr><td><code>${h(d.case)}</code><div class="title">${h(d.title)}</div></td><td>${side(d.platform)}</td><td>${side(d.adapter)}</td></tr>`,
    );
    return `<h3>${h(c.adapter)} (EdgeZero's own code) beside ${h(c.platform)}</h3>
<p>The same on ${c.same} of ${c.compared} cases (${categories}).</p>
${rows.length ? `<table><thead><tr><th>case</th><th>${h(c.platform)}</th><th>${h(c.adapter)}</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` : ''}`;
  });
  return `<section id="adapters"><h2>EdgeZero's adapters beside their platforms</h2>${parts.join('\n')}</section>`;
}

function platformSection(parity: Parity): string {
  if (parity.platforms.length === 0) {
    return `<section id="platforms"><h2>Emulator vs production</h2><p class="muted">No platform has both an emulator and a production result in this report.</p></section>`;
  }
  const parts = parity.platforms.map((c) => {
    const rows = c.differences.map(
      (d) => `<tr><td><code>${h(d.case)}</code><div class="title">${h(d.title)}</div></td><td>${side(d.emulator)}</td><td>${side(d.production)}</td></tr>`,
    );
    return `<h3>${h(c.platform)}: ${h(c.emulator)} (emulator) vs ${h(c.production)} (production)</h3>
<p>${c.differences.length} of ${c.compared} cases differ.</p>
${rows.length ? `<table><thead><tr><th>case</th><th>${h(c.emulator)}</th><th>${h(c.production)}</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` : ''}`;
  });
  return `<section id="platforms"><h2>Emulator vs production</h2>${parts.join('\n')}</section>`;
}

function side(value: { status: string; observed?: unknown; message?: string } | null): string {
  if (!value) return '<span class="muted">not run</span>';
  const observed = value.observed !== undefined ? `<pre>${h(truncate(JSON.stringify(value.observed, null, 1), 1200))}</pre>` : '';
  return `<b>${h(value.status)}</b>${observed}${value.message ? `<span class="err">${h(truncate(value.message, 400))}</span>` : ''}`;
}

function link(target: string): string {
  return isWebLink(target) ? `<a href="${h(target)}" rel="noreferrer">${h(target)}</a>` : h(target);
}

function divergenceSection(parity: Parity): string {
  if (parity.divergences.length === 0) return '';
  const rows = parity.divergences.map((d) => `<tr><td><code>${h(d.case)}</code></td><td>${h(d.provider)}</td><td>${h(d.status)}</td><td>${link(d.link)}${d.note ? ` <span class="muted">${h(d.note)}</span>` : ''}</td></tr>`);
  return `<section id="divergences"><h2>Known divergences</h2>
<table><thead><tr><th>case</th><th>provider</th><th>status</th><th>link</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

function contractLine(parity: Parity): string {
  const contracts = contractsOf(parity);
  if (contracts.length === 0) return '';
  const one = (c: (typeof contracts)[number]) => `<a href="${h(c.link)}">${h(c.source.replace(/^https:\/\/github\.com\//, ''))} <code>${h(c.commit.slice(0, 7))}</code></a>`;
  const text = contracts.length === 1 ? one(contracts[0]) : contracts.map((c) => `${one(c)} (${h(c.providers.join(', '))})`).join('; ');
  return `<p class="muted" id="contract">Contract: ${text}.</p>`;
}

function smokeSection(parity: Parity): string {
  if (parity.smoke.length === 0) return '';
  const parts = parity.smoke.map((s) => {
    const rows = s.checks.map((c) => `<tr><td>${h(c.name)}</td><td class="s-${/^(pass|ok)$/i.test(c.status) ? 'PASS' : /^(fail|error)$/i.test(c.status) ? 'FAIL' : 'SKIP'}">${h(c.status)}</td><td>${h(c.detail ?? '')}</td></tr>`);
    return `<h3>${h(s.provider ?? s.file)}</h3><p class="muted">${h([s.base_url, s.ended, s.contract && `EdgeZero demo at ${s.contract.commit.slice(0, 7)}`, s.file].filter(Boolean).join(' · '))}</p><table><thead><tr><th>check</th><th>status</th><th>detail</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
  });
  return `<section id="smoke"><h2>Smoke (demo app over HTTP)</h2>${parts.join('\n')}</section>`;
}

function rulesSection(parity: Parity): string {
  return `<section id="rules"><h2>How verdicts are decided</h2>
<p>${h(parity.rules.deciding)} ${h(parity.rules.observations)} In order, the first rule that matches wins:</p>
<ol>${parity.rules.verdicts.map((r) => `<li><b>${h(r.verdict)}</b>: ${h(r.when)}</li>`).join('')}</ol>
<p>${h(parity.interop.rule)}.</p></section>`;
}
