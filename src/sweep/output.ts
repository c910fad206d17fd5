/**
 * A sweep's files: `sweep.json` (every point, the front, the presets' dominators), `sweep.csv`
 * (one row per point) and `sweep.html` (Pareto scatters with the front highlighted and each
 * point's configuration on hover; Chart.js inlined, no network).
 *
 * Needs: a finished sweep. Guarantees: rows and labels are decided here; the page's script only
 * draws; every figure's source (achieved or target clock, nextpnr or Yosys area) is printed.
 */
import { chartJsSource, esc } from '../report/index.js';
import { si } from '../util/si.js';
import type { SweepEntry, SweepResult } from './index.js';
import { KNOBS } from './space.js';

const COLUMNS = [
  'name', 'preset', 'status', 'on_front', 'lanes', 'simd', 'tree_pipeline', 'weight_memory', 'weight_packing', 'vector_lanes', 'target_clock_mhz',
  'clock_mhz', 'clock_source', 'cycles_per_token', 'tokens_per_second', 'per_decoded_token_J', 'tokens_per_second_per_W', 'mac_utilization',
  'lut4', 'ff', 'ebr', 'dsp', 'area_source', 'xc7_mac_array_luts', 'fmax_mhz', 'met', 'fits', 'fits_source', 'cached', 'key', 'error',
] as const;

function nameOf(p: SweepEntry): string {
  return p.status === 'ok' ? p.result.name : p.name;
}

function archOf(p: SweepEntry) {
  return p.status === 'ok' ? p.result.arch : p.arch;
}

