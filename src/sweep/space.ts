/**
 * The design space of a sweep: value lists or ranges for the architecture's knobs, on top of a
 * base architecture, and a sampling rule (the full grid or a seeded random sample of K points).
 *
 * Needs: a space file (JSON) or object; the model's weight kind (the architecture follows it).
 * Guarantees: every problem is reported at once with coded diagnostics (`SWxxx`, field paths as
 * `AR003` does for architectures); every point is a valid ArchSpec (parsed by the architecture's
 * own schema) with a stable, legal name; points come in a deterministic order, and the same space
 * and seed give the same points; duplicate points are removed.
 */
import { z } from 'zod';
import { ARCH_PRESETS, parseArch, type ArchSpec } from '../ir/arch.js';
import type { WeightKind } from '../ir/types.js';
import { BitnetError, diag, type Diagnostic } from '../util/diagnostics.js';
import { readJsonInput } from '../util/jsonfile.js';
import { Rng } from '../util/prng.js';

/** A grid is capped so a typo in a range fails fast instead of scheduling days of work. */
export const MAX_GRID_POINTS = 100_000;
export const MAX_SAMPLE_POINTS = 10_000;

const range = z
  .object({
    from: z.number(),
    to: z.number(),
    step: z.number().positive().optional(),
    factor: z.number().gt(1).optional(),
  })
  .strict()
  .refine((r) => r.from <= r.to, 'a range needs from <= to')
  .refine((r) => (r.step === undefined) !== (r.factor === undefined), 'a range takes exactly one of step (linear) or factor (geometric)');

function axis<T extends z.ZodTypeAny>(value: T, what: string) {
  return z.union([z.array(value).min(1).max(1000), range], { error: `a non-empty list of ${what} or a range {from, to, step | factor}` });
}

const int = z.number().int();

export const SpaceSchema = z
  .object({
    kind: z.literal('space').default('space'),
    /** The architecture every point starts from: a preset name or an inline architecture. */
    base: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    lanes: axis(int, 'integers').optional(),
    simd: axis(int, 'integers').optional(),
    treePipeline: axis(int, 'integers').optional(),
    weightMemory: z.array(z.enum(['rom', 'load-port'])).min(1).optional(),
    weightPacking: z.array(z.enum(['2bit', 'base3'])).min(1).optional(),
    vectorLanes: axis(int, 'integers').optional(),
    clockMHz: axis(z.number(), 'numbers').optional(),
    sample: z
      .union([
        z.object({ rule: z.literal('grid') }).strict(),
        z.object({ rule: z.literal('random'), points: z.number().int().min(1).max(MAX_SAMPLE_POINTS), seed: z.number().int().min(0).max(2 ** 32 - 1) }).strict(),
      ])
      .default({ rule: 'grid' }),
  })
  .strict();

export type Space = z.infer<typeof SpaceSchema>;
type Axis = readonly (number | string)[] | z.infer<typeof range>;

/** The knobs in the order points are enumerated (the last one varies fastest). */
export const KNOBS = ['lanes', 'simd', 'treePipeline', 'weightMemory', 'weightPacking', 'vectorLanes', 'clockMHz'] as const;
export type Knob = (typeof KNOBS)[number];
export type PointKnobs = { readonly [K in Knob]?: number | string };

export interface SpacePoint {
  readonly name: string;
  readonly knobs: PointKnobs;
  readonly arch: ArchSpec;
}

function isList(a: Axis): a is readonly (number | string)[] {
  return Array.isArray(a);
}

function values(a: Axis | undefined): (number | string)[] | null {
  if (a === undefined) return null;
  if (isList(a)) return [...new Set(a)];
  const out: number[] = [];
  for (let v = a.from, i = 0; v <= a.to * (1 + 1e-12); i++) {
    out.push(Number(v.toPrecision(12)));
    if (out.length > MAX_GRID_POINTS) break;
    v = a.step !== undefined ? a.from + (i + 1) * a.step : v * a.factor!;
  }
  return out;
}

function label(k: Knob, v: number | string): string {
  const short: Record<Knob, string> = { lanes: 'p', simd: 's', treePipeline: 'tp', weightMemory: '', weightPacking: '', vectorLanes: 'vl', clockMHz: 'f' };
  return typeof v === 'number' ? `${short[k]}${v}` : v;
}

/** Read and check a space file. */
export function loadSpace(file: string): Space {
  return parseSpace(readJsonInput(file, 'SW002', 'space file'), file);
}

export function parseSpace(json: unknown, where: string): Space {
  const r = SpaceSchema.safeParse(json);
  if (!r.success) {
    throw new BitnetError(r.error.issues.map((i) => diag('SW003', `${where}:${i.path.join('.') || '(root)'}`, `space field: ${i.message}`, 'see hw/spaces/*.json and the README section on `sweep` for the format')));
  }
  return r.data;
}

