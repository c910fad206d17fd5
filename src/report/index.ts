/**
 * Reports: Markdown, a self-contained HTML page (Chart.js inlined, no network) and the pipeline
 * timeline of the first decoded token as Chrome trace JSON (opens in Perfetto or about:tracing).
 *
 * Every figure says what it is over: per decoded token, per prompt token, or a total over N
 * tokens; time and power say which clock they use (achieved by place and route, or a target).
 * The view model (`reportView`) decides every number and label; the renderers only print it.
 * After drawing, the page records which charts drew pixels in `document.body.dataset.renderCheck`,
 * which the test suite reads from headless Chromium.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { ScalingSeries } from './training.js';
import { writeOutputDir } from '../util/fsout.js';
import { si } from '../util/si.js';
import type { ActivityEnergy } from '../energy/activity.js';
import type { PaperEnergy } from '../energy/paper.js';
import type { SimReport } from '../sim/model.js';
import type { ImplResult } from '../verify/impl.js';

export interface ReportData {
  readonly title: string;
  readonly sim: SimReport;
  readonly activity: ActivityEnergy;
  readonly paper: PaperEnergy;
  /** The design's place-and-route result when `impl` has run it (area and Fmax). */
  readonly impl?: ImplResult | null;
  /** The training study's scaling series (models trained here), when the package has one. */
  readonly scaling?: readonly ScalingSeries[] | null;
}

/**
 * Published BitNet accelerators, as their authors report them (not reproduced here). They differ
 * in model, platform and what is counted, so they are context, not a ranking.
 */
export const PUBLISHED: readonly { readonly design: string; readonly platform: string; readonly model: string; readonly tokens_per_s: number | null; readonly J_per_token: number | null; readonly tokens_per_s_per_W: number | null; readonly caveat: string }[] = [
  { design: 'bitnet-kv260', platform: 'AMD Kria KV260 (FPGA)', model: 'BitNet b1.58 2B4T', tokens_per_s: 16.78, J_per_token: 0.381, tokens_per_s_per_W: 1 / 0.381, caveat: 'board power; weights in DDR4' },
  { design: 'TeLLMe v2', platform: 'AMD Kria KV260 (FPGA)', model: 'ternary BitNet-style LLM', tokens_per_s: 25, J_per_token: null, tokens_per_s_per_W: 5, caveat: 'reported as 25 tokens/s under 5 W; tokens/s/W is a lower bound' },
  { design: 'TerEffic', platform: 'FPGA, on-chip weights', model: '370M ternary', tokens_per_s: null, J_per_token: null, tokens_per_s_per_W: 455, caveat: 'a much smaller model held entirely on chip' },
];

