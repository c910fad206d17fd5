/**
 * Timing contracts of the whole-model accelerator's units, as data: how many cycles each
 * instruction of the program (program.ts) occupies its unit, from issue to its results being
 * complete in the scratchpad. The compiler's scheduler, the simulator (src/sim/machine.ts) and the
 * whole-model RTL all use these, so the cycle count of a program is defined once.
 *
 * The units:
 *   engine     the BitLinear engine (its own exact, cycle-level timing: src/sim/engine.ts)
 *   vector     `lanes` fp32 lanes over a scratchpad of `lanes` word-interleaved banks, each lane
 *              one multiply and one add per cycle (pipelined, latencies below), and a product-sum
 *              lane each: reductions in the numerics' fixed order (four interleaved partial sums
 *              on one adder) take one element per cycle while fpAddLatency <= 4 (sumCycles), one
 *              row per lane, the lanes started a cycle apart (vectorReduction)
 *   sfu        the special functions: an iterative divider and square root, a pipelined exp
 *   attention  `lanes` product-sum lanes over the KV cache, its own adder, exp, sum lane and divider
 *              for the softmax (attentionHeadCycles)
 *   head       the embedding/head table (vocab row v in bank v mod `lanes`): embed copies a row a
 *              word per cycle; head runs `lanes` product-sum lanes in lockstep, one vocab row each,
 *              the hidden vector's word broadcast (headSchedule); argmax compares a word per cycle
 *   kv         K and V row writes: a K word and a V word per cycle into the KV cache
 */
import type { ArchSpec } from './arch.js';
import { machineOf } from './arch.js';
import type { Instr, Op, Program } from './program.js';
import { SUM_PARTIALS } from '../numerics/model.js';
import { assertNever } from '../util/diagnostics.js';
import { memoryLayout } from './memory-layout.js';

export type UnitName = 'engine' | 'vector' | 'sfu' | 'attention' | 'head' | 'kv' | 'seq';

export interface UnitContracts {
  /**
   * Cycles from a read's address to its data at the unit, for the scratchpad, the parameter
   * memory, the RoPE table and the KV caches: 1, or 2 with their reads registered at the memory
   * (machine.registeredReads), where a block RAM's slow output meets nothing but a register.
   */
  readonly readLatency: number;
  readonly vector: { readonly lanes: number; readonly mulLatency: number; readonly addLatency: number };
  readonly sfu: { readonly divCycles: number; readonly sqrtCycles: number; readonly expLatency: number };
  readonly attention: { readonly lanes: number };
  /** tableBanked: the tables on chip read through registered banks (machine.registeredReads). */
  readonly head: { readonly lanes: number; readonly tableBanked: boolean };
}

export function unitContracts(arch: ArchSpec): UnitContracts {
  const m = machineOf(arch);
  return {
    readLatency: m.registeredReads ? 2 : 1,
    vector: { lanes: m.vectorLanes, mulLatency: m.fpMulLatency, addLatency: m.fpAddLatency },
    sfu: { divCycles: m.divCycles, sqrtCycles: m.sqrtCycles, expLatency: m.expLatency },
    attention: { lanes: m.attentionLanes },
    head: { lanes: m.headLanes, tableBanked: m.registeredReads && arch.weightMemory !== 'dram' },
  };
}

/**
 * Lines of the embedding/head table on chip: every vocab group's `hidden` lines (rows past the
 * vocabulary zero), one line of every lane's row per address (src/codegen/head.ts).
 */
export function headTableDepth(vocab: number, hidden: number, lanes: number): number {
  return cdiv(vocab, lanes) * hidden;
}

/**
 * Cycles from a table line's address to the line at the head unit: 1 for a block RAM (or the
 * streamed tables' FIFO), the banked memory's latency with registered reads.
 */
export function headTableLatency(vocab: number, hidden: number, u: UnitContracts): number {
  // (a banked memory's layout depends on its depth only; the width argument is not read)
  return u.head.tableBanked ? memoryLayout(headTableDepth(vocab, hidden, u.head.lanes), 32).latency : 1;
}

