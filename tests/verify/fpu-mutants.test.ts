/**
 * Mutation check of the fp32 units' bench: every seeded, named mutant of the generated units
 * (scripts/mutate-fpu.ts) is killed by the cocotb bench on Icarus.
 */
import { describe, expect, it } from 'vitest';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { FP_MUTATIONS, INPUT_REGISTER_MACHINE, INPUT_REGISTER_MUTATIONS, runFpMutations } from '../../scripts/mutate-fpu.js';

describe('fp32 units: mutation', () => {
  it(`all ${FP_MUTATIONS.length} mutants of the five units and the two reduction lanes are killed`, () => {
    const results = runFpMutations(ARCH_PRESETS['default']!, 300);
    expect(results.filter((r) => !r.killed).map((r) => r.name)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(47);
  }, 900_000);
  it(`all ${INPUT_REGISTER_MUTATIONS.length} mutants of the spare cycles' registers (the input registers, the divider's split normalization, the multiplier's register before its blocks, the exp's two-cycle rounding of k) are killed`, () => {
    const base = ARCH_PRESETS['default']!;
    const results = runFpMutations({ ...base, name: 'input-registers', machine: { ...base.machine, ...INPUT_REGISTER_MACHINE } }, 300, INPUT_REGISTER_MUTATIONS);
    expect(results.filter((r) => !r.killed).map((r) => r.name)).toEqual([]);
    expect(results.length).toBe(INPUT_REGISTER_MUTATIONS.length);
  }, 900_000);
});