function row(p: SweepEntry, onFront: boolean): Record<(typeof COLUMNS)[number], string | number | boolean | null> {
  const a = archOf(p);
  const r = p.status === 'ok' ? p.result : null;
  return {
    name: nameOf(p), preset: p.preset, status: p.status, on_front: onFront,
    lanes: a.lanes, simd: a.simd, tree_pipeline: a.treePipeline, weight_memory: a.weightMemory,
    weight_packing: a.weightKind === 'binary' ? 'sign' : (a.weightPacking ?? '2bit'), vector_lanes: a.machine?.vectorLanes ?? 4, target_clock_mhz: a.clockMHz,
    clock_mhz: r?.clock.mhz ?? null, clock_source: r?.clock.source ?? null, cycles_per_token: r ? Math.round(r.cycles_per_token) : null,
    tokens_per_second: r?.tokens_per_second ?? null, per_decoded_token_J: r?.per_decoded_token_J ?? null, tokens_per_second_per_W: r?.tokens_per_second_per_W ?? null,
    mac_utilization: r?.mac_utilization ?? null, lut4: r?.ecp5?.lut4 ?? null, ff: r?.ecp5?.ff ?? null, ebr: r?.ecp5?.ebr ?? null, dsp: r?.ecp5?.dsp ?? null,
    area_source: r?.ecp5?.source ?? null, xc7_mac_array_luts: r?.xc7_mac_array_luts ?? null, fmax_mhz: r?.impl?.fmax_mhz ?? null, met: r?.impl?.met ?? null,
    fits: r?.fits ?? null, fits_source: r?.fits_source ?? null, cached: p.status === 'ok' ? p.cached : false, key: p.key, error: p.status === 'failed' ? p.error : null,
  };
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sweepCsv(s: SweepResult): string {
  const front = new Set(s.front);
  return [COLUMNS.join(','), ...s.points.map((p, i) => COLUMNS.map((c) => csvCell(row(p, front.has(i))[c])).join(','))].join('\n') + '\n';
}

/** The JSON document (the CLI adds its schema). */
export function sweepJson(s: SweepResult): Record<string, unknown> {
  const front = new Set(s.front);
  return {
    model: s.model,
    options: s.options,
    measured: s.measured,
    cached: s.cached,
    failed: s.failed,
    wall_s: s.wall_s,
    front: s.front.map((i) => nameOf(s.points[i]!)),
    dominating_presets: Object.fromEntries(Object.entries(s.dominating_presets).map(([k, v]) => [k, v.map((i) => nameOf(s.points[i]!))])),
    points: s.points.map((p, i) => ({ ...row(p, front.has(i)), knobs: p.knobs, arch: archOf(p), ...(p.status === 'ok' ? { result: p.result } : {}) })),
  };
}

function mode(s: SweepResult): string {
  if (s.options.impl) return 'placed and routed by nextpnr-ecp5: tokens/s at each point\'s achieved clock, LUT4 from nextpnr';
  if (s.options.noSynth) return 'simulator only (--sim-only, no area): tokens/s at each point\'s target clock';
  return 'synthesis only (Yosys synth_ecp5, no place and route): LUT4 from Yosys cells, tokens/s at each point\'s target clock';
}

export function sweepText(s: SweepResult): string {
  const front = new Set(s.front);
  const fmt = (p: SweepEntry): string => {
    if (p.status === 'failed') return `  FAILED ${nameOf(p)}: ${p.error}`;
    const r = p.result;
    const label = p.preset && p.preset !== r.name ? `${r.name} (= ${p.preset})` : r.name;
    return `  ${front.has(s.points.indexOf(p)) ? '*' : ' '} ${label.padEnd(34)} ${r.tokens_per_second.toPrecision(4).padStart(9)} tok/s (${r.clock.source} ${r.clock.mhz} MHz)  ${si(r.per_decoded_token_J, 'J').padStart(9)}/token  ${r.ecp5 ? `${r.ecp5.lut4.toLocaleString('en-US').padStart(7)} LUT4 (${r.ecp5.source})` : 'area n/a'}${r.fits === false ? '  DOES NOT FIT' : ''}`;
  };
  return [
    `sweep of ${s.model}: ${s.points.length} points (${s.measured} measured, ${s.cached} from the cache, ${s.failed} failed) on ${s.options.pool} in ${s.wall_s} s; ${mode(s)}`,
    `points (* on the Pareto front over tokens/s, J per decoded token${s.options.noSynth ? '' : ' and ECP5 LUT4'}):`,
    ...s.points.map(fmt),
    ...Object.entries(s.dominating_presets).map(([k, v]) => `preset ${k}: ${v.length ? `dominated by ${v.map((i) => nameOf(s.points[i]!)).join(', ')}` : 'on the front or not dominated'}`),
  ].join('\n');
}

export function sweepHtml(s: SweepResult): string {
  const front = new Set(s.front);
  const pts = s.points.flatMap((p, i) => {
    const r = p.status === 'ok' ? p.result : null;
    if (!r || !r.ecp5 || r.per_decoded_token_J === null) return [];
    const a = r.arch;
    const config = `${a.lanes} lanes x ${a.simd}, tree pipeline ${a.treePipeline}, ${a.weightMemory}, ${a.weightKind === 'binary' ? 'sign' : (a.weightPacking ?? '2bit')}, vector lanes ${a.machine?.vectorLanes ?? 4}, target ${a.clockMHz} MHz`;
    return [{ name: r.name, preset: p.preset, front: front.has(i), fits: r.fits !== false, tps: r.tokens_per_second, j: r.per_decoded_token_J, lut4: r.ecp5.lut4, config, clock: `${r.clock.mhz} MHz (${r.clock.source})` }];
  });
  const failed = s.points.filter((p) => p.status === 'failed');
  const frontRows = s.front.map((i) => s.points[i]!).filter((p): p is Extract<SweepEntry, { status: 'ok' }> => p.status === 'ok');
  const td = (x: string): string => `<td>${esc(x)}</td>`;
  const tableRow = (p: Extract<SweepEntry, { status: 'ok' }>): string => {
    const r = p.result;
    return `<tr>${[r.name, r.tokens_per_second.toPrecision(4), `${r.clock.mhz} MHz ${r.clock.source}`, si(r.per_decoded_token_J, 'J'), r.ecp5 ? r.ecp5.lut4.toLocaleString('en-US') : '-', r.ecp5 ? String(r.ecp5.ebr) : '-', r.impl ? `${r.impl.fmax_mhz} MHz` : '-'].map(td).join('')}</tr>`;
  };
  const head = `<tr>${['point', 'tokens/s', 'clock', 'J per decoded token', 'ECP5 LUT4', 'EBR', 'Fmax'].map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const knobs = KNOBS.join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sweep of ${esc(s.model)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1.5em 0;width:100%}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}th{background:#f0f2f6}.chart{margin:2em 0}
</style>
<script>${chartJsSource()}</script></head>
<body><h1>Design-space sweep of ${esc(s.model)}</h1>
<p>${s.points.length} points over ${esc(knobs)} (${s.measured} measured, ${s.cached} cached, ${s.failed} failed) on ${esc(s.options.pool)}. ${esc(mode(s))}. Energy: activity method, ${esc(s.options.node)}, per decoded token of a ${s.options.prefill}+${s.options.decode} token run. Red: the Pareto front over (tokens/s, J per decoded token, LUT4); triangles: the presets; hover a point for its configuration.</p>
<div class="chart"><h2>Tokens/s against ECP5 LUT4</h2><canvas id="c-area" width="1000" height="520"></canvas></div>
<div class="chart"><h2>Tokens/s against energy per decoded token</h2><canvas id="c-energy" width="1000" height="520"></canvas></div>
<table><caption>The Pareto front</caption><thead>${head}</thead><tbody>${frontRows.map(tableRow).join('')}</tbody></table>
<table><caption>Presets and the points that dominate them</caption><thead><tr><th>preset</th><th>dominated by</th></tr></thead><tbody>${Object.entries(s.dominating_presets).map(([k, v]) => `<tr>${td(k)}${td(v.length ? v.map((i) => nameOf(s.points[i]!)).join(', ') : 'nothing (on the front)')}</tr>`).join('')}</tbody></table>
${failed.length ? `<table><caption>Failed points</caption><thead><tr><th>point</th><th>error</th></tr></thead><tbody>${failed.map((p) => `<tr>${td(nameOf(p))}${td(p.status === 'failed' ? p.error : '')}</tr>`).join('')}</tbody></table>` : ''}
<script>
const PTS = ${JSON.stringify(pts)};
Chart.defaults.animation = false;
const si = ${si.toString()};
function scatter(id, xKey, xTitle, xFmt, logX) {
  const sets = [
    { label: 'Pareto front', data: PTS.filter((p) => p.front), backgroundColor: '#d62728', pointRadius: 7 },
    { label: 'other points', data: PTS.filter((p) => !p.front && p.fits), backgroundColor: '#7f9fc6', pointRadius: 5 },
    { label: 'does not fit', data: PTS.filter((p) => !p.fits), backgroundColor: '#bbb', pointRadius: 5 },
  ];
  for (const d of sets) {
    d.data = d.data.map((p) => ({ x: p[xKey], y: p.tps, p }));
    d.pointStyle = d.data.map((q) => (q.p.preset ? 'triangle' : 'circle'));
  }
  new Chart(document.getElementById(id), {
    type: 'scatter',
    data: { datasets: sets },
    options: {
      responsive: false,
      plugins: { tooltip: { callbacks: { label: (it) => [it.raw.p.name + (it.raw.p.preset ? ' (preset ' + it.raw.p.preset + ')' : ''), it.raw.p.config, si(it.raw.p.tps, '') + ' tokens/s at ' + it.raw.p.clock, si(it.raw.p.j, 'J') + ' per token, ' + it.raw.p.lut4 + ' LUT4'] } } },
      scales: { x: { type: logX ? 'logarithmic' : 'linear', title: { display: true, text: xTitle }, ticks: { callback: xFmt } }, y: { title: { display: true, text: 'decoded tokens/s' }, ticks: { callback: (v) => si(v, '') } } },
    },
  });
}
scatter('c-area', 'lut4', 'ECP5 LUT4', (v) => si(v, ''), false);
scatter('c-energy', 'j', 'J per decoded token', (v) => si(v, 'J'), true);
const check = {};
for (const id of ['c-area', 'c-energy']) {
  const cv = document.getElementById(id);
  const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let inked = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
  check[id] = inked;
}
document.body.dataset.renderCheck = JSON.stringify({ points: PTS.length, front: PTS.filter((p) => p.front).length, ink: check });
</script></body></html>
`;
}