/** The unit an opcode runs on (the sequencer's opcode table is generated from it). */
export function unitOfOp(op: Op): UnitName {
  switch (op) {
    case 'lin':
      return 'engine';
    case 'vmul':
    case 'vadd':
    case 'vsumsq':
    case 'vmean':
    case 'vsubs':
    case 'rope':
    case 'act':
      return 'vector';
    case 'rsqrt':
      return 'sfu';
    case 'attn':
      return 'attention';
    case 'embed':
    case 'head':
    case 'argmax':
      return 'head';
    case 'kvw':
      return 'kv';
    case 'end':
      return 'seq';
    default:
      return assertNever(op, 'opcode');
  }
}

/** The unit an instruction runs on. */
export function unitOf(i: Instr): UnitName {
  return unitOfOp(i.op);
}

/**
 * Cycles from a segment head lin's issue to the engine's first input beat: the issue cycle, in
 * which the whole-chip top's engine adapter only takes the instruction, the scratchpad read of
 * the first input word (readLatency cycles), and the cycle the word's bank is chosen and
 * registered. The engine then takes its segment as src/sim/engine-timer.ts times it (a word
 * offered every cycle, its outputs taken every cycle, each written to the scratchpad in the cycle
 * it leaves the engine), so a lin finishes the lead + its last output beat + 1 cycles after its
 * segment's head issued.
 */
export function engineAdapterLead(u: UnitContracts): number {
  return 2 + u.readLatency;
}

const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/**
 * The fixed-order sum's timing, as its lane (templates/verilog/bnhw_fsum.v.hbs) keeps it: term i
 * goes into partial i mod 4 on one adder of latency La, so offered back to back it is taken
 * floor(i / 4) * max(4, La) + i mod 4 cycles after the first (a partial takes its next term in the
 * cycle its previous sum comes out of the adder; four partials hide at most four cycles).
 */
export function sumTermCycle(i: number, addLatency: number): number {
  return Math.floor(i / SUM_PARTIALS) * Math.max(SUM_PARTIALS, addLatency) + (i % SUM_PARTIALS);
}

/**
 * Cycles from the cycle a sum's last term is taken to its result: p0 + p1 enters the adder La
 * cycles after the last term, p2 + p3 the cycle after, their sum when p2 + p3 comes out: 3 La + 1.
 * The lane takes the next sum's first term in the cycle this result comes out.
 */
export function sumAfterLast(addLatency: number): number {
  return 3 * addLatency + 1;
}

/** Cycles from a sum's first term to its result (n + 3 La for La <= 4). */
export function sumCycles(n: number, addLatency: number): number {
  return sumTermCycle(n - 1, addLatency) + sumAfterLast(addLatency);
}

/**
 * The vector unit's reductions (vsumsq, vmean) over `rows` rows of n words, as its RTL
 * (templates/verilog/bnhw_vec.v.hbs) runs them. Cycle 0 is the issue cycle, in which the unit only
 * takes the instruction. Lane l reduces rows l, l + lanes, ... on its product-sum lane; its reads
 * are lane 0's delayed by l cycles, so that lanes reading at once read words of distinct banks
 * (rows are whole numbers of lines). Term i of group j is read in cycle
 * 1 + l + j * period + sumTermCycle(i), taken by the lane readLatency cycles later; the row's sum leaves the
 * lane `sum` cycles after its first read and is written in that cycle. A group starts once the
 * previous one's reads are all done and lane 0's sum is out (`period`).
 */
export interface VectorReduction {
  readonly groups: number;
  /** Lanes of the first and of the last group. */
  readonly lanes: number;
  readonly lastLanes: number;
  /** Cycles from a row's first read to its sum leaving the lane. */
  readonly sum: number;
  readonly period: number;
  /** The cycle the last row's sum is written in. */
  readonly lastWrite: number;
}

export function vectorReduction(n: number, rows: number, u: UnitContracts): VectorReduction {
  const V = u.vector;
  const lanes = Math.min(rows, V.lanes);
  const groups = cdiv(rows, V.lanes);
  const lastLanes = rows - (groups - 1) * V.lanes;
  const span = sumTermCycle(n - 1, V.addLatency);
  const sum = span + u.readLatency + V.mulLatency + sumAfterLast(V.addLatency);
  const period = Math.max(sum, span + lanes);
  return { groups, lanes, lastLanes, sum, period, lastWrite: 1 + (groups - 1) * period + (lastLanes - 1) + sum };
}

