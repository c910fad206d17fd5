/**
 * `bitnet-hw sweep`: every point of a design space (plus the architecture presets of the model's
 * weight kind, to compare against) measured by `bitnet-hw point` on a worker pool, the Pareto
 * front over (tokens/s, J per decoded token, ECP5 LUT4), and the points that dominate each preset.
 *
 * Needs: a model (folder or preset) and a checked space. Guarantees: a point's result is cached by
 * its key (the generated design's files, the full architecture, the options) as soon as it
 * arrives, so an interrupted sweep resumes and an enlarged space only measures its new points;
 * failed points are kept with their error (never cached, so a rerun tries them again); the
 * outputs are decided before anything is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARCH_PRESETS, machineOf, systemOf, type ArchSpec } from '../ir/arch.js';
import { canonicalJson } from '../ir/irfile.js';
import { MODEL_PRESETS } from '../ir/presets.js';
import { resolveShape } from '../ir/resolve.js';
import { fail } from '../util/diagnostics.js';
import { writeFileAtomic } from '../util/fsout.js';
import { progressBar } from '../util/progress.js';
import { cacheDir } from '../verify/tools.js';
import { dominatorsOf, paretoFront } from './pareto.js';
import { pointDesign, pointKey, type PointOptions, type PointResult } from './point.js';
import { runTasks, type Pool, type TaskOutcome } from './pool.js';
import { expandSpace, type PointKnobs, type Space } from './space.js';

export interface SweepOptions extends PointOptions {
  readonly pool: Pool;
  /** The presets measured beside the space (default: every preset of the model's weight kind). */
  readonly presets?: readonly string[];
}

export type SweepEntry =
  | { readonly status: 'ok'; readonly key: string; readonly preset: string | null; readonly knobs: PointKnobs; readonly cached: boolean; readonly result: PointResult }
  | { readonly status: 'failed'; readonly key: string; readonly preset: string | null; readonly knobs: PointKnobs; readonly name: string; readonly arch: ArchSpec; readonly error: string };

export interface SweepResult {
  readonly model: string;
  readonly options: PointOptions & { readonly pool: string };
  readonly points: readonly SweepEntry[];
  /** Indices into `points` of the Pareto front. */
  readonly front: readonly number[];
  /** For each preset measured: the indices of the points that dominate it. */
  readonly dominating_presets: Readonly<Record<string, readonly number[]>>;
  readonly measured: number;
  readonly cached: number;
  readonly failed: number;
  readonly wall_s: number;
}

/** The arguments of `bitnet-hw point` for one point (what a worker runs). */
export function pointArgs(modelSpec: string, arch: ArchSpec, o: PointOptions): string[] {
  return [
    'point', modelSpec, '--arch', JSON.stringify(arch), '--target', o.target, '--seed', String(o.seed),
    '--prefill', String(o.prefill), '--decode', String(o.decode), '--node', o.node,
    ...(o.impl ? ['--impl'] : []), ...(o.noSynth ? ['--sim-only'] : []), '--json',
  ];
}

function sameArch(a: ArchSpec, b: ArchSpec): boolean {
  // Sorted keys: two architectures are the same point whatever order their fields came in.
  const norm = (x: ArchSpec): string => canonicalJson({ ...x, name: '', weightPacking: x.weightKind === 'ternary' ? (x.weightPacking ?? '2bit') : undefined, system: systemOf(x), machine: machineOf(x) });
  return norm(a) === norm(b);
}

function errorOf(o: TaskOutcome): string {
  if (o.error && o.code === null) return o.error;
  try {
    const doc = JSON.parse(o.stdout.trim().split('\n').pop() ?? '') as { error?: { diagnostics?: { code: string; message: string; hint: string }[] } };
    const ds = doc.error?.diagnostics;
    if (ds && ds.length) return ds.map((d) => `${d.code}: ${d.message} (${d.hint})`).join('; ');
  } catch {
    /* not a JSON document */
  }
  return `exit ${o.code}${o.error ? ` (${o.error})` : ''}: ${o.stderr.trim().split('\n').slice(-5).join(' | ') || 'no output'}`;
}