/**
 * Every point of the space for a model of `kind` weights, checked: the base architecture with
 * each point's knob values, parsed by the architecture schema. Throws every problem at once.
 */
export function expandSpace(space: Space, kind: WeightKind, where: string): SpacePoint[] {
  const ds: Diagnostic[] = [];
  let base: ArchSpec | null = null;
  const baseSpec = space.base ?? (kind === 'binary' ? 'default-binary' : 'default');
  if (typeof baseSpec === 'string') {
    base = ARCH_PRESETS[baseSpec] ?? null;
    if (!base) ds.push(diag('SW004', `${where}:base`, `unknown architecture preset ${JSON.stringify(baseSpec)}`, `use one of ${Object.keys(ARCH_PRESETS).join(', ')} or an inline architecture object`));
  } else {
    try {
      base = parseArch({ name: 'base', weightKind: kind, ...baseSpec }, `${where}:base`);
    } catch (e) {
      if (!(e instanceof BitnetError)) throw e;
      ds.push(...e.diagnostics);
    }
  }
  if (base && base.weightKind !== kind) {
    ds.push(diag('SW005', `${where}:base`, `the base architecture is built for ${base.weightKind} weights but the model has ${kind} weights`, `use a ${kind} base (e.g. ${kind === 'binary' ? 'default-binary' : 'default'})`, kind));
  }
  if (kind === 'binary' && space.weightPacking) {
    ds.push(diag('SW006', `${where}:weightPacking`, 'weight packing applies to ternary weights only (binary weights are one sign bit each)', 'remove weightPacking from the space for a binary model', 'no weightPacking'));
  }
  const axes: [Knob, (number | string)[]][] = [];
  let grid = 1;
  for (const k of KNOBS) {
    const v = values(space[k] as Axis | undefined);
    if (v === null) continue;
    if (v.length === 0) ds.push(diag('SW007', `${where}:${k}`, 'the range holds no value', 'widen the range'));
    axes.push([k, v]);
    grid *= Math.max(v.length, 1);
  }
  if (grid > MAX_GRID_POINTS) ds.push(diag('SW008', where, `the grid has ${grid.toLocaleString('en-US')} points`, `narrow the ranges or sample a random subset ("sample": {"rule": "random", "points": K, "seed": S})`, `<= ${MAX_GRID_POINTS.toLocaleString('en-US')} points`));
  if (ds.length > 0 || !base) throw new BitnetError(ds);

  const combos: PointKnobs[] = [];
  const walk = (i: number, acc: Record<string, number | string>): void => {
    if (i === axes.length) {
      combos.push({ ...acc });
      return;
    }
    for (const v of axes[i]![1]) walk(i + 1, { ...acc, [axes[i]![0]]: v });
  };
  walk(0, {});
  let chosen = combos;
  if (space.sample.rule === 'random' && space.sample.points < combos.length) {
    // A seeded partial Fisher-Yates: K distinct points, then back into grid order.
    const rng = new Rng(space.sample.seed);
    const idx = combos.map((_, i) => i);
    for (let i = 0; i < space.sample.points; i++) {
      const j = rng.int(i, idx.length - 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    chosen = idx.slice(0, space.sample.points).sort((a, b) => a - b).map((i) => combos[i]!);
  }
  const points: SpacePoint[] = [];
  const seen = new Set<string>();
  for (const knobs of chosen) {
    const name = [base.name, ...Object.entries(knobs).map(([k, v]) => label(k as Knob, v!))].join('-').replace(/[^A-Za-z0-9_.+-]/g, '_').slice(0, 64);
    const machine = knobs.vectorLanes !== undefined ? { ...base.machine, vectorLanes: knobs.vectorLanes } : base.machine;
    const raw: Record<string, unknown> = { ...base, name, ...(machine ? { machine } : {}) };
    for (const k of ['lanes', 'simd', 'treePipeline', 'weightMemory', 'weightPacking', 'clockMHz'] as const) if (knobs[k] !== undefined) raw[k] = knobs[k];
    try {
      const arch = parseArch(raw, `${where}:point ${name}`);
      const key = JSON.stringify({ ...arch, name: '' });
      if (seen.has(key)) continue;
      seen.add(key);
      points.push({ name, knobs, arch });
    } catch (e) {
      if (!(e instanceof BitnetError)) throw e;
      ds.push(...e.diagnostics.map((d) => ({ ...d, code: 'SW009', hint: `the point's values must make a valid architecture: ${d.hint}` })));
    }
  }
  if (ds.length > 0) throw new BitnetError(ds);
  return points;
}
