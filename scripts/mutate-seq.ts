/**
 * Mutation check of the sequencer and its program image (src/codegen/seq.ts,
 * hw/cocotb/test_seq.py): named mutations of the generated bnhw_seq.v (a unit's wait ignored or
 * off by one, a skipped instruction dispatched or not counted, counters kept across runs, the
 * fetch queue overrun, not shifted or filled out of order, `end` not ending the run, an issue
 * from an empty queue, an opcode given to the wrong unit) and of
 * the memory image (a wait one too small, an opcode changed), each run through the sequencer's
 * bench on Icarus with the shipped model's program on `default`. Every mutant must be killed.
 * Prints a table and exits 1 if any survives.
 *
 * usage: node dist/scripts/mutate-seq.js
 */
import { loadArch, type ArchSpec } from '../src/ir/arch.js';
import { compileProgram } from '../src/ir/compile.js';
import { COUNTED_UNITS, programDeps, type CountedUnit } from '../src/ir/deps.js';
import { loadModel } from '../src/ir/load.js';
import { shapeIR, shapeOfModel } from '../src/ir/presets.js';
import type { ModelIR } from '../src/ir/types.js';
import { OPCODES, type Program } from '../src/ir/program.js';
import { WAIT_BITS, waitField } from '../src/ir/program-image.js';
import { generateSequencer, SEQ_HEX_FILE, SEQ_ROM_WORDS } from '../src/codegen/seq.js';
import { runSeqBench } from '../src/verify/seq.js';
import { BitnetError } from '../src/util/diagnostics.js';
import { defaultModelDir } from '../src/util/paths.js';
import type { Mutation, MutantResult } from './mutate-rtl.js';

const SEQ = 'bnhw_seq.v';

/**
 * Written against the shipped model's program on `default` (128 instructions, a 7-bit pc). Left
 * out as equivalent: an issue gated by `running` (the queue is empty whenever the sequencer is not
 * running, since `end` is the last instruction and nothing is fetched past it).
 */
export const SEQ_MUTATIONS: readonly Mutation[] = [
  { file: SEQ, name: 'seq: the engine wait ignored', find: '(engine_cnt >= engine_wait) && ', replace: '' },
  { file: SEQ, name: 'seq: the vector wait one finish early', find: '(vector_cnt >= vector_wait)', replace: "(vector_cnt + 16'd1 >= vector_wait)" },
  { file: SEQ, name: 'seq: the sfu wait one finish late', find: '(sfu_cnt >= sfu_wait)', replace: '(sfu_cnt > sfu_wait)' },
  { file: SEQ, name: 'seq: a skipped head dispatched', find: 'head_op && !skip', replace: 'head_op' },
  { file: SEQ, name: 'seq: a skipped head or argmax not counted', find: " + {15'd0, go && skip}", replace: '' },
  { file: SEQ, name: 'seq: the kv count kept across runs', find: "if (rst || start) kv_cnt <= 16'd0;", replace: "if (rst) kv_cnt <= 16'd0;" },
  { file: SEQ, name: 'seq: fetch ignores the room in the queue', find: "({1'b0, qn} + {2'b00, rv} <= 3'd2)", replace: "1'b1" },
  { file: SEQ, name: 'seq: an issue does not shift the queue', find: 'go ? e1 : e0', replace: 'e0' },
  { file: SEQ, name: 'seq: a read queued at the front', find: "e0 <= (rv && keep == 2'd0)", replace: "e0 <= (rv && qn == 2'd0)" },
  { file: SEQ, name: 'seq: end does not end the run', find: 'else if (go && is_end) running <= 1\'b0;', replace: '' },
  { file: SEQ, name: 'seq: issues from an empty queue', find: "wire         go = (qn != 2'd0) && ready;", replace: 'wire         go = ready;' },
  { file: SEQ, name: 'seq: attn given to the vector unit', find: 'wire         attention_op = (op == 8\'d11);', replace: 'wire         attention_op = 1\'b0;' },
];

