/**
 * The scratchpad units against the numerics: the vector unit (src/codegen/vec.ts,
 * templates/verilog/bnhw_vec.v.hbs) and the special-function unit's rsqrt (src/codegen/sfu.ts,
 * bnhw_sfu.v.hbs): their contracts, the generators' refusals, lint and synthesis cleanliness, the
 * cocotb bench (random instructions with the expected memory and contract cycles) on Verilator
 * and on Icarus, and the mutation check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateVector } from '../../src/codegen/vec.js';
import { ARCH_PRESETS, parseArch } from '../../src/ir/arch.js';
import { compileProgram } from '../../src/ir/compile.js';
import { loadModel } from '../../src/ir/load.js';
import { cycles, engineAdapterLead, sfuRowCycles, unitContracts, vectorReduction } from '../../src/ir/units.js';
import { runSfuBench, runVecBench } from '../../src/verify/vec.js';
import { generateSfu } from '../../src/codegen/sfu.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { tmpDir, toolOutput } from '../helpers.js';
import { UNIT_SUITE_COUNT } from './suite-counts.js';
import { REGISTERED_READ_ARCH } from '../../scripts/mutate-vec.js';

const ir = loadModel(defaultModelDir()).ir;
const def = ARCH_PRESETS['default']!;
const tiny = ARCH_PRESETS['tiny']!;
const pDefault = compileProgram(ir, def);
const pTiny = compileProgram(ir, tiny);
// every memory read registered at the memory: its data two cycles after its address
const tinyReg = REGISTERED_READ_ARCH;
const pTinyReg = compileProgram(ir, tinyReg);

const tool = toolOutput;

describe('vector unit: the contract and the generator', () => {
  it('reductions: one row per lane, lanes a cycle apart, groups a period apart', () => {
    const u = unitContracts(def); // 16 lanes, La 4, Lm 3
    const one = vectorReduction(128, 1, u);
    // first read in cycle 1, 128 terms, the product 3 cycles, the sum 13 after the last term
    expect(one).toMatchObject({ groups: 1, lanes: 1, lastLanes: 1, sum: 127 + 1 + 3 + 13, lastWrite: 145 });
    const two = vectorReduction(128, 18, u);
    expect(two).toMatchObject({ groups: 2, lanes: 16, lastLanes: 2, period: 144 });
    expect(two.lastWrite).toBe(1 + 144 + 1 + 144);
    // a short row and many lanes: the period covers the lanes' staggered reads
    expect(vectorReduction(16, 16, u).period).toBe(15 + 17);
    const sq = { op: 'vsumsq', dst: 0, a: 0, n: 128 } as const;
    expect(cycles(sq, pDefault, u, 0, 1)).toBe(146);
    expect(cycles({ op: 'vmean', dst: 0, a: 0, n: 128 }, pDefault, u, 0, 2)).toBe(vectorReduction(128, 2, u).lastWrite + 3 + 2 * 28);
    expect(cycles({ op: 'vmul', dst: 0, a: 0, b: 0, n: 128, bcast: false, bParam: true }, pDefault, u, 0, 3)).toBe(1 + 3 * 8 + 1 + 3);
  });
  it('rsqrt: per row the read, two divisions, an add and a root, between the issue cycle and the last write', () => {
    const u = unitContracts(def); // div 28, sqrt 27, add 4
    expect(sfuRowCycles(u)).toBe(1 + 56 + 4 + 27);
    expect(cycles({ op: 'rsqrt', dst: 0, a: 0, eps: 1e-5, n: 128 }, pDefault, u, 0, 3)).toBe(2 + 3 * 88);
  });
  it('registered reads: every read a cycle longer, and what waits on one with it', () => {
    const u1 = unitContracts(tiny);
    const u2 = unitContracts(tinyReg);
    expect([u1.readLatency, u2.readLatency]).toEqual([1, 2]);
    const vmul = { op: 'vmul', dst: 0, a: 0, b: 0, n: 64, bcast: false, bParam: false } as const;
    expect(cycles(vmul, pTinyReg, u2, 0, 2)).toBe(cycles(vmul, pTiny, u1, 0, 2) + 1);
    expect(vectorReduction(64, 5, u2).sum).toBe(vectorReduction(64, 5, u1).sum + 1);
    expect(sfuRowCycles(u2)).toBe(sfuRowCycles(u1) + 1);
    expect(cycles({ op: 'argmax', src: 0, n: 100 }, pTinyReg, u2, 0, 1)).toBe(cycles({ op: 'argmax', src: 0, n: 100 }, pTiny, u1, 0, 1) + 1);
    expect([engineAdapterLead(u1), engineAdapterLead(u2)]).toEqual([3, 4]);
  });
  it('every buffer and parameter base is a multiple of the lanes', () => {
    for (const p of [pDefault, pTiny]) {
      const V = unitContracts(p === pDefault ? def : tiny).vector.lanes;
      for (const b of [...p.buffers, ...p.params]) expect(b.base % V).toBe(0);
    }
  });
  it('refuses lanes that are not a power of two (CG043) and lengths that are not whole lines (CG044)', () => {
    const odd = parseArch({ ...def, name: 'odd', machine: { ...def.machine, vectorLanes: 12 } }, 'test');
    expect(() => generateVector(compileProgram(ir, odd), odd)).toThrow(/CG043/);
    const wide = parseArch({ ...def, name: 'wide', machine: { ...def.machine, vectorLanes: 256 } }, 'test');
    expect(() => generateVector(compileProgram(ir, wide), wide)).toThrow(/CG044/);
  });
  it('reproducible byte for byte', () => {
    const a = generateVector(pTiny, tiny);
    const b = generateVector(pTiny, tiny);
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
  });
  for (const [p0, arch0] of [[pTiny, tiny], [pTinyReg, tinyReg]] as const) it(`clean under verilator -Wall, iverilog -Wall and Yosys synth_ecp5 (${arch0.name}: four lanes)`, () => {
    const d = generateVector(p0, arch0);
    const dir = tmpDir('bnhw-vec-');
    for (const [f, text] of d.files) fs.writeFileSync(path.join(dir, f), text);
    for (const top of ['bnhw_vec', 'bnhw_spad', 'bnhw_pmem']) {
      const files = top === 'bnhw_vec' ? d.sources.filter((s) => s !== 'bnhw_spad.v' && s !== 'bnhw_pmem.v') : [`${top}.v`];
      expect(tool('verilator', ['--lint-only', '-Wall', '--top-module', top, ...files], dir)).toBe('');
      expect(tool('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', '-s', top, ...files], dir)).toBe('');
    }
    const log = tool('yosys', ['-q', '-p', `read_verilog ${d.sources.join(' ')}; synth_ecp5 -noflatten -top bnhw_vec`], dir);
    expect(log.split('\n').filter((l) => /^Warning: /.test(l))).toEqual([]);
    expect(log).not.toMatch(/exit \d+$/);
    // (the default's special-function unit once, beside tiny's)
    for (const [p, arch] of arch0 === tiny ? ([[p0, arch0], [pDefault, def]] as const) : ([[p0, arch0]] as const)) {
      const s = generateSfu(p, arch);
      const sdir = tmpDir('bnhw-sfu-');
      for (const [f, text] of s.files) fs.writeFileSync(path.join(sdir, f), text);
      expect(tool('verilator', ['--lint-only', '-Wall', '--top-module', 'bnhw_sfu', ...s.sources], sdir)).toBe('');
      expect(tool('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', '-s', 'bnhw_sfu', ...s.sources], sdir)).toBe('');
      const slog = tool('yosys', ['-q', '-p', `read_verilog ${s.sources.join(' ')}; synth_ecp5 -noflatten -top bnhw_sfu`], sdir);
      expect(slog.split('\n').filter((l) => /^Warning: /.test(l))).toEqual([]);
      expect(slog).not.toMatch(/exit \d+$/);
    }
  }, 900_000);
});

describe('vector unit: cocotb bench, 2e4 operands per instruction on each simulator (1e5 in npm run verify:units)', () => {
  it('the default architecture (16 lanes) on Verilator: every word and every done cycle as the numerics and the contract say', () => {
    const r = runVecBench(pDefault, def, 'verilator', { operands: UNIT_SUITE_COUNT, seed: 2029 });
    expect(r.firstMismatches).toEqual([]);
    expect(r.mismatches).toBe(0);
    expect(r.checked).toBe(r.cases);
    for (const n of Object.values(r.operands)) expect(n).toBeGreaterThanOrEqual(UNIT_SUITE_COUNT);
    expect(r.passed).toBe(true);
  }, 1_200_000);
  it('tiny (4 lanes) on Icarus', () => {
    const r = runVecBench(pTiny, tiny, 'icarus', { operands: UNIT_SUITE_COUNT, seed: 2029 });
    expect(r.firstMismatches).toEqual([]);
    expect(r.checked).toBe(r.cases);
    for (const n of Object.values(r.operands)) expect(n).toBeGreaterThanOrEqual(UNIT_SUITE_COUNT);
    expect(r.passed).toBe(true);
  }, 1_200_000);
  it('tiny with registered reads (every read two cycles) on Icarus, and its special-function unit', () => {
    const r = runVecBench(pTinyReg, tinyReg, 'icarus', { operands: 2000, seed: 2031 });
    expect(r.firstMismatches).toEqual([]);
    expect(r.checked).toBe(r.cases);
    expect(r.passed).toBe(true);
    const s = runSfuBench(pTinyReg, tinyReg, 'icarus', { operations: 300, seed: 2031 });
    expect(s.firstMismatches).toEqual([]);
    expect(s.passed).toBe(true);
  }, 1_200_000);
});

describe('special-function unit (rsqrt): cocotb bench, 2e4 operations on each simulator (1e5 in npm run verify:units)', () => {
  for (const sim of ['verilator', 'icarus'] as const) {
    it(`every word and every done cycle as the numerics and the contract say, on ${sim}`, () => {
      const r = runSfuBench(pDefault, def, sim, { operations: UNIT_SUITE_COUNT, seed: 2030 });
      expect(r.firstMismatches).toEqual([]);
      expect(r.checked).toBe(r.cases);
      expect(r.operands['rsqrt']).toBeGreaterThanOrEqual(UNIT_SUITE_COUNT);
      expect(r.passed).toBe(true);
    }, 1_200_000);
  }
});