export async function runSweep(modelSpec: string, space: Space, where: string, opts: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const model = MODEL_PRESETS[modelSpec] ? modelSpec : path.resolve(modelSpec);
  const { shape } = resolveShape(model);
  const spacePoints = expandSpace(space, shape.weightKind, where);
  // The presets of this weight kind are measured too, so the sweep says what beats each of them.
  for (const n of opts.presets ?? []) {
    const a = ARCH_PRESETS[n];
    if (!a) fail('SW011', '--presets', `unknown architecture preset ${JSON.stringify(n)}`, `use names from ${Object.keys(ARCH_PRESETS).join(', ')}, all, or none`);
    if (a.weightKind !== shape.weightKind) fail('SW011', '--presets', `preset ${n} is built for ${a.weightKind} weights; the model has ${shape.weightKind} weights`, `name presets of the model's weight kind`);
  }
  const presets = Object.values(ARCH_PRESETS).filter((a) => a.weightKind === shape.weightKind && (!opts.impl || a.weightMemory === 'rom') && (!opts.presets || opts.presets.includes(a.name)));
  const todo: { name: string; arch: ArchSpec; knobs: PointKnobs; preset: string | null }[] = spacePoints.map((p) => ({ ...p, preset: presets.find((a) => sameArch(a, p.arch))?.name ?? null }));
  for (const a of presets) if (!todo.some((t) => t.preset === a.name)) todo.push({ name: a.name, arch: a, knobs: {}, preset: a.name });

  const pointOpts: PointOptions = { impl: opts.impl, target: opts.target, seed: opts.seed, prefill: opts.prefill, decode: opts.decode, node: opts.node, ...(opts.noSynth ? { noSynth: true } : {}) };
  const keys = todo.map((t) => pointKey(model, t.arch, pointOpts, pointDesign(model, t.arch)));
  const entries: (SweepEntry | null)[] = todo.map(() => null);
  const cacheFile = (k: string): string => path.join(cacheDir('sweep'), `${k}.json`);
  let cached = 0;
  todo.forEach((t, i) => {
    try {
      const result = JSON.parse(fs.readFileSync(cacheFile(keys[i]!), 'utf8')) as PointResult;
      entries[i] = { status: 'ok', key: keys[i]!, preset: t.preset, knobs: t.knobs, cached: true, result: { ...result, name: t.name, arch: t.arch } };
      cached++;
    } catch {
      /* a miss, or a corrupt entry: measure it */
    }
  });
  const missing = todo.map((_, i) => i).filter((i) => entries[i] === null);
  const bar = progressBar(`sweep (${opts.pool.kind === 'local' ? `${opts.pool.workers} local workers` : `Ray ${opts.pool.address}`})`, missing.length, 'points');
  let done = 0;
  const byId = new Map(missing.map((i) => [keys[i]!, i]));
  await runTasks(
    opts.pool,
    missing.map((i) => ({ id: keys[i]!, args: pointArgs(model, todo[i]!.arch, pointOpts) })),
    (o) => {
      const i = byId.get(o.id)!;
      const t = todo[i]!;
      let result: PointResult | null = null;
      if (o.code === 0) {
        try {
          const doc = JSON.parse(o.stdout.trim().split('\n').pop() ?? '') as { schema?: string; point?: PointResult };
          if (doc.schema === 'bitnet-hw/point/1' && doc.point) result = doc.point;
        } catch {
          result = null;
        }
      }
      if (result) {
        writeFileAtomic(cacheFile(o.id), JSON.stringify(result) + '\n');
        entries[i] = { status: 'ok', key: o.id, preset: t.preset, knobs: t.knobs, cached: false, result: { ...result, name: t.name, arch: t.arch } };
      } else {
        entries[i] = { status: 'failed', key: o.id, preset: t.preset, knobs: t.knobs, name: t.name, arch: t.arch, error: o.code === 0 ? 'the point printed no result document' : errorOf(o) };
      }
      bar.update(++done);
    },
  );
  bar.stop();
  const points = entries.map((e) => e!);
  const ok = points.map((p) => (p.status === 'ok' ? p.result : null));
  const okIdx = ok.map((r, i) => (r ? i : -1)).filter((i) => i >= 0);
  const okResults = okIdx.map((i) => ok[i]!);
  // Area joins the objectives when the points were synthesized (not under --sim-only).
  const withArea = okResults.some((r) => r.ecp5 !== null);
  const front = paretoFront(okResults, withArea).map((j) => okIdx[j]!);
  const dominating: Record<string, number[]> = {};
  points.forEach((p) => {
    if (p.preset && p.status === 'ok') dominating[p.preset] = dominatorsOf(p.result, okResults, withArea).map((j) => okIdx[j]!);
  });
  return {
    model: MODEL_PRESETS[modelSpec] ? modelSpec : path.basename(model),
    options: { ...pointOpts, pool: opts.pool.kind === 'local' ? `local (${opts.pool.workers} workers)` : `ray ${opts.pool.address}` },
    points,
    front,
    dominating_presets: dominating,
    measured: points.filter((p) => p.status === 'ok' && !p.cached).length,
    cached,
    failed: points.filter((p) => p.status === 'failed').length,
    wall_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
}

