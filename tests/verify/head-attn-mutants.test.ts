/**
 * The mutation check of the head unit, the KV unit and the attention unit (scripts/mutate-vec.ts):
 * every seeded mutant is killed by their cocotb bench (Icarus, tiny; the head bench at its edge
 * cases, the attention bench at a few short runs). Its own file so that it runs beside the other
 * benches.
 */
import { describe, expect, it } from 'vitest';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { compileProgram } from '../../src/ir/compile.js';
import { loadModel } from '../../src/ir/load.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { runVecMutations, VEC_MUTATIONS } from '../../scripts/mutate-vec.js';

const tiny = ARCH_PRESETS['tiny']!;
const pTiny = compileProgram(loadModel(defaultModelDir()).ir, tiny);
const units = ['head', 'attn'] as const;
const count = VEC_MUTATIONS.filter((m) => (units as readonly string[]).includes(m.unit)).length;

describe('head, KV and attention units: mutation', () => {
  it(`the benches kill all ${count} seeded mutants of the head unit, the KV unit and the attention unit (Icarus, tiny)`, () => {
    const rs = runVecMutations(pTiny, tiny, undefined, undefined, undefined, units);
    expect(rs.length).toBe(count);
    expect(rs.filter((r) => !r.applied).map((r) => r.name)).toEqual([]);
    expect(rs.filter((r) => !r.killed).map((r) => r.name)).toEqual([]);
  }, 1_800_000);
});
