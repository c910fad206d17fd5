/**
 * The exp unit (src/ir/exp-pipeline.ts, src/codegen/fexp.ts) against the numerics' expHw: its
 * schedule and contract, and the cocotb bench (driver, monitor, model, checker) with its edge
 * arguments plus seeded random ones on Verilator and on Icarus (SUITE_COUNT). Apart from fpu.test.ts so the two
 * long benches run beside each other.
 */
import { describe, expect, it } from 'vitest';
import { generateFpUnits, planFpUnits } from '../../src/codegen/fpu.js';
import { ARCH_PRESETS, machineOf, parseArch, type ArchSpec } from '../../src/ir/arch.js';
import { expSchedule, operandNames } from '../../src/ir/exp-pipeline.js';
import { runFpBench } from '../../src/verify/fpu.js';
import { expEdgeArgs } from '../../src/verify/fp-vectors.js';
import { codesOf } from '../helpers.js';
import { SUITE_COUNT } from './suite-counts.js';

const base = ARCH_PRESETS['default']!;
const withMachine = (name: string, m: Record<string, number>): ArchSpec => parseArch({ ...base, name, machine: { ...base.machine, ...m } }, 'test');

describe('exp unit: cocotb bench, the edge arguments plus 1e5 random arguments on Verilator (2e4 on Icarus here; 1e5 in npm run verify:units)', () => {
  for (const sim of ['verilator', 'icarus'] as const) {
    it(`the exp bit-exact with expHw and on its contract cycle on ${sim}`, () => {
      const count = SUITE_COUNT[sim];
      const r = runFpBench(base, sim, { count, seed: 2027, stall: 20, units: ['exp'] });
      expect(r.firstMismatches).toEqual([]);
      const u = r.units.exp!;
      expect(u.vectors).toBe(count + expEdgeArgs().length);
      expect(u.checked).toBe(u.vectors);
      expect(u.mismatches).toBe(0);
      expect(u.contractCycles).toBe(machineOf(base).expLatency);
      expect(r.passed).toBe(true);
    }, 900_000);
  }
});

describe('exp unit: schedule and contract', () => {
  it('is the law\'s dataflow scheduled as soon as possible: 8 multiplies and 9 adds deep, plus its own steps', () => {
    const s = expSchedule(4, 3);
    // t, the two k steps, k ln2, two subtractions, five Horner steps, then p r^2 + r + 1 and the scale
    expect(s.latency).toBe(3 + 2 + 3 + 4 + 4 + 5 * (3 + 4) + 3 + 4 + 4 + 1);
    expect(expSchedule(1, 1).latency).toBe(8 * 1 + 9 * 1 + 3);
    expect(machineOf(base).expLatency).toBe(s.latency);
    // every operand waits exactly until its consumer starts
    const ready = new Map(s.nodes.map((n) => [n.node.name, n.ready]));
    for (const n of s.nodes) for (const src of operandNames(n.node)) expect(n.start).toBeGreaterThanOrEqual(ready.get(src)!);
    expect(s.nodes.filter((n) => n.node.kind === 'fmul')).toHaveLength(10);
    expect(s.nodes.filter((n) => n.node.kind === 'fadd')).toHaveLength(9);
  });
  it('refuses a contract shorter than the pipeline (AR004 at parse, CG041 at generation); a longer one rounds k in two cycles, then adds output delays', () => {
    expect(codesOf(() => withMachine('exp-short', { expLatency: 62 }))).toEqual(['AR004']);
    expect(codesOf(() => planFpUnits({ ...machineOf(base), expLatency: 20 }))).toEqual(['CG041']);
    const slow = withMachine('exp-slow', { expLatency: 70 });
    const text = generateFpUnits(slow).files.get('bnhw_fexp.v')!;
    expect(text).toMatch(/assign out_v = y_t6_v;/);
    expect(text).toContain('kr_fx <= kr_fx_w;');
    expect(generateFpUnits(base).files.get('bnhw_fexp.v')).not.toContain('kr_fx <= kr_fx_w;');
  });
  it('bit-exact on a stretched contract (expLatency 70)', () => {
    const r = runFpBench(withMachine('exp-slow', { expLatency: 70 }), 'icarus', { count: 500, seed: 5, stall: 35, units: ['exp'] });
    expect(r.firstMismatches).toEqual([]);
    expect(r.units.exp!.contractCycles).toBe(70);
    expect(r.passed).toBe(true);
  }, 300_000);
});

describe('fp32 bench: no unit run is no pass', () => {
  it('an empty unit list fails without running a simulator', () => {
    const r = runFpBench(base, 'icarus', { count: 10, seed: 1, units: [] });
    expect(r.passed).toBe(false);
    expect(r.units).toEqual({});
  });
});
