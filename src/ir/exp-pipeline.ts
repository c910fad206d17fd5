/**
 * The exp unit's dataflow: the operations of the numerics' `expHw` (src/numerics/model.ts), in
 * its order and with its roundings, as the pipelined special-function unit executes them, and
 * their schedule under the fp32 adder's and multiplier's latencies.
 *
 * Needs: the machine's `fpAddLatency` and `fpMulLatency`. Guarantees: every node starts in the
 * first cycle all its operands are ready (as soon as possible), so `latency` is the fewest cycles
 * from an argument to its exp that an exact pipeline of these units can take; the machine's
 * `expLatency` must be at least that (arch.ts, AR004), and is that when not given. The generator
 * (src/codegen/fpu.ts) builds the unit from this schedule: one fp32 unit per `fmul`/`fadd` node,
 * a delay line for every operand that is ready before its consumer starts, and output delay
 * registers up to the contract's `expLatency`. Nothing else states the exp unit's structure.
 *
 * Why a pipeline of exactly rounded fp32 operations rather than a table or fixed-point datapath:
 * the law is a chain of fp32 roundings (Cody-Waite reduction, the Cephes polynomial in Horner
 * form), and only the same roundings in the same order reproduce it bit for bit.
 */
import { EXP_COEFFS, EXP_LN2_HI, EXP_LN2_LO, LOG2E_F32 } from '../numerics/model.js';
import { assertNever } from '../util/diagnostics.js';
import { f32Bits } from '../util/float.js';

/** An operand: another node's result (optionally negated: a - b is a + (-b) exactly) or an fp32 constant. */
export type ExpOperand =
  | { readonly kind: 'node'; readonly node: string; readonly neg: boolean }
  | { readonly kind: 'const'; readonly bits: number; readonly what: string };

export type ExpNode =
  /** The argument x (<= 0), in cycle 0. */
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'fmul'; readonly name: string; readonly a: ExpOperand; readonly b: ExpOperand }
  | { readonly kind: 'fadd'; readonly name: string; readonly a: ExpOperand; readonly b: ExpOperand }
  /**
   * Hand-written steps of the template, one register each: `kround` k = floor(t + 1/2) (its
   * magnitude: k <= 0), `kfloat` k as fp32, `big` x < -104 (no register: beside the input),
   * `scale` m * 2^k with results below 2^-126 and arguments below -104 giving +0.
   */
  | { readonly kind: 'step'; readonly name: string; readonly step: 'big' | 'kround' | 'kfloat' | 'scale'; readonly inputs: readonly string[] };

/** Widths of the hand-written steps' results (every fp32 value is 32 bits). */
const EXP_STEP_WIDTH: Readonly<Record<'big' | 'kround' | 'kfloat' | 'scale', number>> = { big: 1, kround: 8, kfloat: 32, scale: 32 };
const STEP_LATENCY: Readonly<Record<'big' | 'kround' | 'kfloat' | 'scale', number>> = { big: 0, kround: 1, kfloat: 1, scale: 1 };
/**
 * k's rounding in two cycles instead of one (t's significand shifted to its integer part, then
 * rounded): what an exp contract's first spare cycle buys (`expSchedule`), since that step is the
 * unit's deepest logic between registers.
 */
const SPLIT_ROUND_LATENCY = 2;

const node = (n: string, neg = false): ExpOperand => ({ kind: 'node', node: n, neg });
const cst = (x: number, what: string): ExpOperand => ({ kind: 'const', bits: f32Bits(x), what });

/**
 * expHw as nodes, with the numerics' constants: t = x * log2 e; k = floor(t + 1/2);
 * r = (x - k ln2_hi) - k ln2_lo; p = Horner(P, r); m = ((p * r^2) + r) + 1; y = m * 2^k.
 */
export function expGraph(): readonly ExpNode[] {
  const nodes: ExpNode[] = [
    { kind: 'input', name: 'x' },
    { kind: 'step', name: 'big', step: 'big', inputs: ['x'] },
    { kind: 'fmul', name: 't', a: node('x'), b: cst(LOG2E_F32, 'log2(e)') },
    { kind: 'step', name: 'kmag', step: 'kround', inputs: ['t'] },
    { kind: 'step', name: 'kf', step: 'kfloat', inputs: ['kmag'] },
    { kind: 'fmul', name: 'khi', a: node('kf'), b: cst(EXP_LN2_HI, 'ln2_hi') },
    { kind: 'fmul', name: 'klo', a: node('kf'), b: cst(EXP_LN2_LO, 'ln2_lo') },
    { kind: 'fadd', name: 'r1', a: node('x'), b: node('khi', true) },
    { kind: 'fadd', name: 'r', a: node('r1'), b: node('klo', true) },
    { kind: 'fmul', name: 'rr', a: node('r'), b: node('r') },
  ];
  let p: ExpOperand = cst(EXP_COEFFS[0]!, 'P[0]');
  for (let i = 1; i < EXP_COEFFS.length; i++) {
    nodes.push({ kind: 'fmul', name: `h${i}`, a: p, b: node('r') });
    nodes.push({ kind: 'fadd', name: `p${i}`, a: node(`h${i}`), b: cst(EXP_COEFFS[i]!, `P[${i}]`) });
    p = node(`p${i}`);
  }
  nodes.push(
    { kind: 'fmul', name: 'q', a: p, b: node('rr') },
    { kind: 'fadd', name: 's', a: node('q'), b: node('r') },
    { kind: 'fadd', name: 'm', a: node('s'), b: cst(1, '1') },
    { kind: 'step', name: 'y', step: 'scale', inputs: ['m', 'kmag', 'big'] },
  );
  return nodes;
}

