/** The inline stylesheet and script of parity.html (no network at view time). */

export const CSS = String.raw`
:root { --pass:#e6f4ea; --fail:#fce8e6; --div:#fef7e0; --skip:#f1f3f4; --unk:#e8eaf6; --line:#dadce0; --ink:#202124; --muted:#5f6368; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted, .title, .rule { color: var(--muted); } .rule { font-size: 12px; }
.score { font-size: 16px; margin: 8px 0; } .score b { font-size: 24px; }
table { border-collapse: collapse; } th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f8f9fa; font-weight: 600; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; word-break: break-all; background: #f8f9fa; border: 1px solid var(--line); padding: 6px; margin: 4px 0; max-height: 320px; overflow: auto; }
#filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 8px 0 12px; padding: 8px; background: #f8f9fa; border: 1px solid var(--line); border-radius: 6px; }
#filters fieldset { border: 0; margin: 0; padding: 0; display: inline-flex; gap: 8px; }
.layout { display: flex; gap: 16px; align-items: flex-start; }
.matrix-wrap { overflow: auto; max-height: 78vh; flex: 1 1 auto; }
#matrix thead th { position: sticky; top: 0; z-index: 1; }
#matrix td.id { max-width: 420px; } #matrix td.id .title { font-size: 12px; }
#matrix tr.category th { background: #e8f0fe; } #matrix tr.category td { background: #e8f0fe; text-align: center; font-size: 12px; }
td.cell { text-align: center; cursor: pointer; min-width: 64px; font-size: 16px; font-weight: 700; }
td.cell:hover, td.cell:focus { outline: 2px solid #1a73e8; outline-offset: -2px; }
td.cell.selected { outline: 3px solid #1a73e8; outline-offset: -3px; }
.s-PASS { background: var(--pass); color: #137333; } .s-FAIL { background: var(--fail); color: #c5221f; } .s-EXPECTED_DIVERGENCE { background: var(--div); color: #b06000; }
.s-SKIP { background: var(--skip); color: var(--muted); } .s-ERROR, .s-TIMEOUT, .s-NOT_RUN { background: var(--unk); color: #3949ab; }
.verdict { white-space: nowrap; font-size: 12px; font-weight: 600; }
.v-portable { color: #137333; } .v-divergent { color: #b06000; } .v-provider-specific, .v-failing { color: #c5221f; } .v-unsupported, .v-unknown { color: var(--muted); }
#detail { position: sticky; top: 8px; width: 440px; flex: 0 0 440px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: #fff; max-height: 78vh; overflow: auto; }
#detail h3 { margin: 0 0 4px; font-size: 15px; word-break: break-all; } #detail dt { font-weight: 600; margin-top: 6px; } #detail dd { margin: 0; word-break: break-word; }
table.native { width: 100%; table-layout: fixed; } table.native thead th:first-child { width: 170px; } table.native td { word-break: break-word; }
.err { display: block; color: #a50e0e; font-family: ui-monospace, monospace; font-size: 12px; word-break: break-word; max-height: 6.2em; overflow: auto; }
[hidden] { display: none !important; }
`;