interface Table {
  readonly caption: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

interface Chart {
  readonly id: string;
  readonly title: string;
  readonly kind: 'hbar' | 'timeline' | 'xy';
  readonly unit: string;
  readonly labels: readonly string[];
  /** hbar: one value per label; timeline: [start, end] spans with the label index of their row. */
  readonly data: readonly number[];
  readonly spans?: readonly { readonly row: number; readonly from: number; readonly to: number; readonly name: string }[];
  readonly valueLabels?: readonly string[];
  /** xy: lines of (x, y) points on a logarithmic x axis, `unit` on x. */
  readonly series?: readonly { readonly label: string; readonly points: readonly { readonly x: number; readonly y: number; readonly label: string }[] }[];
  readonly xTitle?: string;
  readonly yTitle?: string;
}

export interface ReportView {
  readonly title: string;
  readonly subtitle: string;
  readonly kpis: readonly { readonly label: string; readonly value: string; readonly note: string }[];
  readonly boundBy: string;
  readonly tables: readonly Table[];
  readonly charts: readonly Chart[];
  readonly notes: readonly string[];
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

/** What bounds decoding: the unit busiest over the decode cycles, and DRAM stalls if there are any. */
function boundBy(s: SimReport): string {
  const decode = Math.max(s.decode_cycles, 1);
  const [unit, busy] = Object.entries(s.per_unit_decode).sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
  const what: Record<string, string> = {
    head: 'the output head (its table is read for every decoded token)',
    engine: 'the BitLinear engine',
    vector: 'the vector unit (norms, residuals, RoPE)',
    attention: 'attention (scores, softmax, value sums over the history)',
    sfu: 'the special-function unit',
    kv: 'KV cache writes',
    seq: 'the sequencer',
  };
  const dram = s.weights_on_chip ? '' : '; weights are streamed from DRAM';
  return `${what[unit] ?? unit}: busy ${pct(busy / decode)} of the decode cycles${dram}`;
}

export function reportView(d: ReportData): ReportView {
  const s = d.sim;
  const a = d.activity;
  const clockNote = s.clock.source === 'achieved' ? s.clock.note : `${s.clock.mhz} MHz is a target clock, not met or not checked by place and route`;
  const msPerToken = s.tokens_per_second > 0 ? 1 / s.tokens_per_second : null;
  const kpis = [
    { label: 'decoded tokens/s', value: s.tokens_per_second.toPrecision(4), note: `at ${s.clock.mhz} MHz (${s.clock.source})` },
    { label: 'time per decoded token', value: si(msPerToken, 's'), note: `${int(s.cycles_per_token)} cycles` },
    { label: 'energy per decoded token', value: si(a.per_decoded_token_J, 'J'), note: `${a.node} table ${a.table}` },
    { label: 'decode power', value: si(a.decode_power_W, 'W'), note: `at ${s.clock.mhz} MHz (${s.clock.source})` },
    { label: 'tokens/s/W', value: a.tokens_per_second_per_W === null ? 'n/a' : a.tokens_per_second_per_W.toPrecision(3), note: '1 / energy per decoded token' },
    { label: 'MAC array busy', value: pct(s.utilization.mac_array), note: `over all ${int(s.prefill_cycles + s.decode_cycles)} cycles of the run` },
  ];
  const perf: Table = {
    caption: `Performance (${s.prefill} prompt tokens, then ${s.tokens} decoded)`,
    head: ['metric', 'value'],
    rows: [
      ['cycles per decoded token', int(s.cycles_per_token)],
      ['decoded tokens per second', s.tokens_per_second.toPrecision(4)],
      ['prompt cycles (total over the prompt)', `${int(s.prefill_cycles)} over ${s.prefill} tokens`],
      ['prompt tokens per second', s.prompt_tokens_per_second ? s.prompt_tokens_per_second.toPrecision(4) : 'n/a'],
      ['MAC array utilisation (whole run)', pct(s.utilization.mac_array)],
      ['program instructions', int(s.program_instructions)],
      ['weights', s.weights_on_chip ? 'on chip' : 'streamed from DRAM'],
      ['KV cache', s.kv_on_chip ? 'on chip' : 'in DRAM'],
      ...Object.entries(s.stalls).map(([k, v]) => [`stall cycles, ${k.replace(/_/g, ' ')} (total over the run)`, int(v)]),
    ],
  };
  const units = Object.keys(s.per_unit).filter((u) => (s.per_unit[u] ?? 0) > 0);
  const unitTable: Table = {
    caption: 'Utilisation per unit (busy cycles over the cycles of the part of the run)',
    head: ['unit', 'busy while decoding', 'decode busy cycles per token', 'busy over the whole run'],
    rows: units.map((u) => [u, pct((s.per_unit_decode[u] ?? 0) / Math.max(s.decode_cycles, 1)), int((s.per_unit_decode[u] ?? 0) / Math.max(s.tokens, 1)), pct(s.utilization.per_unit[u] ?? 0)]),
  };
  const parts = Object.entries(a.per_part_per_decoded_token_J).sort((x, y) => y[1] - x[1]);
  const partTable: Table = {
    caption: `Energy per decoded token by part of the model (activity method, ${a.node})`,
    head: ['part', 'per decoded token', 'share'],
    rows: parts.map(([k, v]) => [k, si(v, 'J'), pct(v / Math.max(a.per_decoded_token_J ?? 1, 1e-300))]),
  };
  const comps = Object.entries(a.per_component_per_decoded_token_J).sort((x, y) => y[1] - x[1]);
  const energyTable: Table = {
    caption: 'Energy by component',
    head: ['component', 'per decoded token', `total over all ${a.total_tokens} tokens`],
    rows: comps.map(([k, v]) => [k, si(v, 'J'), si(a.per_component_total_J[k] ?? 0, 'J')]),
  };
  const summary: Table = {
    caption: 'Energy summary',
    head: ['figure', 'value'],
    rows: [
      ['per decoded token', si(a.per_decoded_token_J, 'J')],
      ['per prompt token', si(a.per_prompt_token_J, 'J')],
      [`total over ${a.total_tokens} tokens (${a.prefill_tokens} prompt + ${a.decoded_tokens} decoded)`, si(a.total_J, 'J')],
      ['BitLinear part per decoded token', si(a.bitlinear_per_decoded_token_J, 'J')],
      ['its floor (weight bits the information allows + one int8 add per nonzero weight)', si(a.floor_per_decoded_token_J, 'J')],
      ['BitLinear over the floor', a.design_over_floor === null ? 'n/a' : `${a.design_over_floor.toFixed(2)}x`],
      ['per layer per decoded token (all but head and embedding)', si(a.per_layer_per_decoded_token_J, 'J')],
    ],
  };
  const bitnet = d.paper.results.find((r) => r.arch === 'bitnet');
  const paperTable: Table = {
    caption: `BitNet against full precision: the papers' method (${d.paper.node}, arithmetic of the matmuls only, totals over one sequence of ${d.paper.seq} tokens)`,
    head: ['arithmetic', 'MUL', 'ADD', `total over ${d.paper.seq} tokens`, 'vs BitNet'],
    rows: d.paper.results.map((r) => [r.arch, si(r.mul_J, 'J'), si(r.add_J, 'J'), si(r.total_J, 'J'), bitnet ? `${(r.total_J / bitnet.total_J).toFixed(1)}x` : '']),
  };
  const published: Table = {
    caption: 'Published BitNet accelerators (as reported by their authors, not reproduced here)',
    head: ['design', 'platform', 'model', 'tokens/s', 'J/token', 'tokens/s/W', 'caveat'],
    rows: [
      [`this design (${s.arch})`, s.clock.source === 'achieved' ? `simulated at the achieved ${s.clock.mhz} MHz` : `simulated at a ${s.clock.mhz} MHz target clock`, s.model, s.tokens_per_second.toPrecision(4), si(a.per_decoded_token_J, 'J'), a.tokens_per_second_per_W === null ? 'n/a' : a.tokens_per_second_per_W.toPrecision(3), `energy priced with the ${a.node} ASIC table, not measured board power`],
      ...PUBLISHED.map((p) => [p.design, p.platform, p.model, p.tokens_per_s === null ? 'n/a' : String(p.tokens_per_s), p.J_per_token === null ? 'n/a' : si(p.J_per_token, 'J'), p.tokens_per_s_per_W === null ? 'n/a' : p.tokens_per_s_per_W.toPrecision(3), p.caveat]),
    ],
  };
  const tables: Table[] = [perf, unitTable, summary, partTable, energyTable, paperTable, published];
  const impl = d.impl;
  if (impl) {
    const u = impl.utilization;
    const cell = (k: string): string => (u[k] ? `${int(u[k]!.used)} / ${int(u[k]!.available)}` : '0');
    tables.splice(1, 0, {
      caption: `Implementation of the BitLinear engine (${/Yosys [0-9.+]+/.exec(impl.yosys.version)?.[0] ?? impl.yosys.version}, ${/nextpnr-[0-9.]+/.exec(impl.nextpnr_version)?.[0] ?? impl.nextpnr_version}, ${impl.device}, seed ${impl.seed})`,
      head: ['figure', 'value'],
      rows: [
        ['Fmax (nextpnr)', `${Object.entries(impl.fmax_mhz).map(([c, f]) => `${c} ${f.toFixed(1)} MHz`).join(', ')} against ${impl.target_mhz} MHz: ${impl.met ? 'met' : 'MISSED'}`],
        ['LUT4 + carry cells', cell('TRELLIS_COMB')],
        ['flip-flops', cell('TRELLIS_FF')],
        ['EBR (DP16KD)', cell('DP16KD')],
        ['DSP (MULT18X18D)', cell('MULT18X18D')],
        ...(impl.critical_path ? [['critical path', `${impl.critical_path.from} -> ${impl.critical_path.to} (${impl.critical_path.unit}, ${impl.critical_path.logic_levels} logic levels, ${impl.critical_path.delay_ns.toFixed(2)} ns)`]] : []),
      ],
    });
  }
  const layers = s.per_layer;
  const tl = s.timeline;
  const tlUnits = [...new Set(tl.map((e) => e.unit))];
  const charts: Chart[] = [
    { id: 'energy-part', title: 'Energy per decoded token by part of the model', kind: 'hbar', unit: 'J', labels: parts.map(([k]) => k), data: parts.map(([, v]) => v), valueLabels: parts.map(([, v]) => si(v, 'J')) },
    { id: 'energy-component', title: 'Energy per decoded token by component', kind: 'hbar', unit: 'J', labels: comps.map(([k]) => k), data: comps.map(([, v]) => v), valueLabels: comps.map(([, v]) => si(v, 'J')) },
    { id: 'unit-utilisation', title: 'Busy share of the decode cycles per unit', kind: 'hbar', unit: '%', labels: units, data: units.map((u) => (100 * (s.per_unit_decode[u] ?? 0)) / Math.max(s.decode_cycles, 1)), valueLabels: units.map((u) => pct((s.per_unit_decode[u] ?? 0) / Math.max(s.decode_cycles, 1))) },
    { id: 'bitnet-vs-fp', title: `Matmul arithmetic energy relative to BitNet (papers' method, ${d.paper.node})`, kind: 'hbar', unit: 'x', labels: d.paper.results.map((r) => r.arch), data: d.paper.results.map((r) => (bitnet ? r.total_J / bitnet.total_J : 0)), valueLabels: d.paper.results.map((r) => (bitnet ? `${(r.total_J / bitnet.total_J).toFixed(1)}x` : '')) },
    {
      id: 'timeline',
      title: `Pipeline timeline of the first decoded token (cycles; ${int(tl.length)} instructions, ${layers.length} layers)`,
      kind: 'timeline',
      unit: 'cycles',
      labels: tlUnits,
      data: [],
      spans: tl.map((e) => ({ row: tlUnits.indexOf(e.unit), from: e.issue, to: Math.max(e.finish, e.issue + 1), name: `${e.op}${e.layer >= 0 ? ` L${e.layer}` : ''}` })),
    },
  ];
  const sc = d.scaling ?? [];
  if (sc.length) {
    const series = (x: (p: ScalingSeries['points'][number]) => number, priced: boolean) => sc.map((q) => ({ label: priced ? `${q.label} (${q.priced === 'fp16' ? 'FP16' : 'BitNet'})` : q.label, points: q.points.map((p) => ({ x: x(p), y: p.bitsPerByte, label: `h${p.hidden}` })) }));
    charts.push(
      { id: 'scaling-params', title: 'Models trained here: held-out bits/byte against parameters', kind: 'xy', unit: '', labels: [], data: [], series: series((p) => p.params, false), xTitle: 'parameters', yTitle: 'held-out bits/byte' },
      { id: 'scaling-energy', title: 'Models trained here: held-out bits/byte against inference energy per token (papers\' method, 7 nm)', kind: 'xy', unit: 'J', labels: [], data: [], series: series((p) => p.energyPerTokenJ, true), xTitle: 'matmul arithmetic energy per token', yTitle: 'held-out bits/byte' },
    );
    tables.push({
      caption: 'Models trained here: scaling (each at its best learning rate, same token budget; models/README.md)',
      head: ['model', 'hidden', 'parameters', 'held-out bits/byte', 'energy per token (papers\' method)'],
      rows: sc.flatMap((q) => q.points.map((p) => [q.label, String(p.hidden), int(p.params), p.bitsPerByte.toFixed(4), si(p.energyPerTokenJ, 'J')])),
    });
  }
  return {
    title: d.title,
    subtitle: `${s.model} on architecture ${s.arch}; ${clockNote}; weights ${s.weights_on_chip ? 'on chip' : 'streamed from DRAM'}; run of ${s.prefill} prompt tokens then ${s.tokens} decoded.`,
    kpis,
    boundBy: boundBy(s),
    tables,
    charts,
    notes: [
      'Per decoded token: the decode part of the run over its decoded tokens. Per prompt token: the prompt part over its prompt tokens. Totals say over how many tokens.',
      `Energy is the simulator's action counts priced with the ${a.node} table ${a.table} (an estimate for an ASIC in that node, not measured power).`,
      'The timeline is also written as timeline.json (Chrome trace format: open it in https://ui.perfetto.dev or chrome://tracing).',
    ],
  };
}

export function renderMarkdown(d: ReportData): string {
  const v = reportView(d);
  const md = (t: Table): string[] => [`## ${t.caption}`, '', `| ${t.head.join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`), ''];
  return [
    `# ${v.title}`,
    '',
    v.subtitle,
    '',
    '| ' + v.kpis.map((k) => k.label).join(' | ') + ' |',
    '|' + v.kpis.map(() => '---').join('|') + '|',
    '| ' + v.kpis.map((k) => `${k.value} (${k.note})`).join(' | ') + ' |',
    '',
    `Bound by ${v.boundBy}.`,
    '',
    ...v.tables.flatMap(md),
    ...v.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** The first decoded token's instructions as Chrome trace events (microseconds at the run's clock). */
export function renderTrace(d: ReportData): string {
  const s = d.sim;
  const us = 1 / s.clock.mhz;
  const units = [...new Set(s.timeline.map((e) => e.unit))];
  const events = [
    { name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: `${s.model} on ${s.arch} (first decoded token, ${s.clock.mhz} MHz ${s.clock.source} clock)` } },
    ...units.map((u, i) => ({ name: 'thread_name', ph: 'M', pid: 1, tid: i + 1, args: { name: u } })),
    ...s.timeline.map((e) => ({
      name: e.op,
      cat: e.unit,
      ph: 'X',
      pid: 1,
      tid: units.indexOf(e.unit) + 1,
      ts: Number((e.issue * us).toFixed(4)),
      dur: Number((Math.max(e.finish - e.issue, 1) * us).toFixed(4)),
      args: { pc: e.pc, layer: e.layer, issue_cycle: e.issue, finish_cycle: e.finish },
    })),
  ];
  return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ns', otherData: { model: s.model, arch: s.arch, clock_mhz: s.clock.mhz, clock_source: s.clock.source } }) + '\n';
}

export function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  // The package's CommonJS entry sits in dist/ beside the UMD bundle.
  return fs.readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');
}

