/**
 * The head unit against the numerics (src/codegen/head.ts, templates/verilog/bnhw_head.v.hbs):
 * its contract, the generator's refusal, lint and synthesis cleanliness of its variants (lanes
 * above, at and below the scratchpad's, fp32 and bf16 tables, tied and untied, an adder slower
 * than the sum lane's four partials), and the cocotb bench (random embed, head and argmax
 * instructions on random tables, every word, token, action count and done cycle checked) on
 * Verilator and on Icarus.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateHead, modelHeadTables } from '../../src/codegen/head.js';
import { ARCH_PRESETS, parseArch } from '../../src/ir/arch.js';
import { compileProgram } from '../../src/ir/compile.js';
import { loadModel } from '../../src/ir/load.js';
import { cycles, headSchedule, sumTermCycle, unitContracts } from '../../src/ir/units.js';
import { headBenchTables, runHeadBench } from '../../src/verify/vec.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { tmpDir, toolOutput } from '../helpers.js';
import { UNIT_SUITE_COUNT } from './suite-counts.js';

const model = loadModel(defaultModelDir());
const ir = model.ir;
const def = ARCH_PRESETS['default']!;
const tiny = ARCH_PRESETS['tiny']!;
const pDefault = compileProgram(ir, def);
const pTiny = compileProgram(ir, tiny);
// two head lanes under four scratchpad lanes, an adder of latency 6 (the sum lane's gaps), and the
// tables read through registered banks (machine.registeredReads: 9 banks, latency 4)
const narrow = parseArch({ ...tiny, name: 'tiny-narrow', machine: { headLanes: 2, fpAddLatency: 6, registeredReads: true } }, 'test');
const pNarrow = compileProgram(ir, narrow);

describe('head unit: the contract and the generator', () => {
  it('head: groups of lanes in lockstep, a period apart, the last group written a line per cycle', () => {
    const u = unitContracts(def); // 64 head lanes, 16 vector lanes, La 4, Lm 3
    const h = headSchedule(258, 128, u);
    // 258 rows: four groups of 64 and one of 2; 128 terms, the product 3 cycles, the sum 13 after the last
    expect(h).toMatchObject({ groups: 5, lastLanes: 2, sum: 127 + 1 + 3 + 13, period: 127 + 13, lines: 4, lastLines: 1 });
    expect(cycles({ op: 'head', src: 0, dst: 0 }, pDefault, u, 0, 1)).toBe(2 + 4 * 140 + 144 + 1);
    // an adder slower than four partials: term i at sumTermCycle(i); the table's lines 4 cycles
    // after their reads (registered banks), so a term reaches its lane 4 cycles after its read
    const slow = headSchedule(258, 128, unitContracts(narrow));
    expect(slow.sum).toBe(sumTermCycle(127, 6) + 4 + 3 + 19);
    expect(slow).toMatchObject({ groups: 129, lines: 1, lastLines: 1 });
  });
  it('embed a word per cycle, argmax a compare per cycle', () => {
    const u = unitContracts(def);
    expect(cycles({ op: 'embed', dst: 0 }, pDefault, u, 0, 3)).toBe(3 * 128 + 2);
    // with the tables in registered banks each word is written as it arrives, 4 cycles after its read
    expect(cycles({ op: 'embed', dst: 0 }, pNarrow, unitContracts(narrow), 0, 3)).toBe(3 * 128 + 1 + 4);
    expect(cycles({ op: 'argmax', src: 0, n: 258 }, pDefault, u, 0, 1)).toBe(261); // the issue cycle, 258 reads, each key registered, then compared
  });
  it('refuses head lanes that are not a power of two (CG048)', () => {
    const odd = parseArch({ ...def, name: 'odd', machine: { ...def.machine, headLanes: 48 } }, 'test');
    expect(() => generateHead(compileProgram(ir, odd), odd, modelHeadTables(ir, model.tensors))).toThrow(/CG048/);
  });
  it('refuses streamed tables with registered reads: a line from the FIFO would come before its hidden word (CG056)', () => {
    const streamed = parseArch({ ...tiny, name: 'tiny-dram-registered', weightMemory: 'dram', machine: { ...tiny.machine, registeredReads: true } }, 'test');
    expect(() => generateHead(compileProgram(ir, streamed), streamed, { format: 'f32', untied: false })).toThrow(/CG056/);
  });
  it('reproducible byte for byte; the table image holds the model\'s words', () => {
    const a = generateHead(pTiny, tiny, modelHeadTables(ir, model.tensors));
    const b = generateHead(pTiny, tiny, modelHeadTables(ir, model.tensors));
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
    // tied: one table; line 0 holds element 0 of rows 0..3, row 0 in the low word
    expect(a.files.has('bnhw_htab.v')).toBe(false);
    const first = a.files.get('bnhw_etab.hex')!.split('\n')[0]!;
    const e = modelHeadTables(ir, model.tensors).embed;
    expect(first.slice(-8)).toBe(e[0]!.toString(16).padStart(8, '0'));
    expect(first.slice(0, 8)).toBe(e[3 * 128]!.toString(16).padStart(8, '0'));
  });
  it('clean under verilator -Wall, iverilog -Wall and Yosys synth_ecp5: tiny, and two lanes with bf16 untied tables', () => {
    const variants = [
      generateHead(pTiny, tiny, modelHeadTables(ir, model.tensors)),
      generateHead(pNarrow, narrow, headBenchTables(pNarrow, { seed: 1, format: 'bf16', tied: false }), undefined, { actions: true }),
      generateHead(pDefault, def, modelHeadTables(ir, model.tensors), undefined, { actions: true }),
    ];
    variants.forEach((d, k) => {
      const dir = tmpDir('bnhw-head-');
      for (const [f, text] of d.files) fs.writeFileSync(path.join(dir, f), text);
      expect(toolOutput('verilator', ['--lint-only', '-Wall', '--top-module', 'bnhw_head', ...d.sources], dir)).toBe('');
      expect(toolOutput('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', '-s', 'bnhw_head', ...d.sources], dir)).toBe('');
      if (k < 2) {
        const log = toolOutput('yosys', ['-q', '-p', `read_verilog ${d.sources.join(' ')}; synth_ecp5 -noflatten -top bnhw_head`], dir);
        expect(log.split('\n').filter((l) => /^Warning: /.test(l))).toEqual([]);
        expect(log).not.toMatch(/exit \d+$/);
      }
    });
  }, 900_000);
});

describe('head unit: cocotb bench, 2e4 operands per instruction on each simulator (1e5 in npm run verify:units)', () => {
  const check = (r: ReturnType<typeof runHeadBench>, count: number): void => {
    expect(r.firstMismatches).toEqual([]);
    expect(r.mismatches).toBe(0);
    expect(r.checked).toBe(r.cases);
    for (const n of Object.values(r.operands)) expect(n).toBeGreaterThanOrEqual(count);
    expect(r.passed).toBe(true);
  };
  it('tiny on Verilator: every word, token, action count and done cycle as the numerics and the contract say', () => {
    check(runHeadBench(pTiny, tiny, 'verilator', { operands: UNIT_SUITE_COUNT, seed: 2031 }), UNIT_SUITE_COUNT);
  }, 1_200_000);
  it('tiny on Icarus (three head instructions: one row, the block, one random)', () => {
    check(runHeadBench(pTiny, tiny, 'icarus', { operands: UNIT_SUITE_COUNT, seed: 2031, headCases: 3 }), UNIT_SUITE_COUNT);
  }, 1_200_000);
  it('two lanes under four, a slow adder, bf16 untied tables in registered banks, on Verilator', () => {
    expect(generateHead(pNarrow, narrow, headBenchTables(pNarrow, { seed: 1, format: 'bf16', tied: false })).plan).toMatchObject({ tableLatency: 4, tableBanks: 9 });
    check(runHeadBench(pNarrow, narrow, 'verilator', { operands: UNIT_SUITE_COUNT, seed: 2032, format: 'bf16', tied: false }), UNIT_SUITE_COUNT);
  }, 1_200_000);
});