/**
 * The head's logits (templates/verilog/bnhw_head.v.hbs): groups of `lanes` vocab rows, one per
 * product-sum lane, all lanes reading term i of their rows in cycle 1 + g * period + sumTermCycle(i)
 * (the hidden vector's word i broadcast from the scratchpad). A group's sums leave the lanes
 * together `sum` cycles after its first read, are held, and are written to the scratchpad a line of
 * the scratchpad's lanes per cycle from the next cycle. The next group's first term is taken as
 * soon as the lanes take a new sum (sumAfterLast after the last term), and no sooner than the
 * previous group's lines are written.
 */
export interface HeadSchedule {
  readonly groups: number;
  /** Lanes used by the last group. */
  readonly lastLanes: number;
  readonly sum: number;
  readonly period: number;
  /** Scratchpad lines a full group's logits take (and the last group's). */
  readonly lines: number;
  readonly lastLines: number;
}

export function headSchedule(vocab: number, hidden: number, u: UnitContracts): HeadSchedule {
  const HL = u.head.lanes;
  const V = u.vector.lanes;
  const La = u.vector.addLatency;
  const groups = cdiv(vocab, HL);
  const lastLanes = vocab - (groups - 1) * HL;
  const span = sumTermCycle(hidden - 1, La);
  // (a term's table line and hidden word meet at the lanes the table's latency after the read)
  const sum = span + headTableLatency(vocab, hidden, u) + u.vector.mulLatency + sumAfterLast(La);
  const lines = Math.max(1, HL / V);
  const lastLines = HL >= V ? cdiv(lastLanes, V) : 1;
  return { groups, lastLanes, sum, period: Math.max(span + sumAfterLast(La), lines), lines, lastLines };
}

/**
 * With the tables in DRAM (weightMemory "dram"), the head unit's FIFO holds this many table lines:
 * a power of two of at least two groups' lines (2 x hidden), so one group is read while the next
 * arrives (templates/verilog/bnhw_head.v.hbs, src/sim/head-stream.ts).
 */
export function tableFifoLines(hidden: number): number {
  return 2 ** Math.ceil(Math.log2(2 * hidden));
}

/**
 * How the head unit stores a table of `dtype`: bf16 as 16-bit elements (widened exactly when
 * read), anything else as fp32 words (an f16 table is widened when stored).
 */
export function tableFormat(dtype: string): { readonly format: 'f32' | 'bf16'; readonly elementBits: 16 | 32 } {
  return dtype === 'bf16' ? { format: 'bf16', elementBits: 16 } : { format: 'f32', elementBits: 32 };
}

/**
 * One head of attention over len positions on the attention unit
 * (templates/verilog/bnhw_attn.v.hbs), from its first read to the next head's first read: the
 * scores in groups of `lanes` positions (lockstep product-sum lanes, then the scale on each lane's
 * multiplier, then a tree of log2(lanes) stages keeping the first largest), the softmax (s_j - m,
 * exp, the fixed-order sum, one term per sumTermCycle), 1 / sum on the divider, then the value
 * sums in groups of `lanes` head dimensions, each times 1 / sum and written a line of the
 * scratchpad per cycle.
 */
export function attentionHeadCycles(len: number, headDim: number, u: UnitContracts): number {
  const A = u.attention.lanes;
  const V = u.vector.lanes;
  const La = u.vector.addLatency;
  const Lm = u.vector.mulLatency;
  const tail = sumAfterLast(La);
  const spanQ = sumTermCycle(headDim - 1, La);
  const spanL = sumTermCycle(len - 1, La);
  const p1 = spanQ + tail;
  const R = u.readLatency;
  const s1 = spanQ + R + Lm + tail;
  const tree = Math.log2(A);
  // the softmax's first read: the cycle after the last group's largest is in
  const e0 = (cdiv(len, A) - 1) * p1 + s1 + Lm + tree + 2;
  // the values' first read: the cycle after 1 / sum leaves the divider (each score is registered
  // as it leaves the score memory, a cycle before s_j - m)
  const v0 = e0 + spanL + 2 + La + u.sfu.expLatency + tail + u.sfu.divCycles + 1;
  const lines = Math.max(1, A / V);
  const p3 = Math.max(spanL + tail, lines);
  const s3 = spanL + R + Lm + tail;
  return v0 + (headDim / A - 1) * p3 + s3 + Lm + lines + 2;
}

/** Cycles of one row of `rsqrt` on the special-function unit, from its read to its write. */
export function sfuRowCycles(u: UnitContracts): number {
  return u.readLatency + 2 * u.sfu.divCycles + u.vector.addLatency + u.sfu.sqrtCycles;
}