/** Filters and the detail panel. Everything shown comes from textContent, never innerHTML. */
export const SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('parity-data').textContent);
  var seeds = {}; data.providers.forEach(function (p) { seeds[p.id] = p; });
  var rows = Array.prototype.slice.call(document.querySelectorAll('#matrix tr.case'));
  var headers = Array.prototype.slice.call(document.querySelectorAll('#matrix tr.category'));
  var only = document.getElementById('only-divergent');
  var verdict = document.getElementById('verdict-filter');
  var category = document.getElementById('category-filter');
  var search = document.getElementById('search');
  var providerBoxes = Array.prototype.slice.call(document.querySelectorAll('#provider-filter input'));
  var lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
  function visible(text) { return String(text).replace(lone, function (c) { return '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0'); }); }

  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var hide = (only.checked && row.dataset.verdict === 'portable') ||
        (verdict.value && row.dataset.verdict !== verdict.value) ||
        (category.value && row.dataset.category !== category.value) ||
        (search.value && row.dataset.case.indexOf(search.value.trim()) === -1);
      row.hidden = !!hide; if (!hide) shown++;
    });
    headers.forEach(function (header) {
      header.hidden = !rows.some(function (row) { return !row.hidden && row.dataset.category === header.dataset.category; });
    });
    providerBoxes.forEach(function (box) {
      document.querySelectorAll('#matrix [data-provider="' + box.value + '"]').forEach(function (el) { el.hidden = !box.checked; });
    });
    document.getElementById('shown-count').textContent = shown + ' of ' + rows.length + ' cases shown';
  }
  [only, verdict, category, search].concat(providerBoxes).forEach(function (el) { el.addEventListener('input', apply); el.addEventListener('change', apply); });

  function add(list, label, value, pre) {
    if (value === undefined || value === null || value === '') return;
    var dt = document.createElement('dt'); dt.textContent = label; list.appendChild(dt);
    var dd = document.createElement('dd');
    if (pre) { var block = document.createElement('pre'); block.textContent = visible(value); dd.appendChild(block); } else dd.textContent = visible(value);
    list.appendChild(dd);
  }
  function show(td) {
    document.querySelectorAll('td.cell.selected').forEach(function (el) { el.classList.remove('selected'); });
    td.classList.add('selected');
    var row = data.cases[Number(td.parentNode.dataset.index)];
    var id = td.dataset.provider; var cell = row.providers[id]; var p = seeds[id] || {};
    var panel = document.getElementById('detail'); panel.textContent = '';
    var h = document.createElement('h3'); h.textContent = visible(row.id) + ' on ' + id; panel.appendChild(h);
    var list = document.createElement('dl'); panel.appendChild(list);
    add(list, 'Case', row.title); add(list, 'Reference', row.ref); add(list, 'Check', row.check);
    add(list, 'Verdict', row.verdict + ': ' + row.reason);
    if (!cell) { add(list, 'Status', 'not run by this provider'); return; }
    add(list, 'Status', cell.status + (cell.duration_ms !== undefined ? ' in ' + cell.duration_ms + ' ms' : ''));
    add(list, 'Message', cell.message, true);
    if (cell.observed !== undefined) add(list, 'Observed', JSON.stringify(cell.observed, null, 2), true);
    if (row.contract !== undefined) add(list, 'Contract says', JSON.stringify(row.contract, null, 2), true);
    if (cell.property) {
      add(list, 'Property seed', cell.property.seed + ' (' + cell.property.numRuns + ' runs)');
      add(list, 'Path', cell.property.path); add(list, 'Counterexample', cell.property.counterexample, true);
    }
    if (cell.divergence) {
      var dt = document.createElement('dt'); dt.textContent = 'Known divergence'; list.appendChild(dt);
      var dd = document.createElement('dd'); var link = cell.divergence.link;
      if (/^https?:\/\/[^\s"'<>]+$/.test(link)) { var a = document.createElement('a'); a.href = link; a.rel = 'noreferrer'; a.textContent = link; dd.appendChild(a); } else dd.textContent = visible(link);
      if (cell.divergence.note) dd.appendChild(document.createTextNode(' ' + visible(cell.divergence.note)));
      list.appendChild(dd);
    }
    if (p.seed !== undefined) add(list, 'Replay', 'node cli/kvparity.mjs run --provider=' + id + " --case='" + row.id + "' --seed=" + p.seed + ' --runs=' + p.runs, true);
  }
  document.getElementById('matrix').addEventListener('click', function (event) {
    var td = event.target.closest('td.cell'); if (td) show(td);
  });
  document.getElementById('matrix').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && event.target.matches('td.cell')) show(event.target);
  });
  apply();
})();
`;
