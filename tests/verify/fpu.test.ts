/**
 * The fp32 units of the whole-model accelerator against the numerics module: the cocotb bench
 * (driver, monitor, model, checker) with every edge pair plus seeded random operand pairs per unit
 * but the exp (fpu-exp.test.ts) on Verilator and on Icarus (SUITE_COUNT), other contract latencies, lint and synthesis cleanliness, and
 * reproducibility. The mutation check is in fpu-mutants.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FP_UNIT_TOPS, generateFpUnits, planFpUnits } from '../../src/codegen/fpu.js';
import { ARCH_PRESETS, machineOf, parseArch, type ArchSpec } from '../../src/ir/arch.js';
import { FP_UNIT_OPS, type FpUnitOp } from '../../src/numerics/model.js';
import { runFpBench } from '../../src/verify/fpu.js';
import { FP_EDGE_OPERANDS } from '../../src/verify/fp-vectors.js';
import { codesOf, tmpDir } from '../helpers.js';
import { SUITE_COUNT } from './suite-counts.js';

const base = ARCH_PRESETS['default']!;
const withMachine = (name: string, m: Record<string, number>): ArchSpec => parseArch({ ...base, name, machine: { ...base.machine, ...m } }, 'test');

/** Contracts other than the default's: the fewest and the most registers, odd occupancies. */
export const LATENCY_CASES: readonly ArchSpec[] = [
  withMachine('fp-fast', { fpAddLatency: 1, fpMulLatency: 1, divCycles: 24, sqrtCycles: 27 }),
  withMachine('fp-mid', { fpAddLatency: 2, fpMulLatency: 2, divCycles: 31, sqrtCycles: 40 }),
  withMachine('fp-deep', { fpAddLatency: 7, fpMulLatency: 8, divCycles: 10, sqrtCycles: 11 }),
];

function tool(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : `\nexit ${r.status}`);
}

describe('fp32 units: cocotb bench, the edge pairs plus 1e5 random pairs per unit on Verilator (2e4 on Icarus here; 1e5 in npm run verify:units)', () => {
  for (const sim of ['verilator', 'icarus'] as const) {
    it(`the adder, multiplier, divider and square root bit-exact and on their contract cycles on ${sim}`, () => {
      const ops = ['add', 'mul', 'div', 'sqrt'] as const;
      const count = SUITE_COUNT[sim];
      const r = runFpBench(base, sim, { count, seed: 2026, stall: 20, units: ops });
      expect(r.firstMismatches).toEqual([]);
      expect(Object.keys(r.units).sort()).toEqual([...ops].sort());
      for (const op of ops) {
        const u = r.units[op]!;
        const edges = op === 'sqrt' ? FP_EDGE_OPERANDS.length : FP_EDGE_OPERANDS.length ** 2;
        expect(u.vectors).toBe(count + edges);
        expect(u.checked).toBe(u.vectors);
        expect(u.mismatches).toBe(0);
      }
      expect(r.passed).toBe(true);
    }, 900_000);
  }
});

describe('fp32 units: other contracts', () => {
  it('a pipeline register for every boundary the latency allows, then an input register, then (the multiplier) a register before its blocks, then delays', () => {
    const p = planFpUnits(machineOf(LATENCY_CASES[2]!));
    // the adder's second spare cycle is a delay; the multiplier's puts a register in front of its
    // multiplier blocks, its third is a delay
    expect(p.add).toEqual({ kind: 'pipeline', latency: 7, registered: [true, true, true, true], inputRegister: true, splitFirst: false, extraDelays: 1 });
    expect(p.mul).toEqual({ kind: 'pipeline', latency: 8, registered: [true, true, true, true], inputRegister: true, splitFirst: true, extraDelays: 1 });
    expect(planFpUnits(machineOf(withMachine('mul-6', { fpMulLatency: 6 }))).mul).toEqual({ kind: 'pipeline', latency: 6, registered: [true, true, true, true], inputRegister: true, splitFirst: false, extraDelays: 0 });
    expect(planFpUnits(machineOf(base)).mul).toEqual({ kind: 'pipeline', latency: 3, registered: [false, true, true, false], inputRegister: false, splitFirst: false, extraDelays: 0 });
    // the divider's 10 cycles: unpack, pre-shift and round leave 7 to iterate, so 4 bits each, none
    // spare; the square root's 11: unpack and round leave 9, 3 bits each
    expect(p.div).toMatchObject({ cycles: 10, bitsPerCycle: 4, iterations: 7, resultBits: 28, inputRegister: false });
    expect(p.sqrt).toMatchObject({ cycles: 11, bitsPerCycle: 3, iterations: 9, resultBits: 27, inputRegister: false });
    // 29 cycles: 26 to iterate, one bit each, one spare: the operation waits a cycle in front
    expect(planFpUnits({ ...machineOf(base), divCycles: 29 }).div).toMatchObject({ bitsPerCycle: 1, iterations: 25, inputRegister: true, splitUnpack: false });
    // 30: two spare, the second splitting the divider's normalization (count, then shift); the
    // square root's unpacking is shallow, so its spare cycles beyond the first are delays
    expect(planFpUnits({ ...machineOf(base), divCycles: 30 }).div).toMatchObject({ iterations: 25, inputRegister: true, splitUnpack: true, splitRound: false });
    // 31: the third splits its last cycle (the subnormal shift, then the rounding)
    expect(planFpUnits({ ...machineOf(base), divCycles: 31 }).div).toMatchObject({ iterations: 25, inputRegister: true, splitUnpack: true, splitRound: true });
    expect(planFpUnits({ ...machineOf(base), sqrtCycles: 40 }).sqrt).toMatchObject({ inputRegister: true, splitUnpack: false, splitRound: false });
    expect(planFpUnits(machineOf(base)).div).toMatchObject({ cycles: 28, iterations: 25, inputRegister: false });
    expect(planFpUnits(machineOf(LATENCY_CASES[0]!)).add.registered).toEqual([false, false, false, false]);
  });
  it('refuses an occupancy too short for the result bits (CG040; the architecture schema already stops it)', () => {
    expect(codesOf(() => planFpUnits({ ...machineOf(base), sqrtCycles: 8 }))).toEqual(['CG040']);
    expect(codesOf(() => planFpUnits({ ...machineOf(base), divCycles: 9 }))).toEqual(['CG040']);
    expect(codesOf(() => withMachine('fp-short', { divCycles: 8 }))).toEqual(['AR003']);
  });
  for (const arch of LATENCY_CASES) {
    const m = machineOf(arch);
    it(`bit-exact on its contract cycles: ${arch.name} (add ${m.fpAddLatency}, mul ${m.fpMulLatency}, div ${m.divCycles}, sqrt ${m.sqrtCycles} cycles, exp ${m.expLatency})`, () => {
      const r = runFpBench(arch, 'icarus', { count: 1500, seed: 31, stall: 35 });
      expect(r.firstMismatches).toEqual([]);
      expect(r.passed).toBe(true);
    }, 300_000);
  }
});

