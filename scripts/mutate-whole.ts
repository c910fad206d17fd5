/**
 * Mutation check of the whole-model top (src/codegen/whole.ts): named mutations of the generated
 * bnhw_top.v (the scratchpad's second port not handed to the KV unit, the position not advanced
 * by the block, a new sequence not starting at 0, every row embedding the block's first token, the
 * logits stream one word on, its queue losing a word under back-pressure, the run's cycles one
 * short), of the engine adapter bnhw_lin.v (outputs a word late, a chained lin streaming past its
 * input, a third word read ahead of the engine, the word behind the offered one dropped, `done` at every row) and of the
 * parameter ROM (a bank's image swapped), of the KV unit (V words to the wrong bank) and of the engine's action counters (tree additions,
 * divider iterations and weight words miscounted), each run through the Verilator whole-model harness on
 * `tiny` with a short held-out sequence, stalls and back-pressure (src/verify/whole.ts); and of the
 * engine's DRAM weight port (the issuer not waiting for the weight FIFO, the FIFO taking a word when
 * full or reading on the wrong beat, a request a word short) and of the head unit's table port (a
 * group or an embed row not waiting for its lines, the head's request a line short), run the
 * same way on `tiny` with its weights and tables streamed from a memory slower than the units
 * (DRAM_MUTANT_ARCH). Every mutant must be
 * killed. Prints a table and exits 1 if any survives.
 *
 * usage: node dist/scripts/mutate-whole.js [name-substring]
 */
import * as fs from 'node:fs';
import { generateWhole, type WholeDesign } from '../src/codegen/whole.js';
import { loadArch, parseArch, type ArchSpec } from '../src/ir/arch.js';
import { REGISTERED_READ_ARCH } from './mutate-vec.js';
import { loadModel } from '../src/ir/load.js';
import type { Model } from '../src/ir/types.js';
import { defaultModelDir, heldoutTextPath } from '../src/util/paths.js';
import { verifyWhole, type WholeResult, type WholeRun } from '../src/verify/whole.js';
import type { Mutation } from './mutate-rtl.js';

const TOP = 'bnhw_top.v';
const LIN = 'bnhw_lin.v';
const ENGINE = 'bnhw_engine.v';

