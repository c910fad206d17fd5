/**
 * The sequencer (src/codegen/seq.ts) and the issue rule it runs (src/ir/deps.ts): the rule's
 * counts, the memory image, lint and synthesis cleanliness, the cocotb bench against the
 * simulator's issue cycles on Verilator and on Icarus, and the mutation check of the sequencer
 * and its program image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSequencer, programRomHex, SEQ_HEX_FILE } from '../../src/codegen/seq.js';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { compileProgram } from '../../src/ir/compile.js';
import { COUNTED_UNITS, programDeps } from '../../src/ir/deps.js';
import { loadModel } from '../../src/ir/load.js';
import { MODEL_PRESETS, shapeIR, shapeOfModel } from '../../src/ir/presets.js';
import { encodeProgram, IMAGE_WORDS_PER_INSTR } from '../../src/ir/program-image.js';
import { runSeqBench } from '../../src/verify/seq.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { runSeqMutations, SEQ_MUTATIONS } from '../../scripts/mutate-seq.js';
import { tmpDir, toolOutput } from '../helpers.js';

const ir = shapeIR(shapeOfModel(loadModel(defaultModelDir())));
const arch = ARCH_PRESETS['default']!;
const program = compileProgram(ir, arch);

const tool = toolOutput;

describe('issue rule', () => {
  it('attention waits for the KV rows kvw writes; a chained lin only for what it reads; end for everything', () => {
    const d = programDeps(program);
    const ins = program.instructions;
    ins.forEach((i, pc) => {
      if (i.op !== 'attn') return;
      const kvw = ins.findIndex((j) => j.op === 'kvw' && j.layer === i.layer);
      expect(kvw).toBeLessThan(pc);
      expect(d.wait[pc]!.kv).toBe(d.ordinal[kvw]! + 1);
    });
    const chained = ins.findIndex((i) => i.op === 'lin' && i.chain);
    expect(d.wait[chained]!.engine).toBe(0); // streams in the segment its head opened
    expect(COUNTED_UNITS.map((u) => d.wait[ins.length - 1]![u])).toEqual(COUNTED_UNITS.map((u) => d.total[u]));
    // a unit runs one instruction at a time: every non-chained instruction waits for its unit's previous one
    const vmul = ins.findIndex((i, pc) => i.op === 'vmul' && pc > 2);
    expect(d.wait[vmul]!.vector).toBeGreaterThanOrEqual(d.ordinal[vmul]!);
  });
});

describe('sequencer: generation', () => {
  it('the memory holds words 0 to 10 of the image; reproducible byte for byte', () => {
    const a = generateSequencer(program);
    const b = generateSequencer(compileProgram(ir, arch));
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
    const w = new Uint32Array(encodeProgram(program).buffer);
    const lines = a.files.get(SEQ_HEX_FILE)!.trimEnd().split('\n');
    expect(lines).toHaveLength(program.instructions.length);
    lines.forEach((line, pc) => {
      const words = Array.from({ length: 11 }, (_, k) => parseInt(line.slice((10 - k) * 8, (11 - k) * 8), 16));
      expect(words).toEqual([...w.subarray(pc * IMAGE_WORDS_PER_INSTR, pc * IMAGE_WORDS_PER_INSTR + 11)]);
    });
    expect(programRomHex(program)).toBe(a.files.get(SEQ_HEX_FILE));
    expect(a.files.get('bnhw_seq.v')).not.toMatch(/\/(tmp|work|home|root)\//);
  });
  for (const [name, p] of [['bitnet-b158 on default', program], ['2B4T on default', compileProgram(shapeIR(MODEL_PRESETS['2b4t']!), arch)]] as const) {
    it(`clean under verilator -Wall, iverilog -Wall and Yosys synth_ecp5: ${name} (${p.instructions.length} instructions)`, () => {
      const d = generateSequencer(p);
      const dir = tmpDir('bnhw-seq-');
      for (const [f, text] of d.files) fs.writeFileSync(path.join(dir, f), text);
      expect(tool('verilator', ['--lint-only', '-Wall', 'bnhw_seq.v'], dir)).toBe('');
      expect(tool('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', 'bnhw_seq.v'], dir)).toBe('');
      const log = tool('yosys', ['-q', '-p', 'read_verilog bnhw_seq.v; synth_ecp5 -top bnhw_seq'], dir);
      expect(log.split('\n').filter((l) => /^Warning: /.test(l))).toEqual([]);
      expect(log).not.toMatch(/exit \d+$/);
    }, 300_000);
  }
});

describe('sequencer: cocotb bench against the simulator', () => {
  for (const sim of ['verilator', 'icarus'] as const) {
    it(`every instruction of a prompt block and three decoded tokens issues on the simulator's cycle, on ${sim}`, () => {
      const r = runSeqBench(ir, arch, sim);
      expect(r.firstMismatches).toEqual([]);
      expect(r.checked).toBe(4 * program.instructions.length);
      expect(r.instructions).toBe(r.checked);
      expect(r.passed).toBe(true);
    }, 300_000);
  }
  it('on tiny, where the engine is slower than every other unit', () => {
    const r = runSeqBench(ir, ARCH_PRESETS['tiny']!, 'icarus', { runs: [{ rows: 2, logits: true }, { rows: 1, logits: false }] });
    expect(r.firstMismatches).toEqual([]);
    expect(r.passed).toBe(true);
  }, 300_000);
});

describe('sequencer: a failure names where it happened', () => {
  it('the run, positions, instruction, unit and cycles of the first difference, and a waveform of that window', () => {
    const design = generateSequencer(program);
    const files = new Map(design.files);
    files.set('bnhw_seq.v', design.files.get('bnhw_seq.v')!.replace('(kv_cnt >= kv_wait)', "(kv_cnt + 16'd1 >= kv_wait)"));
    const vcd = path.join(tmpDir('bnhw-seq-vcd-'), 'first.vcd');
    const r = runSeqBench(ir, arch, 'icarus', { files, waveform: vcd, runs: [{ rows: 1, logits: true }] });
    expect(r.passed).toBe(false);
    const attn = program.instructions.findIndex((i) => i.op === 'attn');
    expect(r.firstMismatches[0]).toMatchObject({ run: 0, pc: attn, op: 'attn', unit: 'attention', positions: '0..0', what: 'issue cycle' });
    expect(r.waveform).toBe(vcd);
    const text = fs.readFileSync(vcd, 'utf8');
    expect(text).toMatch(/\$scope module bnhw_seq_tb/);
    expect(text).toMatch(/kv_cnt/);
  }, 300_000);
});

describe('sequencer: mutation', () => {
  it(`all ${SEQ_MUTATIONS.length} mutants of the sequencer and 4 of its program image are killed`, () => {
    const results = runSeqMutations(ir, arch);
    expect(results.filter((r) => !r.killed).map((r) => r.name)).toEqual([]);
    expect(results).toHaveLength(SEQ_MUTATIONS.length + 4);
    expect(SEQ_MUTATIONS.length).toBeGreaterThanOrEqual(12);
  }, 900_000);
});