export const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function htmlTable(t: Table): string {
  return `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderHtml(d: ReportData): string {
  const v = reportView(d);
  const charts = v.charts;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(v.title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
.kpis{display:grid;grid-template-columns:repeat(3,1fr);gap:.8em;margin:1.2em 0}
.kpi{border:1px solid #ccd;border-radius:6px;padding:.7em 1em;background:#f7f8fb}
.kpi .v{font-size:1.7em;font-weight:600}.kpi .l{color:#555}.kpi .n{color:#777;font-size:.85em}
.bound{background:#fff6e0;border-left:4px solid #e0a800;padding:.6em 1em}
table{border-collapse:collapse;margin:1.5em 0;width:100%}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}td:not(:first-child){font-variant-numeric:tabular-nums}
th{background:#f0f2f6}.chart{margin:2em 0}canvas{max-width:100%}
</style>
<script>${chartJsSource()}</script></head>
<body><h1>${esc(v.title)}</h1>
<p>${esc(v.subtitle)}</p>
<div class="kpis">${v.kpis.map((k) => `<div class="kpi"><div class="l">${esc(k.label)}</div><div class="v">${esc(k.value)}</div><div class="n">${esc(k.note)}</div></div>`).join('')}</div>
<p class="bound">Bound by ${esc(v.boundBy)}.</p>
${v.tables.map(htmlTable).join('\n')}
${charts.map((c) => `<div class="chart"><h2>${esc(c.title)}</h2><canvas id="${c.id}" width="1000" height="${c.kind === 'xy' ? 420 : c.kind === 'timeline' ? 60 + 40 * c.labels.length : 40 + 28 * c.labels.length}"></canvas></div>`).join('\n')}
<ul>${v.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<script>
const CHARTS = ${JSON.stringify(charts)};
Chart.defaults.animation = false;
const si = ${si.toString()};
const valueLabels = {
  id: 'valueLabels',
  afterDatasetsDraw(chart, _args, opts) {
    if (!opts.labels) return;
    const ctx = chart.ctx;
    ctx.save(); ctx.fillStyle = '#222'; ctx.font = '12px sans-serif'; ctx.textBaseline = 'middle';
    chart.getDatasetMeta(0).data.forEach((bar, i) => ctx.fillText(opts.labels[i], bar.x + 4, bar.y));
    ctx.restore();
  },
};
for (const c of CHARTS) {
  const el = document.getElementById(c.id);
  if (c.kind === 'hbar') {
    const fmt = c.unit === '%' ? (v) => v + '%' : c.unit === 'x' ? (v) => v + 'x' : (v) => si(v, c.unit);
    new Chart(el, {
      type: 'bar',
      data: { labels: c.labels, datasets: [{ data: c.data, backgroundColor: '#3b6ea8' }] },
      options: { indexAxis: 'y', responsive: false, layout: { padding: { right: 80 } }, plugins: { legend: { display: false }, valueLabels: { labels: c.valueLabels } }, scales: { x: { beginAtZero: true, ticks: { callback: fmt } } } },
      plugins: [valueLabels],
    });
  } else if (c.kind === 'xy') {
    const colours = ['#d9822b', '#3b6ea8', '#4c9a2a'];
    new Chart(el, {
      type: 'scatter',
      data: { datasets: c.series.map((q, i) => ({ label: q.label, data: q.points, showLine: true, borderColor: colours[i % 3], backgroundColor: colours[i % 3], pointRadius: 5 })) },
      options: { responsive: false, plugins: { tooltip: { callbacks: { label: (it) => it.dataset.label + ' ' + it.raw.label + ': ' + it.raw.y.toFixed(4) + ' bits/byte at ' + si(it.raw.x, c.unit) } } }, scales: { x: { type: 'logarithmic', title: { display: true, text: c.xTitle }, ticks: { callback: (v) => si(v, c.unit) } }, y: { title: { display: true, text: c.yTitle } } } },
    });
  } else {
    const colours = ['#3b6ea8', '#d9822b', '#4c9a2a', '#a83b6e', '#6e3ba8', '#2ba8a0', '#888'];
    new Chart(el, {
      type: 'bar',
      data: { labels: c.labels, datasets: [{ data: c.spans.map((s) => ({ x: [s.from, s.to], y: c.labels[s.row], name: s.name })), backgroundColor: c.spans.map((s) => colours[s.row % colours.length]), barPercentage: 0.8, categoryPercentage: 1, grouped: false }] },
      options: { indexAxis: 'y', responsive: false, plugins: { legend: { display: false }, tooltip: { callbacks: { label: (it) => it.raw.name + ': cycles ' + it.raw.x[0] + '-' + it.raw.x[1] } } }, scales: { x: { type: 'linear', title: { display: true, text: 'cycles from the start of the token' }, ticks: { callback: (v) => si(v, '') } } } },
    });
  }
}
const check = {};
for (const c of CHARTS) {
  const cv = document.getElementById(c.id);
  const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let inked = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
  check[c.id] = inked;
}
document.body.dataset.renderCheck = JSON.stringify(check);
</script></body></html>
`;
}

/** The report's files (name -> content), rendered before anything is written. */
export function renderReport(d: ReportData): Map<string, string> {
  return new Map([
    ['report.md', renderMarkdown(d)],
    ['report.html', renderHtml(d)],
    ['timeline.json', renderTrace(d)],
  ]);
}

/** Write the report as the output folder `outDir` (replaced whole, atomically). */
export function writeReport(d: ReportData, outDir: string): { markdown: string; html: string; trace: string } {
  writeOutputDir(outDir, 'report', renderReport(d));
  return { markdown: path.join(outDir, 'report.md'), html: path.join(outDir, 'report.html'), trace: path.join(outDir, 'timeline.json') };
}