/** Written against the shipped model on `tiny` (15-bit scratchpad addresses, logits at word 2048). */
export const WHOLE_MUTATIONS: readonly Mutation[] = [
  { file: TOP, name: 'top: port b never handed to the KV unit', find: 'sb_addr = own == O_KV ? kv_rb : vec_rb;', replace: 'sb_addr = vec_rb;' },
  { file: TOP, name: 'top: the position advances by one, not by the block', find: /position <= position \+ \{ \d+'d0, rws\};/, replace: "position <= position + 32'd1;" },
  { file: TOP, name: 'top: a new sequence does not start at position 0', find: "            if (clr_now) position <= 32'd0;\n", replace: '' },
  { file: TOP, name: "top: every row embeds the block's first token", find: 'tok_id = toks[tok_row];', replace: 'tok_id = toks[0];' },
  { file: TOP, name: 'top: the logits stream one word on', find: /oaddr = optr \+ (\d+)'d(\d+);/, replace: "oaddr = optr + $1'd$2 + $1'd1;" },
  { file: TOP, name: 'top: the result queue overwrites its head under back-pressure', find: "if (qn == 2'd1) q0 <= din;", replace: "if (qn == 2'd1) q1 <= din;" },
  { file: TOP, name: "top: the run's cycles one short", find: /run_cycles <= rc - 32'd(\d+);/, replace: "run_cycles <= rc - 32'd$1 - 32'd1;" },
  { file: LIN, name: 'lin: outputs written a word late', find: 'waddr = obase + oo;', replace: "waddr = obase + oo + 15'd1;" },
  { file: LIN, name: "lin: a chained lin's inputs start past the block", find: 'ibase <= src;', replace: 'ibase <= ibase + nj;' },
  { file: LIN, name: 'lin: a third word read ahead of the engine (one overwritten while it waits)', find: "rd = in_on && held <= 2'd1;", replace: "rd = in_on && held <= 2'd2;" },
  { file: LIN, name: 'lin: the word behind the offered one dropped when that one is taken', find: 'ov <= kv || rd1;', replace: 'ov <= rd1;' },
  { file: LIN, name: 'lin: done at the end of every row', find: 'assign done = m_valid && o_lin_end;', replace: 'assign done = m_valid && o_row_end;' },
  { file: 'bnhw_prom.v', name: "prom: bank 0 loads bank 1's image", find: 'initial $readmemh("bnhw_prom_0.hex", m0);', replace: 'initial $readmemh("bnhw_prom_1.hex", m0);' },
  { file: 'bnhw_kvw.v', name: 'kvw: V words written to the bank of their K position', find: 'vb1_r0 <= c[', replace: 'vb1_r0 <= kbank; // c[' },
  { file: ENGINE, name: 'engine counters: tree additions counted as accumulations', find: 'c_tree <= c_tree + (', replace: 'c_tree <= c_acc + (' },
  { file: ENGINE, name: "engine counters: the scale's division one iteration short", find: "? 48'd25 : 48'd32", replace: "? 48'd24 : 48'd32" },
  { file: ENGINE, name: 'engine counters: weight words counted as the quantizer runs', find: "c_w <= c_w + {47'd0, is_go};", replace: "c_w <= c_w + {47'd0, qz_busy};" },
];

/**
 * `tiny` with its weights streamed from DRAM at one word every 2 cycles, 60 cycles after the
 * request: the weight FIFO fills while a token is quantized, then drains, so both its full and its
 * empty case are reached.
 */
export const DRAM_MUTANT_ARCH: ArchSpec = parseArch({ ...loadArch('tiny'), name: 'tiny-dram', weightMemory: 'dram', system: { dramGBps: 0.4, dramLatencyNs: 600 } }, 'DRAM_MUTANT_ARCH');

/** Mutations of the engine's DRAM weight port, run on DRAM_MUTANT_ARCH. */
export const DRAM_MUTATIONS: readonly Mutation[] = [
  { file: ENGINE, name: 'engine dram: the issuer does not wait for the weight FIFO', find: / && \(wf_cnt != \d+'d0\);/, replace: ';' },
  { file: ENGINE, name: 'engine dram: the weight FIFO takes a word when full', find: /assign w_r_ready = \(wf_cnt != \d+'d\d+\);/, replace: "assign w_r_ready = 1'b1;" },
  { file: ENGINE, name: 'engine dram: the weight FIFO is read as it is written', find: 'if (is_go) wf_rd <=', replace: 'if (wf_push) wf_rd <=' },
  { file: ENGINE, name: 'engine dram: each request one word short', find: /ar_len <= lt_words\(s_layer\);/, replace: "ar_len <= lt_words(s_layer) - 1'b1;" },
  { file: 'bnhw_head.v', name: 'head dram: a group goes on without its lines in the FIFO', find: 'hread <= hmore && fnext;', replace: 'hread <= hmore;' },
  { file: 'bnhw_head.v', name: "head dram: embed copies a row before its lines are in", find: 'wire                erd = erun && !ewait;', replace: 'wire                erd = erun;' },
  { file: 'bnhw_head.v', name: "head dram: the head's request one line short", find: /tar_len <= (\d+)'d(\d+);/, replace: "tar_len <= $1'd$2 - $1'd1;" },
];

/** Mutations of the top's and the engine adapter's registered reads (three registers, a three-word queue), run on REGISTERED_READ_ARCH. */
export const REGISTERED_MUTATIONS: readonly Mutation[] = [
  { file: LIN, name: 'lin registered: a fourth word read ahead of the engine (one overwritten while it waits)', find: "rd = in_on && held <= 3'd2;", replace: "rd = in_on && held <= 3'd3;" },
  { file: LIN, name: 'lin registered: a word arriving behind the offered one dropped', find: "2'd1: begin kv <= 1'b1; kd <= rw; kl <= l2; end", replace: "2'd1: begin kv <= 1'b0; kd <= rw; kl <= l2; end" },
  { file: TOP, name: "top registered: the result queue's third word written over its second", find: 'default: q2 <= din;', replace: 'default: q1 <= din;' },
];

/** The sequence every mutant runs: a 3-token block, two single tokens, a run without logits, a new sequence's block. */
export function mutantRuns(model: Model): WholeRun[] {
  const text = fs.readFileSync(heldoutTextPath());
  const bos = model.ir.bosToken!;
  return [
    { tokens: [bos, text[100]!, text[101]!], logits: true, clear: true },
    { tokens: [text[102]!], logits: true, clear: false },
    { tokens: [text[103]!], logits: false, clear: false },
    { tokens: [text[104]!], logits: true, clear: false },
    { tokens: [bos, text[200]!], logits: true, clear: true },
  ];
}

/** The design with one mutation applied (null: its text is not in the design). */
export function mutateWhole(design: WholeDesign, m: Mutation): WholeDesign | null {
  const text = design.files.get(m.file);
  if (text === undefined) return null;
  const out = typeof m.find === 'string' ? (text.includes(m.find) ? text.replace(m.find, m.replace) : null) : m.find.test(text) ? text.replace(m.find, m.replace) : null;
  if (out === null) return null;
  const files = new Map(design.files);
  files.set(m.file, out);
  return { ...design, files, configHash: `${design.configHash}-m` };
}

export interface WholeMutantResult {
  readonly name: string;
  readonly killed: boolean;
  readonly how: string;
}

/** Run one mutant; killed when the harness reports any difference (or the build or run fails). */
export function runWholeMutant(model: Model, design: WholeDesign, m: Mutation, opts: { waveform?: string; arch?: ArchSpec } = {}): WholeMutantResult & { result: WholeResult | null } {
  const d = mutateWhole(design, m);
  if (!d) return { name: m.name, killed: false, how: 'mutation text not found', result: null };
  try {
    const r = verifyWhole(model, opts.arch ?? loadArch('tiny'), mutantRuns(model), { seed: 2043, inStall: 20, outStall: 40, design: d, ...(opts.waveform ? { waveform: opts.waveform } : {}) });
    return { name: m.name, killed: !r.passed, how: r.where ?? (r.passed ? 'survived' : `${r.mismatches} mismatches`), result: r };
  } catch (e) {
    return { name: m.name, killed: true, how: `build or run failed: ${(e as Error).message.split('\n')[0]}`, result: null };
  }
}

function main(): void {
  const filter = process.argv[2] ?? '';
  const model = loadModel(defaultModelDir());
  const rows: WholeMutantResult[] = [];
  for (const [arch, list] of [[loadArch('tiny'), WHOLE_MUTATIONS], [DRAM_MUTANT_ARCH, DRAM_MUTATIONS], [REGISTERED_READ_ARCH, REGISTERED_MUTATIONS]] as const) {
    const picked = list.filter((x) => x.name.includes(filter));
    if (picked.length === 0) continue;
    const design = generateWhole(model, arch, { actions: true });
    // A mutant is killed by a difference, so the unmutated design must show none first.
    const base = verifyWhole(model, arch, mutantRuns(model), { seed: 2043, inStall: 20, outStall: 40, design });
    if (!base.passed) {
      console.log(`the unmutated design on ${arch.name} fails: ${base.where ?? `${base.mismatches} mismatches`}`);
      process.exitCode = 1;
      return;
    }
    for (const m of picked) {
      const r = runWholeMutant(model, design, m, { arch });
      rows.push(r);
      console.log(`${r.killed ? 'killed  ' : 'SURVIVED'}  ${r.name}: ${r.how}`);
    }
  }
  const survived = rows.filter((r) => !r.killed).length;
  console.log(`\n${rows.length - survived}/${rows.length} whole-top mutants killed`);
  if (survived > 0) process.exitCode = 1;
}

if (process.argv[1] && /mutate-whole\.(js|ts)$/.test(process.argv[1])) main();
