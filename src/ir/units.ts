/**
 * Timing contracts of the whole-model accelerator's units, as data: how many cycles each
 * instruction of the program (program.ts) occupies its unit, from issue to its results being
 * complete in the scratchpad. The compiler's scheduler, the simulator (src/sim/machine.ts) and the
 * whole-model RTL all use these, so the cycle count of a program is defined once.
 *
 * The units:
 *   engine     the BitLinear engine (its own exact, cycle-level timing: src/sim/engine.ts)
 *   vector     `lanes` fp32 lanes, each one multiply and one add per cycle (pipelined, latencies
 *              below); reductions in the numerics' fixed order (four interleaved partial sums on
 *              one adder) take one element per cycle while fpAddLatency <= 4 (sumCycles)
 *   sfu        the special functions: an iterative divider and square root, a pipelined exp
 *   attention  `lanes` dot-product lanes over the KV cache (each one product-sum per cycle)
 *   head       the embedding/head memory: the embedding row, and `lanes` head dot products
 *   kv         K and V row writes
 */
import type { ArchSpec } from './arch.js';
import { machineOf } from './arch.js';
import type { Instr, Op, Program } from './program.js';
import { SUM_PARTIALS } from '../numerics/model.js';
import { assertNever } from '../util/diagnostics.js';

export type UnitName = 'engine' | 'vector' | 'sfu' | 'attention' | 'head' | 'kv' | 'seq';

export interface UnitContracts {
  readonly vector: { readonly lanes: number; readonly mulLatency: number; readonly addLatency: number };
  readonly sfu: { readonly divCycles: number; readonly sqrtCycles: number; readonly expLatency: number };
  readonly attention: { readonly lanes: number };
  readonly head: { readonly lanes: number };
  readonly kv: { readonly wordsPerCycle: number };
}

export function unitContracts(arch: ArchSpec): UnitContracts {
  const m = machineOf(arch);
  return {
    vector: { lanes: m.vectorLanes, mulLatency: m.fpMulLatency, addLatency: m.fpAddLatency },
    sfu: { divCycles: m.divCycles, sqrtCycles: m.sqrtCycles, expLatency: m.expLatency },
    attention: { lanes: m.attentionLanes },
    head: { lanes: m.headLanes },
    kv: { wordsPerCycle: m.kvWordsPerCycle },
  };
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
  const reductions = (n: number): number => cdiv(rows, V.lanes) * reduce(n);
  switch (i.op) {
    case 'embed':
      return cdiv(rows * p.hidden, V.lanes) + 2;
    case 'vmul':
      return cdiv(rows * i.n, V.lanes) + Lm + 1;
    case 'vadd':
    case 'vsubs':
      return cdiv(rows * i.n, V.lanes) + La + 1;
    case 'vsumsq':
      return reductions(i.n) + Lm + 1;
    case 'vmean':
      return reductions(i.n) + 1 + rows * u.sfu.divCycles;
    case 'rsqrt':
      return rows * (2 * u.sfu.divCycles + La + u.sfu.sqrtCycles);
    case 'rope':
      return 4 * cdiv((rows * i.heads * i.headDim) / 2, V.lanes) + Lm + La + 1;
    case 'kvw':
      return cdiv(rows * 2 * p.kvRowWords, u.kv.wordsPerCycle) + 1;
    case 'attn': {
      const { heads, headDim: hd } = p.attention;
      const A = u.attention.lanes;
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const len = pos + r + 1;
        const perHead =
          cdiv(len, A) * (hd + Lm + 3 * La) + Lm + // scores, then the scale
          len + // max
          len + u.sfu.expLatency + // exp
          reduce(len) + // denominator
          u.sfu.divCycles + // 1 / den
          cdiv(hd, A) * (len + Lm + 3 * La) + Lm; // value sums, then the scale
        total += heads * perHead;
      }
      return total;
    }
    case 'act': {
      const passes = cdiv(rows * i.n, V.lanes);
      const n = rows * i.n;
      switch (i.kind) {
        case 'relu2-gated':
          return 2 * passes + 2 * Lm + 1;
        case 'swiglu':
          return n * u.sfu.divCycles + u.sfu.expLatency + 2 * passes + 2 * Lm + La + 1;
        case 'gelu':
          return n * (2 * u.sfu.divCycles) + u.sfu.expLatency + 8 * passes + 6 * Lm + 6 * La + 1;
        default:
          return assertNever(i.kind, 'activation');
      }
    }
    case 'head':
      return cdiv(p.vocab, u.head.lanes) * (p.hidden + Lm + 3 * La);
    case 'argmax':
      return p.vocab + 1;
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
