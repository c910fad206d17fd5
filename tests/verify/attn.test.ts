/**
 * The KV cache, the KV unit and the attention unit against the numerics (src/codegen/attn.ts,
 * templates/verilog/bnhw_kvw.v.hbs, bnhw_attn.v.hbs, bnhw_kvmem.v.hbs): the contracts, the
 * generator's refusals, lint and synthesis cleanliness, and the cocotb bench (random kvw
 * instructions with every touched cache line checked whole, random attn instructions over random
 * caches with every output word, action count and done cycle checked) on Verilator and Icarus,
 * on the shipped model and on a grouped-query model with a bf16 cache, two lanes and a slow adder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAttention } from '../../src/codegen/attn.js';
import { ARCH_PRESETS, parseArch } from '../../src/ir/arch.js';
import { compileProgram } from '../../src/ir/compile.js';
import { loadModel } from '../../src/ir/load.js';
import { attentionHeadCycles, cycles, unitContracts } from '../../src/ir/units.js';
import { runAttnBench } from '../../src/verify/vec.js';
import { defaultModelDir, packageRoot } from '../../src/util/paths.js';
import { tmpDir, toolOutput } from '../helpers.js';
import { UNIT_SUITE_COUNT } from './suite-counts.js';

const ir = loadModel(defaultModelDir()).ir;
const def = ARCH_PRESETS['default']!;
const tiny = ARCH_PRESETS['tiny']!;
const pDefault = compileProgram(ir, def);
const pTiny = compileProgram(ir, tiny);
// grouped-query attention (4 heads on 2 K/V heads), a bf16 cache, two lanes under four, an adder of latency 6, every
// memory read registered (its data two cycles after its address)
const gqa = loadModel(path.join(packageRoot(), 'models', 'synthetic-tiny')).ir;
const narrow = parseArch({ ...tiny, name: 'tiny-narrow', machine: { headLanes: 2, attentionLanes: 2, fpAddLatency: 6, kvFormat: 'bf16', registeredReads: true } }, 'test');
const pNarrow = compileProgram(gqa, narrow);

describe('KV and attention units: the contracts and the generator', () => {
  it('kvw: a K and a V word per cycle; attn: every head of every row, one after another', () => {
    const u = unitContracts(def); // 32 attention lanes, 16 vector lanes, La 4, Lm 3, exp, div 28
    // (each word registered as it arrives, written the cycle after)
    expect(cycles({ op: 'kvw', layer: 0, k: 0, v: 0 }, pDefault, u, 5, 3)).toBe(3 * 128 + 3);
    // one position: one group of scores (31 + 13 to the next take; the sum 31 + 1 + 3 + 13), the
    // scale, a 5-stage tree, the softmax of one term (its score registered a cycle before s - m),
    // 1 / sum, one group of values, two lines
    const one = attentionHeadCycles(1, 32, u);
    const e0 = 48 + 3 + 5 + 2;
    const v0 = e0 + 0 + 2 + 4 + u.sfu.expLatency + 13 + 28 + 1;
    expect(one).toBe(v0 + 0 + (0 + 1 + 3 + 13) + 3 + 2 + 2);
    expect(cycles({ op: 'attn', layer: 0, q: 0, dst: 0 }, pDefault, u, 7, 2)).toBe(1 + 4 * (attentionHeadCycles(8, 32, u) + attentionHeadCycles(9, 32, u)));
    // more positions than lanes: a second group of scores
    expect(attentionHeadCycles(33, 32, u) - attentionHeadCycles(32, 32, u)).toBeGreaterThan(44);
  });
  it('refuses lanes that do not divide the head (CG049), heads that are not whole lines (CG050), an fp16 cache (CG051)', () => {
    const odd = parseArch({ ...def, name: 'odd', machine: { ...def.machine, attentionLanes: 64 } }, 'test');
    expect(() => generateAttention(compileProgram(ir, odd), odd)).toThrow(/CG049/);
    // (a model with RoPE meets CG047 first: half a head is stricter)
    const wide = parseArch({ ...def, name: 'wide', machine: { ...def.machine, vectorLanes: 64 } }, 'test');
    const pw = compileProgram(ir, wide);
    const noRope = { ...pw, attention: { ...pw.attention, ropeTheta: null }, instructions: pw.instructions.filter((i) => i.op !== 'rope') };
    expect(() => generateAttention(noRope, wide)).toThrow(/CG050/);
    const f16 = parseArch({ ...tiny, name: 'f16', machine: { kvFormat: 'fp16' } }, 'test');
    expect(() => generateAttention(compileProgram(ir, f16), f16)).toThrow(/CG051/);
  });
  it('reproducible byte for byte', () => {
    const a = generateAttention(pTiny, tiny);
    const b = generateAttention(pTiny, tiny);
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
  });
  it('clean under verilator -Wall, iverilog -Wall and Yosys synth_ecp5', () => {
    const variants = [generateAttention(pTiny, tiny), generateAttention(pNarrow, narrow, undefined, { actions: true }), generateAttention(pDefault, def, undefined, { actions: true })];
    variants.forEach((d, k) => {
      const dir = tmpDir('bnhw-attn-');
      for (const [f, text] of d.files) fs.writeFileSync(path.join(dir, f), text);
      for (const top of ['bnhw_kvw', 'bnhw_attn', 'bnhw_kmem', 'bnhw_vmem']) {
        expect(toolOutput('verilator', ['--lint-only', '-Wall', '--top-module', top, ...d.sources], dir)).toBe('');
        expect(toolOutput('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', '-s', top, ...d.sources], dir)).toBe('');
      }
      if (k === 1) {
        for (const top of ['bnhw_attn', 'bnhw_kvw']) {
          const log = toolOutput('yosys', ['-q', '-p', `read_verilog ${d.sources.join(' ')}; synth_ecp5 -noflatten -top ${top}`], dir);
          expect(log.split('\n').filter((l) => /^Warning: /.test(l))).toEqual([]);
          expect(log).not.toMatch(/exit \d+$/);
        }
      }
    });
  }, 900_000);
});

describe('KV and attention units: cocotb bench (2e4 operands per instruction on each simulator; 1e5 on both in npm run verify:units)', () => {
  const check = (r: ReturnType<typeof runAttnBench>, count: number): void => {
    expect(r.firstMismatches).toEqual([]);
    expect(r.mismatches).toBe(0);
    expect(r.checked).toBe(r.cases);
    for (const n of Object.values(r.operands)) expect(n).toBeGreaterThanOrEqual(count);
    expect(r.passed).toBe(true);
  };
  it('tiny on Verilator: every cache line, output word, action count and done cycle as the numerics and the contract say', () => {
    check(runAttnBench(pTiny, tiny, 'verilator', { operands: UNIT_SUITE_COUNT, seed: 2033, minCases: 8 }), UNIT_SUITE_COUNT);
  }, 1_200_000);
  it('tiny on Icarus (attention over at most a few dozen positions, at most 4 rows a run)', () => {
    check(runAttnBench(pTiny, tiny, 'icarus', { operands: UNIT_SUITE_COUNT, seed: 2033, long: false, minCases: 8, maxRows: 4 }), UNIT_SUITE_COUNT);
  }, 1_200_000);
  it('grouped-query attention, a bf16 cache, two lanes under four, a slow adder, on Verilator', () => {
    check(runAttnBench(pNarrow, narrow, 'verilator', { operands: UNIT_SUITE_COUNT, seed: 2034, minCases: 12 }), UNIT_SUITE_COUNT);
  }, 1_200_000);
});