/** The image's line of instruction `pc` with one wait count changed by `delta`. */
function imageWith(hex: string, pc: number, unit: CountedUnit, delta: number): string {
  const lines = hex.split('\n');
  const line = lines[pc]!;
  // the line is words 10 down to 0, eight hex digits each, most significant first
  const f = waitField(COUNTED_UNITS.indexOf(unit));
  const at = (SEQ_ROM_WORDS - 1 - f.word) * 8 + (8 - (f.shift + WAIT_BITS) / 4);
  const value = parseInt(line.slice(at, at + 4), 16) + delta;
  lines[pc] = line.slice(0, at) + value.toString(16).padStart(4, '0') + line.slice(at + 4);
  return lines.join('\n');
}

/** Image mutants of a program: a wait one too small on an attn, the end and a chained lin; an opcode changed. */
export function imageMutations(p: Program, hex: string): { name: string; text: string }[] {
  const deps = programDeps(p);
  const attn = p.instructions.findIndex((i) => i.op === 'attn');
  const end = p.instructions.length - 1;
  const rope = p.instructions.findIndex((i) => i.op === 'rope');
  const lin = p.instructions.findIndex((i) => i.op === 'lin');
  const lines = hex.split('\n');
  const opAt = (SEQ_ROM_WORDS - 1) * 8 + 6;
  const recoded = [...lines];
  recoded[lin] = lines[lin]!.slice(0, opAt) + OPCODES.vmul.toString(16).padStart(2, '0') + lines[lin]!.slice(opAt + 2);
  if (deps.wait[attn]!.kv < 1 || deps.wait[rope]!.engine < 1) throw new Error('image mutations: the program has no kv wait on attn or engine wait on rope');
  return [
    { name: 'image: attn waits for one kv write fewer', text: imageWith(hex, attn, 'kv', -1) },
    { name: 'image: end waits for one head instruction fewer', text: imageWith(hex, end, 'head', -1) },
    { name: 'image: rope waits for one engine finish fewer', text: imageWith(hex, rope, 'engine', -1) },
    { name: 'image: the first lin\'s opcode is vmul', text: recoded.join('\n') },
  ];
}

export function runSeqMutations(ir: ModelIR, arch: ArchSpec): MutantResult[] {
  const p = compileProgram(ir, arch);
  const design = generateSequencer(p);
  const cases: { name: string; file: string; text: string }[] = [];
  for (const m of SEQ_MUTATIONS) {
    const src = design.files.get(m.file)!;
    const out = src.replace(m.find, m.replace);
    if (out === src) throw new Error(`mutation "${m.name}" does not apply to the sequencer of ${p.model} on ${arch.name}`);
    cases.push({ name: m.name, file: m.file, text: out });
  }
  for (const m of imageMutations(p, design.files.get(SEQ_HEX_FILE)!)) cases.push({ name: m.name, file: SEQ_HEX_FILE, text: m.text });
  return cases.map((c) => {
    const files = new Map(design.files);
    files.set(c.file, c.text);
    try {
      const r = runSeqBench(ir, arch, 'icarus', { files });
      if (r.passed) return { name: c.name, killed: false, how: 'SURVIVED' };
      const first = r.firstMismatches[0];
      return { name: c.name, killed: true, how: first ? `${r.mismatches} mismatches, first ${JSON.stringify(first)}` : `${r.checked} of ${r.instructions} checked` };
    } catch (e) {
      if (e instanceof BitnetError) return { name: c.name, killed: true, how: `build failed (${e.code})` };
      throw e;
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = runSeqMutations(shapeIR(shapeOfModel(loadModel(defaultModelDir()))), loadArch('default'));
  for (const r of results) console.log(`${r.killed ? 'killed  ' : 'SURVIVED'}  ${r.name.padEnd(52)} ${r.how.slice(0, 160)}`);
  const survivors = results.filter((r) => !r.killed).length;
  console.log(`${results.length} mutants, ${results.length - survivors} killed, ${survivors} survived`);
  process.exitCode = survivors ? 1 : 0;
}
