/**
 * The training study behind the shipped models (models/training-runs.json, written by
 * `npm run train -- --study`): every run, the learning-rate sweep's best per mode, and the
 * scaling series (held-out bits/byte against parameters and against the papers' inference energy
 * per token) that the model card and the report chart.
 *
 * Needs: the runs file (checked with zod; a bad file is a coded error). Guarantees: energies come
 * from the papers' method (src/energy/paper.ts) on each run's shape, BitNet b1.58 priced as
 * BitNet and the baseline as FP16, per token of a 512-token sequence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { paperEnergy } from '../energy/paper.js';
import { loadEnergyTable, type EnergyTable } from '../energy/tables.js';
import { makeShape } from '../ir/presets.js';
import { BitnetError, diag } from '../util/diagnostics.js';
import { readJsonInput } from '../util/jsonfile.js';
import { packageRoot } from '../util/paths.js';

const RunSchema = z.object({
  run: z.string(),
  mode: z.enum(['ternary', 'binary', 'fp']),
  part: z.enum(['lr_sweep', 'scaling']),
  hidden: z.number().int().positive(),
  config: z.object({ vocab: z.number().int(), hidden: z.number().int(), layers: z.number().int(), heads: z.number().int(), ffn: z.number().int(), seq: z.number().int() }).passthrough(),
  lr: z.number().positive(),
  steps: z.number().int().positive(),
  seed: z.number().int(),
  params: z.number().int().positive(),
  non_embedding_params: z.number().int().positive(),
  train_tokens: z.number().int().positive(),
  heldout_bytes: z.number().int().positive(),
  bits_per_byte: z.number().positive(),
  perplexity: z.number().positive(),
  train_loss_every_50_steps: z.array(z.number()),
  seconds: z.number().nonnegative(),
  device: z.string(),
});

const RunsSchema = z.object({
  schema: z.literal('bitnet-hw/training-runs/1'),
  corpus: z.string(),
  heldout: z.string(),
  study: z.object({ steps: z.number().int(), seed: z.number().int() }).passthrough(),
  /** The best run of each model folder, and the folders the study wrote (the others kept their weights). */
  best: z.record(z.string(), z.string()),
  shipped: z.record(z.string(), z.string()),
  runs: z.array(RunSchema).min(1),
});

export type TrainingRun = z.infer<typeof RunSchema>;
export type TrainingRuns = z.infer<typeof RunsSchema>;

export const MODE_LABEL: Readonly<Record<TrainingRun['mode'], string>> = { fp: 'FP baseline', ternary: 'BitNet b1.58', binary: 'BitNet (binary)' };

export function loadTrainingRuns(file: string): TrainingRuns {
  const r = RunsSchema.safeParse(readJsonInput(file, 'TR001', 'training runs file'));
  if (!r.success) throw new BitnetError(r.error.issues.map((i) => diag('TR002', `${file}:${i.path.join('.') || '(root)'}`, `training runs field: ${i.message}`, 'regenerate it with `npm run train -- --study`')));
  return r.data;
}

/** The shipped study (models/training-runs.json), or null when the package has none. */
export function shippedTrainingRuns(): TrainingRuns | null {
  const f = path.join(packageRoot(), 'models', 'training-runs.json');
  return fs.existsSync(f) ? loadTrainingRuns(f) : null;
}

/** The best run (lowest held-out bits/byte) of each mode in the learning-rate sweep. */
export function bestRuns(t: TrainingRuns): Partial<Record<TrainingRun['mode'], TrainingRun>> {
  const best: Partial<Record<TrainingRun['mode'], TrainingRun>> = {};
  for (const r of t.runs) if (r.part === 'lr_sweep' && (!best[r.mode] || r.bits_per_byte < best[r.mode]!.bits_per_byte)) best[r.mode] = r;
  return best;
}

export interface ScalingPoint {
  readonly hidden: number;
  readonly params: number;
  readonly nonEmbeddingParams: number;
  readonly bitsPerByte: number;
  /** The papers' method: arithmetic energy of the matmuls per token of a 512-token sequence. */
  readonly energyPerTokenJ: number;
  readonly lr: number;
}

export interface ScalingSeries {
  readonly mode: TrainingRun['mode'];
  readonly label: string;
  readonly priced: 'bitnet' | 'fp16';
  readonly points: readonly ScalingPoint[];
}

/** The scaling series of each mode: its best-rate run at each size, by size. */
export function scalingSeries(t: TrainingRuns, table: EnergyTable): ScalingSeries[] {
  const best = bestRuns(t);
  const out: ScalingSeries[] = [];
  for (const mode of ['fp', 'ternary'] as const) {
    const b = best[mode];
    if (!b) continue;
    const runs = t.runs.filter((r) => r.mode === mode && r.lr === b.lr && r.steps === b.steps && (r.part === 'scaling' || r.run === b.run));
    const bySize = new Map(runs.map((r) => [r.hidden, r]));
    const priced = mode === 'fp' ? 'fp16' : 'bitnet';
    const points = [...bySize.values()]
      .sort((x, y) => x.hidden - y.hidden)
      .map((r) => {
        const c = r.config;
        const shape = makeShape(`${mode}-h${r.hidden}`, c.hidden, c.layers, c.heads, c.heads, c.ffn, 'relu2-gated', c.vocab, 'ternary', c.seq);
        const e = paperEnergy(shape, table, 512).results.find((x) => x.arch === priced)!;
        return { hidden: r.hidden, params: r.params, nonEmbeddingParams: r.non_embedding_params, bitsPerByte: r.bits_per_byte, energyPerTokenJ: e.total_J / 512, lr: r.lr };
      });
    out.push({ mode, label: MODE_LABEL[mode], priced, points });
  }
  return out;
}

/** The shipped study's scaling series for reports (papers' method at 7 nm), or null without one. */
export function shippedScaling(): ScalingSeries[] | null {
  const t = shippedTrainingRuns();
  return t ? scalingSeries(t, loadEnergyTable('7nm')) : null;
}
