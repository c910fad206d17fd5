/**
 * The fp32 units' bench: generate the units for an architecture, write vectors from the numerics
 * (fp-vectors.ts), and run hw/cocotb/test_fpu.py on Verilator or Icarus.
 *
 * Needs: an architecture (its machine block sets the contracts). Guarantees: a pass means every
 * vector of every unit was checked bit for bit and on its contract cycle (the bench's own count
 * is compared with the file's); the result names the first mismatches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import { generateFpUnits, unitCycles, type FpUnitsDesign } from '../codegen/fpu.js';
import { FP_UNIT_OPS, type FpUnitOp } from '../numerics/model.js';
import { fpVectors, writeFpVectors } from './fp-vectors.js';
import { runCocotbTop, type Sim } from './cocotb.js';
import { cacheDir } from './tools.js';
import { dropTemp, tempSibling } from '../util/fsout.js';

export interface FpBenchOptions {
  /** Random pairs per unit, after the edge pairs. */
  readonly count: number;
  readonly seed: number;
  /** Percent of cycles the driver idles. */
  readonly stall?: number;
  /** Run these units only (default: all four). */
  readonly units?: readonly FpUnitOp[];
  /** Simulate these files instead of the generated ones (mutation runs). */
  readonly files?: ReadonlyMap<string, string>;
}

export interface FpUnitResult {
  readonly checked: number;
  readonly mismatches: number;
  readonly contractCycles: number;
  readonly vectors: number;
}

export interface FpBenchResult {
  readonly sim: Sim;
  readonly passed: boolean;
  readonly seed: number;
  readonly units: Readonly<Partial<Record<FpUnitOp, FpUnitResult>>>;
  readonly firstMismatches: readonly Record<string, unknown>[];
  readonly log: string;
}

interface BenchDoc {
  readonly units: Record<string, { checked: number; mismatches: number; contract_cycles: number }>;
  readonly first_mismatches: Record<string, unknown>[];
}

export function runFpBench(arch: ArchSpec, sim: Sim, opts: FpBenchOptions, design: FpUnitsDesign = generateFpUnits(arch)): FpBenchResult {
  const ops = opts.units ?? FP_UNIT_OPS;
  const sets = ops.map((op) => ({ set: fpVectors(op, opts.count, opts.seed), cycles: unitCycles(design.plan, op) }));
  const dir = tempSibling(path.join(cacheDir('fpvec'), `${design.configHash}-${opts.seed}`));
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'fp.bin');
    writeFpVectors(file, sets);
    const r = runCocotbTop(
      { key: `${design.configHash}-fpu-${sim}`, files: opts.files ?? design.files, sources: design.sources, benchSources: ['bnhw_fpu_tb.v'], top: 'bnhw_fpu_tb', module: 'test_fpu', ownClock: true },
      sim,
      { BNHW_FPVECTORS: file, BNHW_SEED: String(opts.seed), BNHW_STALL: String(opts.stall ?? 20) },
    );
    const doc = r.result as BenchDoc | null;
    const units: Partial<Record<FpUnitOp, FpUnitResult>> = {};
    let complete = doc !== null;
    for (const { set, cycles } of sets) {
      const u = doc?.units[set.op];
      if (!u) {
        complete = false;
        continue;
      }
      units[set.op] = { checked: u.checked, mismatches: u.mismatches, contractCycles: u.contract_cycles, vectors: set.a.length };
      if (u.checked !== set.a.length || u.contract_cycles !== cycles) complete = false;
    }
    const clean = Object.values(units).every((u) => u.mismatches === 0);
    return { sim, passed: r.passed && complete && clean, seed: opts.seed, units, firstMismatches: doc?.first_mismatches ?? [], log: r.log };
  } finally {
    dropTemp(dir);
  }
}