describe('fp32 units: generation', () => {
  for (const arch of [base, ...LATENCY_CASES]) {
    it(`clean under verilator -Wall, iverilog -Wall and Yosys synth_ecp5: ${arch.name}`, () => {
      const d = generateFpUnits(arch);
      const dir = tmpDir('bnhw-fpu-');
      for (const [name, text] of d.files) fs.writeFileSync(path.join(dir, name), text);
      // each unit with the files it needs (the exp instantiates the adder and multiplier)
      const filesOf = (op: FpUnitOp): string[] => (op === 'exp' ? ['bnhw_fexp.v', 'bnhw_fadd.v', 'bnhw_fmul.v'] : [`${FP_UNIT_TOPS[op]}.v`]).map((f) => path.join(dir, f));
      for (const op of FP_UNIT_OPS) {
        expect(tool('verilator', ['--lint-only', '-Wall', '--top-module', FP_UNIT_TOPS[op], ...filesOf(op)])).toBe('');
        expect(tool('iverilog', ['-g2005', '-Wall', '-o', path.join(dir, 'a.vvp'), '-s', FP_UNIT_TOPS[op], ...filesOf(op)])).toBe('');
      }
      // the reduction lanes, with the adder and multiplier they instantiate
      for (const lane of ['bnhw_fsum', 'bnhw_fdot']) {
        const files = [lane, 'bnhw_fadd', 'bnhw_fmul'].map((f) => path.join(dir, `${f}.v`));
        expect(tool('verilator', ['--lint-only', '-Wall', '--top-module', lane, ...files])).toBe('');
        expect(tool('iverilog', ['-g2005', '-Wall', '-o', path.join(dir, 'a.vvp'), '-s', lane, ...files])).toBe('');
        if (arch === base) {
          const log = tool('yosys', ['-q', '-p', `read_verilog ${files.join(' ')}; synth_ecp5 -noflatten -top ${lane}`]);
          expect(log.split('\n').filter((l) => /^Warning: /.test(l))).toEqual([]);
          expect(log).not.toMatch(/exit \d+$/);
        }
      }
      if (arch === base) {
        for (const op of FP_UNIT_OPS) {
          // the exp is instances of the adder and multiplier checked above: each module once, not 19 flattened copies
          const log = tool('yosys', ['-q', '-p', `read_verilog ${filesOf(op).join(' ')}; synth_ecp5 ${op === 'exp' ? '-noflatten ' : ''}-top ${FP_UNIT_TOPS[op]}`]);
          expect(log.split('\n').filter((l) => /^Warning: /.test(l))).toEqual([]);
          expect(log).not.toMatch(/exit \d+$/);
        }
      }
    }, 300_000);
  }
  it('is byte-for-byte reproducible; the configuration hash follows the contracts', () => {
    const a = generateFpUnits(base);
    const b = generateFpUnits(parseArch(JSON.parse(JSON.stringify(base)), 'copy'));
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
    expect(a.sources).toEqual(['bnhw_fadd.v', 'bnhw_fdiv.v', 'bnhw_fdot.v', 'bnhw_fexp.v', 'bnhw_fmul.v', 'bnhw_fsqrt.v', 'bnhw_fsum.v']);
    expect(generateFpUnits(LATENCY_CASES[0]!).configHash).not.toBe(a.configHash);
    for (const [, text] of a.files) {
      expect(text).not.toMatch(/\/(tmp|work|home|root)\//);
      expect(text).not.toMatch(/20\d\d-\d\d-\d\d/);
    }
  });
});
