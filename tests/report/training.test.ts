/** The training study's view: best rate per mode, scaling series priced by the papers' method, the SVG chart. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnergyTable } from '../../src/energy/tables.js';
import { bestRuns, loadTrainingRuns, scalingSeries, type TrainingRuns } from '../../src/report/training.js';
import { svgLineChart } from '../../src/report/svg.js';
import { codesOf, tmpDir } from '../helpers.js';

function run(mode: 'fp' | 'ternary' | 'binary', hidden: number, lr: number, bpb: number, part: 'lr_sweep' | 'scaling' = 'lr_sweep') {
  const cfg = { vocab: 258, hidden, layers: 4, heads: 4, ffn: 3 * hidden, seq: 128, rope_theta: 10000 };
  const params = 4 * (4 * hidden * hidden + 3 * hidden * 3 * hidden) + 258 * hidden;
  return { run: `${mode}-h${hidden}-lr${lr}`, mode, part, hidden, config: cfg, lr, steps: 800, seed: 1, params, non_embedding_params: params - 258 * hidden, train_tokens: 1, heldout_bytes: 51200, bits_per_byte: bpb, perplexity: 2 ** bpb, train_loss_every_50_steps: [3, 2], seconds: 1, device: 'cpu' };
}

const DOC: TrainingRuns = {
  schema: 'bitnet-hw/training-runs/1',
  corpus: 'c',
  heldout: 'h',
  study: { steps: 800, seed: 1 },
  best: {},
  shipped: {},
  runs: [
    run('fp', 128, 1e-3, 2.6), run('fp', 128, 6e-3, 2.4), run('ternary', 128, 3e-3, 2.5), run('ternary', 128, 6e-3, 2.55), run('binary', 128, 3e-3, 2.62),
    run('fp', 64, 6e-3, 2.8, 'scaling'), run('fp', 256, 6e-3, 2.2, 'scaling'), run('ternary', 64, 3e-3, 2.9, 'scaling'), run('ternary', 256, 3e-3, 2.3, 'scaling'),
    run('fp', 256, 1e-3, 9.9, 'scaling'), // another rate: not in the series
  ],
};

describe('training study view', () => {
  it('picks the lowest bits/byte per mode and builds the scaling series at that rate, by size', () => {
    const best = bestRuns(DOC);
    expect([best.fp!.lr, best.ternary!.lr, best.binary!.lr]).toEqual([6e-3, 3e-3, 3e-3]);
    const s = scalingSeries(DOC, loadEnergyTable('7nm'));
    expect(s.map((x) => [x.mode, x.priced, x.points.map((p) => p.hidden)])).toEqual([['fp', 'fp16', [64, 128, 256]], ['ternary', 'bitnet', [64, 128, 256]]]);
    expect(s[0]!.points.map((p) => p.bitsPerByte)).toEqual([2.8, 2.4, 2.2]);
    for (const x of s) for (let i = 1; i < x.points.length; i++) expect(x.points[i]!.energyPerTokenJ).toBeGreaterThan(x.points[i - 1]!.energyPerTokenJ);
    // Same shape, BitNet pricing is below FP16 at every size (by less at tiny sizes, where the
    // FP16 attention matmuls over 512 positions dominate the arithmetic).
    s[1]!.points.forEach((p, i) => expect(p.energyPerTokenJ).toBeLessThan(s[0]!.points[i]!.energyPerTokenJ));
  });

  it('a bad runs file is a coded error', () => {
    const f = path.join(tmpDir(), 'runs.json');
    fs.writeFileSync(f, JSON.stringify({ ...DOC, runs: [{ mode: 'fp' }] }));
    expect(codesOf(() => loadTrainingRuns(f))).toContain('TR002');
    fs.writeFileSync(f, JSON.stringify(DOC));
    expect(loadTrainingRuns(f).runs).toHaveLength(DOC.runs.length);
  });

  it('the SVG chart is reproducible and draws every point of every series', () => {
    const chart = { title: 'T <&>', xTitle: 'x', yTitle: 'y', xUnit: 'J', logX: true, series: [{ label: 'a', colour: '#f00', points: [{ x: 1e-6, y: 2, label: 'h64' }, { x: 1e-5, y: 1.5 }] }, { label: 'b', colour: '#00f', points: [{ x: 3e-6, y: 2.5 }] }] };
    const a = svgLineChart(chart);
    expect(svgLineChart(chart)).toBe(a);
    expect(a.match(/<circle /g)).toHaveLength(3);
    expect(a.match(/<polyline /g)).toHaveLength(2);
    expect(a).toContain('T &lt;&amp;&gt;');
    expect(a).not.toMatch(/NaN|Infinity/);
  });
});