export interface ScheduledNode {
  readonly node: ExpNode;
  /** Cycle its operands enter (0: the argument's cycle). */
  readonly start: number;
  /** Cycle its result is valid. */
  readonly ready: number;
  readonly width: number;
}

/** A delay line: a node's result held `length` cycles, read at `taps` (cycles after ready). */
export interface DelayLine {
  readonly source: string;
  readonly width: number;
  readonly length: number;
  readonly taps: readonly number[];
}

export interface ExpSchedule {
  readonly nodes: readonly ScheduledNode[];
  readonly delays: readonly DelayLine[];
  /** Cycles from the argument to the scaled result (the last node's ready). */
  readonly latency: number;
  /** k's rounding takes two cycles (SPLIT_ROUND_LATENCY). */
  readonly splitRound: boolean;
}

export function operandNames(n: ExpNode): string[] {
  switch (n.kind) {
    case 'input':
      return [];
    case 'fmul':
    case 'fadd':
      return [n.a, n.b].flatMap((o) => (o.kind === 'node' ? [o.node] : []));
    case 'step':
      return [...n.inputs];
    default:
      return assertNever(n, 'exp node');
  }
}

/** As-soon-as-possible schedule of a graph under the adder's and multiplier's latencies. */
export function scheduleExp(graph: readonly ExpNode[], fpAddLatency: number, fpMulLatency: number, splitRound = false): ExpSchedule {
  const at = new Map<string, ScheduledNode>();
  const out: ScheduledNode[] = [];
  for (const n of graph) {
    const ins = operandNames(n).map((s) => {
      const d = at.get(s);
      if (!d) throw new Error(`exp graph: ${n.name} reads ${s} before it is defined`);
      return d;
    });
    const start = ins.reduce((t, d) => Math.max(t, d.ready), 0);
    const latency = n.kind === 'input' ? 0 : n.kind === 'fmul' ? fpMulLatency : n.kind === 'fadd' ? fpAddLatency : splitRound && n.step === 'kround' ? SPLIT_ROUND_LATENCY : STEP_LATENCY[n.step];
    const width = n.kind === 'step' ? EXP_STEP_WIDTH[n.step] : 32;
    const s: ScheduledNode = { node: n, start, ready: start + latency, width };
    at.set(n.name, s);
    out.push(s);
  }
  const taps = new Map<string, Set<number>>();
  for (const s of out) {
    for (const name of operandNames(s.node)) {
      const wait = s.start - at.get(name)!.ready;
      if (wait > 0) {
        const t = taps.get(name) ?? new Set<number>();
        t.add(wait);
        taps.set(name, t);
      }
    }
  }
  const delays: DelayLine[] = out
    .filter((s) => taps.has(s.node.name))
    .map((s) => {
      const t = [...taps.get(s.node.name)!].sort((a, b) => a - b);
      return { source: s.node.name, width: s.width, length: t[t.length - 1]!, taps: t };
    });
  return { nodes: out, delays, latency: out[out.length - 1]!.ready, splitRound };
}

const memo = new Map<string, ExpSchedule>();
/**
 * The exp unit's schedule for an adder and multiplier latency (memoised: the graph is fixed).
 * Without a contract, or with one as long as the plain schedule, k is rounded in one cycle; a
 * longer contract spends its first spare cycle on rounding k in two, the rest on output delays.
 */
export function expSchedule(fpAddLatency: number, fpMulLatency: number, expLatency?: number): ExpSchedule {
  const plain = expLatency === undefined ? undefined : expSchedule(fpAddLatency, fpMulLatency);
  const split = plain !== undefined && expLatency! > plain.latency;
  const key = `${fpAddLatency},${fpMulLatency},${split}`;
  let s = memo.get(key);
  if (!s) {
    s = scheduleExp(expGraph(), fpAddLatency, fpMulLatency, split);
    memo.set(key, s);
  }
  return s;
}
