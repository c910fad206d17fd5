/**
 * Reports: Markdown and a self-contained HTML page (Chart.js inlined, no network) with charts of
 * energy by component and by layer, cycles by layer, and BitNet against the FP16/FP32 baselines
 * (the papers' method). After rendering, the page records which charts drew pixels in
 * `#render-check`, which the test suite reads from headless Chromium.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeOutputDir } from '../util/fsout.js';
import { createRequire } from 'node:module';
import type { ActivityEnergy } from '../energy/activity.js';
import type { PaperEnergy } from '../energy/paper.js';
import type { SimReport } from '../sim/model.js';

export interface ReportData {
  readonly title: string;
  readonly sim: SimReport;
  readonly activity: ActivityEnergy;
  readonly paper: PaperEnergy;
}

const fmt = (x: number): string => (x === 0 ? '0' : Math.abs(x) >= 1e-2 && Math.abs(x) < 1e6 ? x.toPrecision(4) : x.toExponential(3));

export function renderMarkdown(d: ReportData): string {
  const s = d.sim;
  const a = d.activity;
  const L: string[] = [
    `# ${d.title}`,
    '',
    `Model **${s.model}** on architecture **${s.arch}** at ${s.clock.mhz} MHz (${s.clock.source === 'achieved' ? s.clock.note : `a target clock, not met or not checked by place and route`}); weights ${s.weights_on_chip ? 'on chip' : 'streamed from DRAM'}.`,
    '',
    '## Performance',
    '',
    '| metric | value |',
    '|---|---|',
    `| cycles per decoded token | ${Math.round(s.cycles_per_token).toLocaleString('en-US')} |`,
    `| tokens per second | ${fmt(s.tokens_per_second)} |`,
    `| MAC array utilisation | ${(s.utilization.mac_array * 100).toFixed(1)}% |`,
    ...Object.entries(s.stalls).map(([k, v]) => `| stall: ${k} | ${v.toLocaleString('en-US')} cycles |`),
    '',
    `## Energy (activity method, ${a.node}, table ${a.table})`,
    '',
    `Per token ${fmt(a.per_token_J)} J; the BitLinear part ${fmt(a.bitlinear_per_token_J)} J is ${a.design_over_floor.toFixed(2)}x the floor of ${fmt(a.floor_per_token_J)} J (weight bits moved x per-bit energy + one int8 add per nonzero weight).`,
    '',
    '| component | J |',
    '|---|---|',
    ...Object.entries(a.per_component).sort((x, y) => y[1] - x[1]).map(([k, v]) => `| ${k} | ${fmt(v)} |`),
    '',
    `## BitNet against full precision (the papers' method, ${d.paper.node}, ${d.paper.seq} tokens)`,
    '',
    '| arch | MUL J | ADD J | total J |',
    '|---|---|---|---|',
    ...d.paper.results.map((r) => `| ${r.arch} | ${fmt(r.mul_J)} | ${fmt(r.add_J)} | ${fmt(r.total_J)} |`),
    '',
    '## Cycles by layer (first decoded token)',
    '',
    '| layer | cycles | engine |',
    '|---|---|---|',
    ...s.per_layer.map((l) => `| ${l.layer} | ${l.cycles.toLocaleString('en-US')} | ${l.engine.toLocaleString('en-US')} |`),
    '',
  ];
  return L.join('\n');
}

function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  // The package's CommonJS entry sits in dist/ beside the UMD bundle.
  return fs.readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function renderHtml(d: ReportData): string {
  const comps = Object.entries(d.activity.per_component).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]);
  const charts = [
    { id: 'energy-component', title: 'Energy per token by component (J, log scale)', type: 'bar', labels: comps.map(([k]) => k), data: comps.map(([, v]) => v / Math.max(d.activity.tokens + d.activity.prefill, 1)), log: true },
    { id: 'energy-layer', title: 'Energy per token by layer (J)', type: 'bar', labels: d.sim.per_layer.map((l) => `L${l.layer}`), data: d.sim.per_layer.map(() => d.activity.per_layer_J), log: false },
    { id: 'cycles-layer', title: 'Cycles by layer (first decoded token)', type: 'bar', labels: d.sim.per_layer.map((l) => `L${l.layer}`), data: d.sim.per_layer.map((l) => l.cycles), log: false },
    { id: 'bitnet-vs-fp', title: `BitNet vs full precision, papers' method (J, ${d.paper.node}, seq ${d.paper.seq})`, type: 'bar', labels: d.paper.results.map((r) => r.arch), data: d.paper.results.map((r) => r.total_J), log: true },
  ];
  const md = renderMarkdown(d);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}canvas{max-height:320px}.chart{margin:2em 0}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>
<script>${chartJsSource()}</script></head>
<body><h1>${esc(d.title)}</h1>
${charts.map((c) => `<div class="chart"><h2>${esc(c.title)}</h2><canvas id="${c.id}" width="900" height="320"></canvas></div>`).join('\n')}
<h2>Tables</h2><pre>${esc(md)}</pre>
<div id="render-check"></div>
<script>
const CHARTS = ${JSON.stringify(charts)};
Chart.defaults.animation = false;
for (const c of CHARTS) {
  new Chart(document.getElementById(c.id), {
    type: c.type,
    data: { labels: c.labels, datasets: [{ label: c.title, data: c.data, backgroundColor: '#3b6ea8' }] },
    options: { responsive: false, plugins: { legend: { display: false } }, scales: { y: c.log ? { type: 'logarithmic', ticks: { callback: (v) => Number(v).toExponential(0) } } : {} } },
  });
}
const check = {};
for (const c of CHARTS) {
  const cv = document.getElementById(c.id);
  const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let inked = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
  check[c.id] = inked;
}
document.getElementById('render-check').textContent = JSON.stringify(check);
</script></body></html>
`;
}

/** The report's files (name -> content), rendered before anything is written. */
export function renderReport(d: ReportData): Map<string, string> {
  return new Map([
    ['report.md', renderMarkdown(d)],
    ['report.html', renderHtml(d)],
  ]);
}

/** Write the report as the output folder `outDir` (replaced whole, atomically). */
export function writeReport(d: ReportData, outDir: string): { markdown: string; html: string } {
  writeOutputDir(outDir, 'report', renderReport(d));
  return { markdown: path.join(outDir, 'report.md'), html: path.join(outDir, 'report.html') };
}
