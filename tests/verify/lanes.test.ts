/**
 * The reduction lanes (bnhw_fsum, bnhw_fdot) against the numerics' sumF32 / dotF32: the contract
 * functions, the vectors, and the cocotb bench (driver, monitor, model, checker) with the edge
 * sums plus seeded random terms per lane on Verilator and on Icarus (SUITE_COUNT), and on other adder and
 * multiplier latencies (one term per cycle up to an adder latency of 4, gaps beyond).
 */
import { describe, expect, it } from 'vitest';
import { ARCH_PRESETS, machineOf, parseArch, type ArchSpec } from '../../src/ir/arch.js';
import { sumCycles, sumTermCycle } from '../../src/ir/units.js';
import { dotF32, sumF32 } from '../../src/numerics/model.js';
import { laneResult, laneVectors } from '../../src/verify/lane-vectors.js';
import { laneAfterLast, runLaneBench } from '../../src/verify/lanes.js';
import { bitsToF32, f32Bits } from '../../src/util/float.js';
import { SUITE_COUNT } from './suite-counts.js';

const base = ARCH_PRESETS['default']!;
const withLatencies = (name: string, add: number, mul: number): ArchSpec => parseArch({ ...base, name, machine: { ...base.machine, fpAddLatency: add, fpMulLatency: mul } }, 'test');

describe('reduction lanes: the contract', () => {
  it('one term per cycle while the adder hides behind four partials, a period of La beyond', () => {
    expect([0, 1, 2, 3, 4, 5, 8].map((i) => sumTermCycle(i, 4))).toEqual([0, 1, 2, 3, 4, 5, 8]);
    expect([0, 1, 2, 3, 4, 5, 8].map((i) => sumTermCycle(i, 7))).toEqual([0, 1, 2, 3, 7, 8, 14]);
    // n + 3 La up to La = 4 (what the machine charged before the lanes existed)
    for (const La of [1, 2, 3, 4]) for (const n of [1, 5, 128, 384]) expect(sumCycles(n, La)).toBe(n + 3 * La);
    expect(sumCycles(128, 5)).toBe(31 * 5 + 3 + 1 + 15);
    expect(laneAfterLast('sum', 4, 3)).toBe(13);
    expect(laneAfterLast('dot', 4, 3)).toBe(16);
  });
  it('the vectors carry the numerics\' results and reach at least the asked-for terms', () => {
    const s = laneVectors('sum', 5000, 3);
    const d = laneVectors('dot', 5000, 3);
    expect(s.terms).toBeGreaterThanOrEqual(5000);
    expect(d.terms).toBeGreaterThanOrEqual(5000);
    for (const r of s.reductions.slice(0, 200)) {
      const x = Float32Array.from(r.a, bitsToF32);
      const want = sumF32(x.length, (i) => x[i]!);
      expect(r.expected).toBe(Number.isNaN(want) ? 0x7fc00000 : f32Bits(want));
    }
    const r = d.reductions[d.reductions.length - 1]!;
    const want = dotF32(Float32Array.from(r.a, bitsToF32), 0, Float32Array.from(r.b, bitsToF32), 0, r.a.length);
    expect(r.expected).toBe(Number.isNaN(want) ? 0x7fc00000 : f32Bits(want));
    // a lone -0 sums to +0 (the partials start at +0); every length 1..9 appears among the edges
    expect(laneResult('sum', Uint32Array.of(0x80000000), Uint32Array.of(0))).toBe(0);
    for (let n = 1; n <= 9; n++) expect(s.reductions.some((x) => x.a.length === n)).toBe(true);
    expect(s.reductions.some((x) => x.tight) && s.reductions.some((x) => !x.tight)).toBe(true);
  });
});

describe('reduction lanes: cocotb bench, the edge sums plus 1e5 random terms per lane on Verilator (2e4 on Icarus here; 1e5 in npm run verify:units)', () => {
  for (const sim of ['verilator', 'icarus'] as const) {
    it(`the sum and product-sum lanes bit-exact with sumF32 / dotF32, on their contract cycles, on ${sim}`, () => {
      const r = runLaneBench(base, sim, { terms: SUITE_COUNT[sim], seed: 2028, stall: 20 });
      expect(r.firstMismatches).toEqual([]);
      for (const lane of ['sum', 'dot'] as const) {
        const u = r.lanes[lane]!;
        expect(u.terms).toBeGreaterThanOrEqual(SUITE_COUNT[sim]);
        expect(u.checked).toBe(u.reductions);
        expect(u.mismatches).toBe(0);
        expect(u.afterLast).toBe(laneAfterLast(lane, machineOf(base).fpAddLatency, machineOf(base).fpMulLatency));
      }
      expect(r.passed).toBe(true);
    }, 900_000);
  }
});

describe('reduction lanes: other latencies', () => {
  for (const [add, mul] of [[1, 1], [2, 5], [5, 2], [7, 6]] as const) {
    it(`bit-exact on the contract with fpAddLatency ${add}, fpMulLatency ${mul}`, () => {
      const r = runLaneBench(withLatencies(`lanes-${add}-${mul}`, add, mul), 'icarus', { terms: 3000, seed: 41, stall: 30 });
      expect(r.firstMismatches).toEqual([]);
      expect(r.passed).toBe(true);
    }, 300_000);
  }
  it('no lane asked for is no pass', () => {
    const r = runLaneBench(base, 'icarus', { terms: 10, seed: 1, lanes: [] });
    expect(r.passed).toBe(false);
  });
});
