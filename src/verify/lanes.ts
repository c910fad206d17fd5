/**
 * The reduction lanes' bench: generate the fp units for an architecture (bnhw_fsum and bnhw_fdot
 * among them), write sums and dot products with the numerics' results (lane-vectors.ts), and run
 * hw/cocotb/test_lanes.py on Verilator or Icarus.
 *
 * Needs: an architecture (its fpAddLatency and fpMulLatency set the lanes' contracts).
 * Guarantees: a pass means every reduction of every lane asked for was checked bit for bit and on
 * its contract cycle, every term of the tight reductions was taken on its contract cycle, and the
 * bench's counts equal the file's; the result names the first mismatches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import { machineOf } from '../ir/arch.js';
import { sumAfterLast } from '../ir/units.js';
import { generateFpUnits, type FpUnitsDesign } from '../codegen/fpu.js';
import { laneVectors, writeLaneVectors, type Lane } from './lane-vectors.js';
import { failFastEnv, runCocotbTop, type BenchFiles, type Sim } from './cocotb.js';
import { cacheDir } from './tools.js';
import { dropTemp, tempSibling } from '../util/fsout.js';

export interface LaneBenchOptions extends BenchFiles {
  /** Random terms per lane, after the edge reductions. */
  readonly terms: number;
  readonly seed: number;
  /** Percent of cycles the driver idles (reductions not marked tight). */
  readonly stall?: number;
  /** Run these lanes only (default: both). */
  readonly lanes?: readonly Lane[];
}

export interface LaneResult {
  /** Reductions checked, and in the vector file. */
  readonly checked: number;
  readonly reductions: number;
  readonly terms: number;
  readonly mismatches: number;
  /** Cycles from the cycle the last term was taken to the result. */
  readonly afterLast: number;
}

export interface LaneBenchResult {
  readonly sim: Sim;
  readonly passed: boolean;
  readonly seed: number;
  readonly lanes: Readonly<Partial<Record<Lane, LaneResult>>>;
  readonly firstMismatches: readonly Record<string, unknown>[];
  readonly log: string;
}

interface BenchDoc {
  readonly lanes: Record<string, { checked: number; mismatches: number; after_last: number; terms: number }>;
  readonly first_mismatches: Record<string, unknown>[];
}

/** The generated files the lanes' top needs. */
const LANE_SOURCES = ['bnhw_fadd.v', 'bnhw_fmul.v', 'bnhw_fsum.v', 'bnhw_fdot.v'];

/** Cycles from the cycle a lane took its last term to its result (the contract, src/ir/units.ts). */
export function laneAfterLast(lane: Lane, addLatency: number, mulLatency: number): number {
  return sumAfterLast(addLatency) + (lane === 'dot' ? mulLatency : 0);
}

export function runLaneBench(arch: ArchSpec, sim: Sim, opts: LaneBenchOptions, design: FpUnitsDesign = generateFpUnits(arch)): LaneBenchResult {
  const m = machineOf(arch);
  const lanes = opts.lanes ?? (['sum', 'dot'] as const);
  const sets = lanes.map((lane) => ({ set: laneVectors(lane, opts.terms, opts.seed), afterLast: laneAfterLast(lane, m.fpAddLatency, m.fpMulLatency), addLatency: m.fpAddLatency }));
  const result: Partial<Record<Lane, LaneResult>> = {};
  if (lanes.length === 0) return { sim, passed: false, seed: opts.seed, lanes: result, firstMismatches: [], log: '' };
  const dir = tempSibling(path.join(cacheDir('lanevec'), `${design.configHash}-${opts.seed}`));
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'lanes.bin');
    writeLaneVectors(file, sets);
    const r = runCocotbTop(
      { key: `${design.configHash}-lanes-${sim}`, files: opts.files ?? design.files, sources: LANE_SOURCES, benchSources: ['bnhw_lanes_tb.v'], top: 'bnhw_lanes_tb', module: 'test_lanes', ownClock: true },
      sim,
      { BNHW_LANEVECTORS: file, BNHW_SEED: String(opts.seed), BNHW_STALL: String(opts.stall ?? 20), ...failFastEnv(opts) },
    );
    const doc = r.result as BenchDoc | null;
    let complete = doc !== null;
    for (const { set, afterLast } of sets) {
      const u = doc?.lanes[set.lane];
      if (!u) {
        complete = false;
        continue;
      }
      result[set.lane] = { checked: u.checked, reductions: set.reductions.length, terms: u.terms, mismatches: u.mismatches, afterLast: u.after_last };
      if (u.checked !== set.reductions.length || u.terms !== set.terms || u.after_last !== afterLast || u.mismatches !== 0) complete = false;
    }
    const passed = r.passed && complete && lanes.every((l) => result[l] !== undefined);
    return { sim, passed, seed: opts.seed, lanes: result, firstMismatches: doc?.first_mismatches ?? [], log: r.log };
  } finally {
    dropTemp(dir);
  }
}
