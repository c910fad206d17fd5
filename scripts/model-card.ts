/**
 * Write the model card (models/README.md) and its charts (models/scaling-*.svg) from the training
 * study (models/training-runs.json), with bitnet-hw's own evaluation of the shipped models and of
 * post-training quantizations of the tuned baseline on the shipped held-out text.
 * usage: node dist/scripts/model-card.js      (`npm run train -- --study` runs it at the end)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evalCommand } from '../src/cli/commands.js';
import { loadEnergyTable } from '../src/energy/tables.js';
import { loadModel } from '../src/ir/load.js';
import { writePtqCheckpoint, type PtqMethod } from '../src/ir/export/ptq.js';
import { bestRuns, loadTrainingRuns, MODE_LABEL, scalingSeries, type TrainingRun } from '../src/report/training.js';
import { svgLineChart } from '../src/report/svg.js';
import { writeFileAtomic } from '../src/util/fsout.js';
import { heldoutTextPath, packageRoot } from '../src/util/paths.js';
import { si } from '../src/util/si.js';

const models = path.join(packageRoot(), 'models');
const t = loadTrainingRuns(path.join(models, 'training-runs.json'));
const best = bestRuns(t);
const table = loadEnergyTable('7nm');
const series = scalingSeries(t, table);
const FOLDER: Record<TrainingRun['mode'], string> = { ternary: 'bitnet-b158', binary: 'bitnet-binary', fp: 'fp-baseline' };
const KIND: Record<TrainingRun['mode'], string> = {
  ternary: 'ternary W1.58A8, packed 2B4T layout (the default hardware model)',
  binary: 'binary W1A8 (the paper\'s Sign(W - alpha), beta = mean|W|), latent fp32 weights',
  fp: 'full precision (read as `hf-dense`: float reference only)',
};
/** A folder's provenance, written by the trainer when it ships a run (older folders have none). */
interface Provenance {
  readonly run: string;
  readonly bits_per_byte: number;
  readonly torch?: string;
  readonly threads?: number;
  readonly device: string;
}
function provenanceOf(folder: string): Provenance | null {
  const file = path.join(models, folder, 'training-run.json');
  if (!fs.existsSync(file)) return null;
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Provenance>;
  if (typeof doc.run !== 'string' || typeof doc.bits_per_byte !== 'number' || typeof doc.device !== 'string') throw new Error(`${file}: not a training run result`);
  return doc as Provenance;
}
/** Retrains whose figure differs from the study's run of the same settings. */
const retrains: { folder: string; prov: Provenance; study: TrainingRun }[] = [];
function holdsOf(m: TrainingRun['mode']): string {
  const prov = provenanceOf(FOLDER[m]);
  const studyRun = prov ? t.runs.find((r) => r.run === prov.run) : undefined;
  if (prov && studyRun && prov.bits_per_byte !== studyRun.bits_per_byte) {
    retrains.push({ folder: FOLDER[m], prov, study: studyRun });
    const build = prov.torch ? `PyTorch ${prov.torch}, ${prov.threads ?? '?'} threads, ${prov.device}` : prov.device;
    return `a retrain with the settings of \`${prov.run}\` (${build}): ${prov.bits_per_byte.toFixed(4)} bits/byte in PyTorch, the study's run of the same settings ${studyRun.bits_per_byte.toFixed(4)}; the hardware figures in the README are measured on these weights`;
  }
  if (prov && !studyRun) return `the run \`${prov.run}\` (not part of the study): ${prov.bits_per_byte.toFixed(4)} bits/byte in PyTorch`;
  const shipped = prov?.run ?? t.shipped[FOLDER[m]];
  return shipped ? `the ${shipped === t.best[FOLDER[m]] ? 'best ' : ''}run \`${shipped}\`${shipped === t.best[FOLDER[m]] ? ' above' : ''}` : `weights of an earlier training run, not replaced by this study (the hardware figures in the README were measured on them); the best run above is \`${t.best[FOLDER[m]] ?? '-'}\``;
}
const bpbOf = (dir: string): number => (evalCommand(dir, heldoutTextPath()).json as { bits_per_byte: number }).bits_per_byte;
const fp = best.fp;
const pctVsFp = (ppl: number): string => (fp ? `${((ppl / fp.perplexity - 1) * 100).toFixed(1)}%` : '-');
const lr = (x: number): string => x.toExponential(1).replace('e-', 'e-');

