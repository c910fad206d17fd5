/**
 * The fp32 units' bench: generate the units for an architecture, write vectors from the numerics
 * (fp-vectors.ts), and run hw/cocotb/test_fpu.py on Verilator or Icarus.
 *
 * Needs: an architecture (its machine block sets the contracts). Two cocotb tops: the adder,
 * multiplier, divider and square root side by side, and the exp alone. Guarantees: a pass means every
 * vector of every unit was checked bit for bit and on its contract cycle (the bench's own count
 * is compared with the file's); the result names the first mismatches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import { generateFpUnits, unitCycles, type FpUnitsDesign } from '../codegen/fpu.js';
import { FP_UNIT_OPS, type FpUnitOp } from '../numerics/model.js';
import { fpVectors, writeFpVectors } from './fp-vectors.js';
import { failFastEnv, runCocotbTop, type BenchFiles, type Sim } from './cocotb.js';
import { cacheDir } from './tools.js';
import { dropTemp, tempSibling } from '../util/fsout.js';

export interface FpBenchOptions extends BenchFiles {
  /** Random pairs per unit, after the edge pairs. */
  readonly count: number;
  readonly seed: number;
  /** Percent of cycles the driver idles. */
  readonly stall?: number;
  /** Run these units only (default: all five). */
  readonly units?: readonly FpUnitOp[];
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

/** The bench tops and the units each holds (the exp on its own: see bnhw_fexp_tb.v). */
const BENCH_TOPS: readonly { readonly top: string; readonly ops: readonly FpUnitOp[] }[] = [
  { top: 'bnhw_fpu_tb', ops: ['add', 'mul', 'div', 'sqrt'] },
  { top: 'bnhw_fexp_tb', ops: ['exp'] },
];

export function runFpBench(arch: ArchSpec, sim: Sim, opts: FpBenchOptions, design: FpUnitsDesign = generateFpUnits(arch)): FpBenchResult {
  const ops = opts.units ?? FP_UNIT_OPS;
  const units: Partial<Record<FpUnitOp, FpUnitResult>> = {};
  const firstMismatches: Record<string, unknown>[] = [];
  const logs: string[] = [];
  let passed = true;
  for (const bench of BENCH_TOPS) {
    const mine = ops.filter((op) => bench.ops.includes(op));
    if (mine.length === 0) continue;
    const sets = mine.map((op) => ({ set: fpVectors(op, opts.count, opts.seed), cycles: unitCycles(design.plan, op) }));
    const dir = tempSibling(path.join(cacheDir('fpvec'), `${design.configHash}-${bench.top}-${opts.seed}`));
    try {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'fp.bin');
      writeFpVectors(file, sets);
      const r = runCocotbTop(
        { key: `${design.configHash}-${bench.top}-${sim}`, files: opts.files ?? design.files, sources: design.sources, benchSources: [`${bench.top}.v`], top: bench.top, module: 'test_fpu', ownClock: true },
        sim,
        { BNHW_FPVECTORS: file, BNHW_SEED: String(opts.seed), BNHW_STALL: String(opts.stall ?? 20), ...failFastEnv(opts) },
      );
      logs.push(r.log);
      const doc = r.result as BenchDoc | null;
      let complete = doc !== null;
      for (const { set, cycles } of sets) {
        const u = doc?.units[set.op];
        if (!u) {
          complete = false;
          continue;
        }
        units[set.op] = { checked: u.checked, mismatches: u.mismatches, contractCycles: u.contract_cycles, vectors: set.a.length };
        if (u.checked !== set.a.length || u.contract_cycles !== cycles || u.mismatches !== 0) complete = false;
      }
      firstMismatches.push(...(doc?.first_mismatches ?? []));
      passed &&= r.passed && complete;
    } finally {
      dropTemp(dir);
    }
  }
  // a unit asked for but not run (or no unit at all) is no pass
  passed &&= ops.length > 0 && ops.every((op) => units[op] !== undefined);
  return { sim, passed, seed: opts.seed, units, firstMismatches, log: logs.join('\n') };
}