/**
 * Cycles an instruction occupies its unit for a run of `rows` tokens at positions pos..pos+rows-1
 * (engine instructions: from the engine's own timing, not here). Element-wise work streams every
 * row through the lanes; one reduction per row, `lanes` of them side by side; the special
 * functions one operation at a time; attention row r reads positions 0..pos + r; the head and
 * argmax take the last row only.
 */
export function cycles(i: Instr, p: Program, u: UnitContracts, pos: number, rows = 1): number {
  const V = u.vector;
  const La = V.addLatency;
  const Lm = V.mulLatency;
  const reduce = (n: number): number => sumCycles(n, La);
  const R = u.readLatency;
  // element-wise: the issue cycle, a line of `lanes` words read per cycle (each row whole lines),
  // the operands R cycles later, the result written as it leaves the multiplier or adder
  const elementwise = (n: number, latency: number): number => 1 + rows * cdiv(n, V.lanes) + R + latency;
  switch (i.op) {
    case 'embed':
      // the issue cycle; a table word read per cycle, written to the scratchpad as it arrives
      return rows * p.hidden + 1 + headTableLatency(p.vocab, p.hidden, u);
    case 'vmul':
      return elementwise(i.n, Lm);
    case 'vadd':
    case 'vsubs':
      // (their operands registered as they arrive, a cycle before the adder)
      return elementwise(i.n, La + 1);
    case 'vsumsq':
      return vectorReduction(i.n, rows, u).lastWrite + 1;
    case 'vmean':
      // then row by row: the sum read back, divided by n on the unit's divider, written
      return vectorReduction(i.n, rows, u).lastWrite + 1 + R + rows * u.sfu.divCycles + 1;
    case 'rsqrt':
      // the issue cycle; per row: the read, a / n, + eps, the root, 1 / root (the next row's read
      // in the cycle of the write); the last write
      return 2 + rows * sfuRowCycles(u);
    case 'rope':
      // the issue cycle; a group of `lanes` pairs (x1, x2) of one head every 4 cycles (its four
      // products on each lane's multiplier), the last group's second sum written as it leaves
      return 4 * rows * i.heads * cdiv(i.headDim / 2, V.lanes) + Lm + La + 1 + R;
    case 'kvw':
      // the issue cycle; per row its K and V words a pair per cycle (the scratchpad's two read
      // ports), each registered as it arrives R cycles later and written to the cache the cycle after
      return rows * p.kvRowWords + 2 + R;
    case 'attn': {
      // the issue cycle; every head of every row, one after another
      let total = 1;
      for (let r = 0; r < rows; r++) total += p.attention.heads * attentionHeadCycles(pos + r + 1, p.attention.headDim, u);
      return total;
    }
    case 'act': {
      const passes = cdiv(rows * i.n, V.lanes);
      const n = rows * i.n;
      switch (i.kind) {
        case 'relu2-gated': {
          // the vector unit: the issue cycle; the squares of max(gate, 0) into dst, then dst * up,
          // each a line per cycle; the second pass once the first has read its lines and its
          // first line is written
          const lines = rows * cdiv(i.n, V.lanes);
          const second = Math.max(lines + 1, 2 + R + Lm);
          return second + lines + R + Lm;
        }
        case 'swiglu':
          return n * u.sfu.divCycles + u.sfu.expLatency + 2 * passes + 2 * Lm + La + 1;
        case 'gelu':
          return n * (2 * u.sfu.divCycles) + u.sfu.expLatency + 8 * passes + 6 * Lm + 6 * La + 1;
        default:
          return assertNever(i.kind, 'activation');
      }
    }
    case 'head': {
      // the issue cycle; the groups; the last group's sums held a cycle, then its lines written
      const h = headSchedule(p.vocab, p.hidden, u);
      return 2 + (h.groups - 1) * h.period + h.sum + h.lastLines;
    }
    case 'argmax':
      // the issue cycle; a word read per cycle, its key registered as it arrives R cycles later,
      // compared with the best so far the cycle after
      return i.n + 2 + R;
    case 'lin':
      throw new Error('units.cycles: engine instructions take the engine\'s own timing');
    case 'end':
      return 1;
    default:
      return assertNever(i, 'instruction');
  }
}

/** Whether an instruction's work (and its actions) repeats for every row of the block. */
export function perRow(i: Instr): boolean {
  return i.op !== 'head' && i.op !== 'argmax' && i.op !== 'end';
}