// bitnet-hw's own figures: the shipped models, and PTQ of the tuned baseline.
const evals: Record<string, number> = {};
for (const m of ['ternary', 'binary', 'fp'] as const) evals[m] = bpbOf(path.join(models, FOLDER[m]));
const ptq: { method: PtqMethod; label: string; bpb: number }[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-card-'));
try {
  const base = path.join(models, 'fp-baseline');
  for (const [method, label] of [['absmean-ternary', 'W1.58A8 absmean ternary'], ['binary', 'W1A8 Sign(W - alpha)'], ['int8', 'W8A8 int8 absmax']] as const) {
    const dir = path.join(tmp, method);
    fs.mkdirSync(dir);
    writePtqCheckpoint(loadModel(base), base, method, dir);
    ptq.push({ method, label, bpb: bpbOf(dir) });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const sweep = t.runs.filter((r) => r.part === 'lr_sweep');
const delta = (x: number): string => (evals['fp'] === undefined ? '-' : `${x >= evals['fp'] ? '+' : ''}${(x - evals['fp']).toFixed(4)} bits/byte`);

/** The papers' expected shape, checked against the figures above (whatever they are). */
function shape(): string[] {
  const f = best.fp;
  if (!f) return [];
  const out: string[] = ['How this compares with the papers\' shape (computed from the tables above):', ''];
  const qat = (['ternary', 'binary'] as const).filter((m) => best[m]);
  const fpBest = qat.every((m) => best[m]!.bits_per_byte > f.bits_per_byte);
  out.push(`- FP best: ${fpBest ? 'yes' : 'no'} (${[`FP ${f.bits_per_byte.toFixed(4)}`, ...qat.map((m) => `${MODE_LABEL[m]} ${best[m]!.bits_per_byte.toFixed(4)}`)].join(', ')} bits/byte in PyTorch).`);
  for (const m of qat) {
    const gap = best[m]!.perplexity / f.perplexity - 1;
    out.push(`- ${MODE_LABEL[m]} (QAT) within 15% of the FP perplexity: ${gap <= 0.15 ? 'yes' : 'no'} (${gap >= 0 ? '+' : ''}${(100 * gap).toFixed(1)}%).`);
  }
  const low = ptq.filter((p) => p.method !== 'int8');
  const qatWorst = Math.max(...qat.map((m) => evals[m]!));
  out.push(`- PTQ at 1-2 bits far worse than QAT: ${low.every((p) => p.bpb > qatWorst + 0.5) ? 'yes' : 'no'} (${low.map((p) => `${p.label} ${p.bpb.toFixed(4)}`).join(', ')} against QAT at most ${qatWorst.toFixed(4)} bits/byte).`);
  return [...out, ''];
}
const lines: string[] = [
  '# Models trained here',
  '',
  `Every run below is reproduced by one command, \`npm run train -- --study\` (python/bitnet_train, seed ${t.study.seed}, ${t.study.steps} steps of`,
  `32 x 128 bytes per run; each run is cached by its settings, so an interrupted study resumes), which then rewrites this card with`,
  '`npm run card`. Corpus: the Jargon File 4.4.7 (Debian package `jargon-text`), public domain, so the derived weights are',
  `freely redistributable. Held out: ${t.heldout}; \`heldout.txt\` is its first 4,096 bytes, what \`bitnet-hw eval\` reads.`,
  '',
  'Shape family: byte-level vocabulary 258 (256 bytes + BOS, EOS), 4 layers, 4 heads, gated ReLU^2 FFN of 3 x hidden, RMSNorm',
  'with SubLN, RoPE (theta 10000), tied embeddings; hidden 128 for the shipped models. Training: AdamW (betas 0.9/0.95, weight',
  'decay 0.05), linear warm-up over 1/15 of the steps then cosine decay to 10%, gradient clipping at 1.0, quantization-aware for',
  'the BitNets (straight-through estimator; latent weights and optimizer state in fp32).',
  '',
  '## The best learning rate of each model',
  '',
  '| model | weights | learning rate | held-out bits/byte (PyTorch) | perplexity per byte | vs FP perplexity |',
  '|---|---|---|---|---|---|',
  ...(['ternary', 'binary', 'fp'] as const).flatMap((m) => {
    const r = best[m];
    return r ? [`| ${MODE_LABEL[m]} | ${KIND[m]} | ${lr(r.lr)} | ${r.bits_per_byte.toFixed(4)} | ${r.perplexity.toFixed(3)} | ${m === 'fp' ? '-' : pctVsFp(r.perplexity)} |`] : [];
  }),
  '',
  `PyTorch figures are over ${sweep[0]?.heldout_bytes.toLocaleString('en-US') ?? 0} held-out bytes (400 windows of 128).`,
  '',
  '## The model folders',
  '',
  '| folder | holds | `bitnet-hw eval` bits/byte |',
  '|---|---|---|',
  ...(['ternary', 'binary', 'fp'] as const).map((m) => `| \`${FOLDER[m]}\` | ${holdsOf(m)} | ${evals[m]!.toFixed(4)} |`),
  '',
  '`bitnet-hw eval` is the TypeScript float reference over the 3,968 positions of `heldout.txt` (a smaller sample of the same',
  'held-out text than the PyTorch figures, so the two differ).',
  '',
  ...(retrains.length
    ? [
        `A run is reproduced bit for bit on the same PyTorch build and thread count (two retrains of each model here gave identical`,
        `weights), but not across builds or machines (float reductions may run in another order, and 800 steps amplify any`,
        `difference): a retrain with the study's settings and seed lands near, not on, the study's figure: ${retrains.map((r) => `\`${r.prov.run}\` ${r.study.bits_per_byte.toFixed(4)} -> ${r.prov.bits_per_byte.toFixed(4)} (${r.prov.bits_per_byte >= r.study.bits_per_byte ? '+' : ''}${(r.prov.bits_per_byte - r.study.bits_per_byte).toFixed(4)})`).join(', ')}.`,
        'Each folder keeps its run\'s result as `training-run.json`.',
        '',
      ]
    : []),
  '## Learning-rate sweep (hidden 128, same token budget for every run)',
  '',
  '| model | learning rate | held-out bits/byte | perplexity per byte | final training loss | seconds | device |',
  '|---|---|---|---|---|---|---|',
  ...sweep.map((r) => `| ${MODE_LABEL[r.mode]}${best[r.mode]?.run === r.run ? ' (best)' : ''} | ${lr(r.lr)} | ${r.bits_per_byte.toFixed(4)} | ${r.perplexity.toFixed(3)} | ${r.train_loss_every_50_steps.at(-1)!.toFixed(4)} | ${Math.round(r.seconds)} | ${r.device} |`),
  '',
  '## Post-training quantization of the tuned baseline',
  '',
  '`bitnet-hw ptq models/fp-baseline --method ...`, then `bitnet-hw eval` (float reference, the same 3,968 positions):',
  '',
  '| model | bits/byte | vs the FP baseline |',
  '|---|---|---|',
  ...(evals['fp'] !== undefined ? [`| FP baseline (\`fp-baseline\`) | ${evals['fp'].toFixed(4)} | - |`] : []),
  ...(['ternary', 'binary'] as const).filter((m) => evals[m] !== undefined).map((m) => `| ${MODE_LABEL[m]} (\`${FOLDER[m]}\`), trained quantization-aware | ${evals[m]!.toFixed(4)} | ${delta(evals[m]!)} |`),
  ...ptq.map((p) => `| PTQ ${p.label} | ${p.bpb.toFixed(4)} | ${delta(p.bpb)} |`),
  '',
  ...shape(),
  '',
  '## Scaling',
  '',
  'Each mode at its best learning rate from the sweep, at three sizes and the same token budget. Energy is the papers\' method',
  '(`bitnet-hw energy --method paper`, 7 nm): the arithmetic of the linear and attention matmuls per token of a 512-token',
  'sequence, BitNet b1.58 priced as BitNet (INT8 additions, FP16 attention), the baseline as FP16.',
  '',
  '| model | hidden | parameters | non-embedding parameters | held-out bits/byte | energy per token (papers\' method) |',
  '|---|---|---|---|---|---|',
  ...series.flatMap((s) => s.points.map((p) => `| ${s.label} | ${p.hidden} | ${p.params.toLocaleString('en-US')} | ${p.nonEmbeddingParams.toLocaleString('en-US')} | ${p.bitsPerByte.toFixed(4)} | ${si(p.energyPerTokenJ, 'J')} |`)),
  '',
  '![held-out bits/byte against parameters](scaling-params.svg)',
  '',
  '![held-out bits/byte against inference energy per token](scaling-energy.svg)',
  '',
];
const colours = { fp: '#d9822b', ternary: '#3b6ea8', binary: '#4c9a2a' } as const;
const charts = {
  'scaling-params.svg': svgLineChart({ title: 'Held-out bits/byte against parameters', xTitle: 'parameters (log scale)', yTitle: 'held-out bits/byte', xUnit: '', logX: true, series: series.map((s) => ({ label: s.label, colour: colours[s.mode], points: s.points.map((p) => ({ x: p.params, y: p.bitsPerByte, label: `h${p.hidden}` })) })) }),
  'scaling-energy.svg': svgLineChart({ title: 'Held-out bits/byte against inference energy per token (papers\' method, 7 nm)', xTitle: 'matmul arithmetic energy per token (log scale)', yTitle: 'held-out bits/byte', xUnit: 'J', logX: true, series: series.map((s) => ({ label: `${s.label} (${s.priced === 'fp16' ? 'FP16' : 'BitNet'})`, colour: colours[s.mode], points: s.points.map((p) => ({ x: p.energyPerTokenJ, y: p.bitsPerByte, label: `h${p.hidden}` })) })) }),
};
writeFileAtomic(path.join(models, 'README.md'), lines.join('\n'));
for (const [name, svg] of Object.entries(charts)) writeFileAtomic(path.join(models, name), svg);
console.log(`wrote ${path.join(models, 'README.md')} and ${Object.keys(charts).join(', ')}`);
