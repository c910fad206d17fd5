/**
 * The mutation check of the scratchpad units (scripts/mutate-vec.ts): every seeded mutant of the
 * vector unit, its scratchpad and the special-function unit is killed by their cocotb bench
 * (Icarus, tiny). Its own file so that it runs beside the benches of tests/verify/vec.test.ts; the
 * head and attention units' mutants are tests/verify/head-attn-mutants.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { compileProgram } from '../../src/ir/compile.js';
import { loadModel } from '../../src/ir/load.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { REGISTERED_READ_ARCH, REGISTERED_READ_MUTATIONS, runVecMutations, VEC_MUTATIONS } from '../../scripts/mutate-vec.js';

const units = ['vec', 'sfu'] as const;
const count = VEC_MUTATIONS.filter((m) => (units as readonly string[]).includes(m.unit)).length;

const tiny = ARCH_PRESETS['tiny']!;
const pTiny = compileProgram(loadModel(defaultModelDir()).ir, tiny);

describe('scratchpad units: mutation', () => {
  it(`the benches kill all ${count} seeded mutants of the vector unit, its scratchpad and the special-function unit (Icarus, tiny)`, () => {
    const rs = runVecMutations(pTiny, tiny, undefined, undefined, undefined, units);
    expect(rs.length).toBe(count);
    expect(rs.filter((r) => !r.applied).map((r) => r.name)).toEqual([]);
    expect(rs.filter((r) => !r.killed).map((r) => r.name)).toEqual([]);
  }, 1_800_000);
});

describe('registered reads: mutation', () => {
  it(`the benches kill all ${REGISTERED_READ_MUTATIONS.length} seeded mutants of the registered reads (Icarus, tiny-registered)`, () => {
    const p = compileProgram(loadModel(defaultModelDir()).ir, REGISTERED_READ_ARCH);
    const rs = runVecMutations(p, REGISTERED_READ_ARCH, undefined, undefined, undefined, undefined, REGISTERED_READ_MUTATIONS);
    expect(rs.length).toBe(REGISTERED_READ_MUTATIONS.length);
    expect(rs.filter((r) => !r.applied).map((r) => r.name)).toEqual([]);
    expect(rs.filter((r) => !r.killed).map((r) => r.name)).toEqual([]);
  }, 1_800_000);
});
