/**
 * The fp32 arithmetic units of the whole-model accelerator: a pipelined adder and multiplier (the
 * vector, attention and head lanes are built from them) and the iterative divider and square root
 * of the special-function unit, and its pipelined exp built from adders and multipliers
 * (src/ir/exp-pipeline.ts, fexp.ts). Their values are the numerics' `fpUnitBits` (IEEE binary32, round
 * to nearest even, subnormals kept, one quiet NaN); their timing is the architecture's unit
 * contract (src/ir/units.ts): an adder or multiplier result appears exactly `fpAddLatency` /
 * `fpMulLatency` cycles after its operands, a divide or square root exactly `divCycles` /
 * `sqrtCycles` cycles after it was issued, and the unit takes the next one in that cycle; an exp
 * exactly `expLatency` cycles after its argument (at least what its schedule needs: `CG041`).
 *
 * Needs: a parsed architecture. Guarantees: the structure that meets each contract is decided
 * here (which step boundaries of a pipeline hold registers, how many output delay registers, how
 * many quotient/root bits an iteration retires) and the templates only substitute and loop; the
 * files are a pure function of the machine block and the templates (reproducible byte for byte).
 */
import { createHash } from 'node:crypto';
import type Handlebars from 'handlebars';
import { verilogPartialSource, verilogTemplate, verilogTemplateSource } from './templates.js';
import type { ArchSpec, MachineSpec } from '../ir/arch.js';
import { machineOf } from '../ir/arch.js';
import { canonicalJson } from '../ir/irfile.js';
import { SUM_PARTIALS, type FpUnitOp } from '../numerics/model.js';
import { assertNever, fail } from '../util/diagnostics.js';
import { expSchedule, type ExpSchedule } from '../ir/exp-pipeline.js';
import { expView } from './fexp.js';
import { sumAfterLast } from '../ir/units.js';

export const FPU_GENERATOR_VERSION = '0.1.0';

/** A pipelined unit: its steps, which boundaries between them are registers, and output delays. */
export interface PipelinePlan {
  readonly kind: 'pipeline';
  readonly latency: number;
  /** One flag per boundary between consecutive steps (true: a register stage). */
  readonly registered: readonly boolean[];
  /**
   * A latency past one register per step boundary spends its first spare cycle on a register in
   * front of the unit: its operands come from far (a memory read through the lanes' multiplexers),
   * its output goes to a register anyway.
   */
  readonly inputRegister: boolean;
  /**
   * The multiplier's second spare cycle: a register between its first step's unpacking and its
   * multiplier blocks, so that each block sits between two registers. A block is a fixed column of
   * the chip, often far from the logic around it, and its own delay is most of a cycle: it cannot
   * also take logic or two long routes. Always false for the adder, whose spare cycles beyond the
   * first are delays.
   */
  readonly splitFirst: boolean;
  /** Registers after the output register, to stretch the pipeline to the contract. */
  readonly extraDelays: number;
}

/** An iterative unit: `bitsPerCycle` result bits per iteration, `iterations` of them. */
export interface IterativePlan {
  readonly kind: 'iterative';
  readonly cycles: number;
  readonly bitsPerCycle: number;
  readonly iterations: number;
  /** Quotient or root bits computed (iterations * bitsPerCycle >= 25: 24 significant + round). */
  readonly resultBits: number;
  /**
   * Cycles the iteration has a spare one of, spent on a register in front of the unit (as a
   * pipeline's, PipelinePlan.inputRegister): the operation is issued to the iteration a cycle
   * after it is taken, which then runs in `cycles - 1`.
   */
  readonly inputRegister: boolean;
  /**
   * The divider's second spare cycle: its normalization of the operands split in two, the leading
   * zeros counted in the issue cycle and shifted out in the next (always false for the square
   * root, whose unpacking is shallow).
   */
  readonly splitUnpack: boolean;
  /**
   * The divider's third spare cycle: its last cycle split in two, the subnormal shift and sticky
   * bit registered the cycle after the last iteration, the rounding and packing in the next
   * (always false for the square root).
   */
  readonly splitRound: boolean;
}

/** The exp: the scheduled dataflow of expHw on adders and multipliers, stretched to `latency`. */
export interface ExpPlan {
  readonly kind: 'exp';
  readonly latency: number;
  readonly schedule: ExpSchedule;
}

export interface FpUnitsPlan {
  readonly add: PipelinePlan;
  readonly mul: PipelinePlan;
  readonly div: IterativePlan;
  readonly sqrt: IterativePlan;
  readonly exp: ExpPlan;
}

/** Module names, one per unit. */
export const FP_UNIT_TOPS: Readonly<Record<FpUnitOp, string>> = { add: 'bnhw_fadd', mul: 'bnhw_fmul', div: 'bnhw_fdiv', sqrt: 'bnhw_fsqrt', exp: 'bnhw_fexp' };

/**
 * Which step boundaries get registers when the contract allows fewer than one per boundary,
 * indexed by the number of internal registers: chosen to split the longest paths first (the
 * adder's alignment shift and its normalizing shift; the multiplier's product, then its partial
 * products).
 */
const ADD_BOUNDARIES: readonly (readonly boolean[])[] = [
  [false, false, false, false],
  [false, false, true, false],
  [true, false, false, true],
  [true, false, true, true],
  [true, true, true, true],
];
const MUL_BOUNDARIES: readonly (readonly boolean[])[] = [
  [false, false, false, false],
  [false, true, false, false],
  [false, true, true, false],
  [true, true, true, false],
  [true, true, true, true],
];

function pipeline(latency: number, table: readonly (readonly boolean[])[], splits: boolean): PipelinePlan {
  const steps = table.length; // boundaries + 1
  const internal = Math.min(latency - 1, steps - 1);
  const spare = Math.max(0, latency - steps);
  const inputRegister = spare >= 1;
  const splitFirst = splits && spare >= 2;
  return { kind: 'pipeline', latency, registered: table[internal]!, inputRegister, splitFirst, extraDelays: spare - (inputRegister ? 1 : 0) - (splitFirst ? 1 : 0) };
}

/** Significant bits plus the round bit every quotient and root needs. */
const RESULT_BITS = 25;

/**
 * Cycles of an iterative unit that do not iterate: the divider unpacks (normalizing both
 * operands), pre-shifts (comparing them) and rounds; the square root unpacks and rounds.
 */
export const ITERATIVE_OVERHEAD: Readonly<Record<'div' | 'sqrt', number>> = { div: 3, sqrt: 2 };

function iterative(cycles: number, unit: 'div' | 'sqrt', what: string): IterativePlan {
  // The cycles left after the overhead may iterate: the fewest bits per iteration that fit.
  const overhead = ITERATIVE_OVERHEAD[unit];
  const room = cycles - overhead;
  const k = Math.ceil(RESULT_BITS / room);
  const least = overhead + Math.ceil(RESULT_BITS / 4);
  if (room < 1 || k > 4) {
    fail('CG040', `machine.${what}`, `${cycles} cycles leave no room for the ${RESULT_BITS} iterations' bits (at most 4 per cycle)`, `use ${what} >= ${least}`, `>= ${least}`);
  }
  const iterations = Math.ceil(RESULT_BITS / k);
  // a spare cycle leaves the same bits per iteration in one cycle fewer
  return {
    kind: 'iterative',
    cycles,
    bitsPerCycle: k,
    iterations,
    resultBits: iterations * k,
    inputRegister: room > iterations,
    splitUnpack: unit === 'div' && room > iterations + 1,
    splitRound: unit === 'div' && room > iterations + 2,
  };
}

function expPlan(m: MachineSpec): ExpPlan {
  const schedule = expSchedule(m.fpAddLatency, m.fpMulLatency, m.expLatency);
  if (m.expLatency < schedule.latency) {
    fail('CG041', 'machine.expLatency', `${m.expLatency} cycles is less than the ${schedule.latency} the exp pipeline needs with fpAddLatency ${m.fpAddLatency} and fpMulLatency ${m.fpMulLatency}`, `use expLatency >= ${schedule.latency} (or leave it out)`, `>= ${schedule.latency}`);
  }
  return { kind: 'exp', latency: m.expLatency, schedule };
}

export function planFpUnits(m: MachineSpec): FpUnitsPlan {
  return {
    exp: expPlan(m),
    add: pipeline(m.fpAddLatency, ADD_BOUNDARIES, false),
    mul: pipeline(m.fpMulLatency, MUL_BOUNDARIES, true),
    div: iterative(m.divCycles, 'div', 'divCycles'),
    sqrt: iterative(m.sqrtCycles, 'sqrt', 'sqrtCycles'),
  };
}

/** The latency (pipelines) or occupancy (iterative units) of a unit's contract. */
export function unitCycles(plan: FpUnitsPlan, op: FpUnitOp): number {
  switch (op) {
    case 'add':
    case 'mul':
    case 'exp':
      return plan[op].latency;
    case 'div':
    case 'sqrt':
      return plan[op].cycles;
    default:
      return assertNever(op, 'fp unit op');
  }
}

export interface FpUnitsDesign {
  readonly plan: FpUnitsPlan;
  readonly configHash: string;
  /** File name -> content, sorted. */
  readonly files: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
}

const TEMPLATES = ['bnhw_fadd', 'bnhw_fmul', 'bnhw_fdiv', 'bnhw_fsqrt', 'bnhw_fexp', 'bnhw_fsum'] as const;
const PARTIALS = ['lzc32'] as const;
const template = (name: string): Handlebars.TemplateDelegate => verilogTemplate(name, PARTIALS);

function pipelineView(header: string, p: PipelinePlan, names: readonly string[]): Record<string, unknown> {
  const regs: Record<string, boolean> = {};
  p.registered.forEach((r, i) => (regs[`reg${names[i]!}`] = r));
  const delays = Array.from({ length: p.extraDelays }, (_, i) => ({ i: i + 1, p: i }));
  return { header, latency: p.latency, ...regs, inReg: p.inputRegister, regU: p.splitFirst, delays, last: p.extraDelays };
}

function iterativeView(header: string, p: IterativePlan, unit: 'div' | 'sqrt'): Record<string, unknown> {
  // the iteration's own cycles, from its issue (a cycle after the take with an input register)
  const own = p.cycles - (p.inputRegister ? 1 : 0);
  const split = p.splitUnpack ? 1 : 0;
  const cw = Math.max(1, Math.ceil(Math.log2(own + 1)));
  return {
    header,
    cycles: p.cycles,
    inReg: p.inputRegister,
    split: p.splitUnpack,
    splitRound: p.splitRound,
    // the cycle after the last iteration, which shifts when the rounding is split
    shiftAt: own - 2,
    // the divider's pre-shift cycle, after the unpacking one(s)
    preAt: 1 + split,
    k: p.bitsPerCycle,
    iterations: p.iterations,
    qw: p.resultBits,
    qw1: p.resultBits - 1,
    // The quotient/root with one zero bit appended, so the bits below the round bit always exist.
    qx1: p.resultBits,
    // all ones as wide as that, for the mask of the bits a subnormal shift drops
    qxOnes: `${p.resultBits + 1}'h${((1n << BigInt(p.resultBits + 1)) - 1n).toString(16)}`,
    // sig = [qw-1 : qw-24], round = [qw-25], the rest below.
    sigLo: p.resultBits - 23,
    rnd: p.resultBits - 24,
    low1: p.resultBits - 25,
    cw1: cw - 1,
    cw,
    // iterations run in the cycles after the unpacking ones (the divider's pre-shift is one)
    lastIter: ITERATIVE_OVERHEAD[unit] - 2 + split + p.iterations,
    roundAt: own - 1,
    // The square root reads its root directly: fraction [qw-2 : qw-24], round bit [qw-25].
    rFrHi: p.resultBits - 2,
    rFrLo: p.resultBits - 24,
    rRnd: p.resultBits - 25,
    rHasLow: p.resultBits > 25,
    rLowHi: p.resultBits - 26,
    // Its radicand: 2 * resultBits bits (25 significant, then zeros); its remainder resultBits + 3.
    radW1: 2 * p.resultBits - 1,
    radPad: 2 * p.resultBits - 25,
    remW1: p.resultBits + 2,
    remW: p.resultBits + 3,
    remLo: p.resultBits,
    shCap: p.resultBits + 1,
  };
}

/** Bits of an unsigned counter that holds 0..max. */
const counterBits = (max: number): number => Math.max(1, Math.ceil(Math.log2(max + 1)));

/** The reduction lanes (bnhw_fsum, bnhw_fdot): every width and cycle their control needs. */
function laneView(header: string, m: MachineSpec, dot: boolean): Record<string, unknown> {
  const La = m.fpAddLatency;
  const Lm = m.fpMulLatency;
  // in_ready is low from the cycle after a last term until its result is out
  const blockCycles = sumAfterLast(La) - 1;
  const finAt = 2 * La + 1;
  const blkW = counterBits(blockCycles);
  const pwW = counterBits(La - 1);
  const ccW = counterBits(finAt);
  return {
    header,
    module: dot ? 'bnhw_fdot' : 'bnhw_fsum',
    dot,
    addLatency: La,
    mulLatency: Lm,
    period: Math.max(SUM_PARTIALS, La),
    resultAfterLast: (dot ? Lm : 0) + sumAfterLast(La),
    blockCycles,
    blkW,
    blkHi: blkW - 1,
    // a partial waits only when the adder is slower than the four partials rotate
    gaps: La > SUM_PARTIALS,
    pwW,
    pwHi: pwW - 1,
    pwStart: La - 1,
    mtHi: 3 * Lm - 1,
    mtSingle: Lm === 1,
    mtKeepHi: 3 * Lm - 4,
    mtIdxHi: 3 * Lm - 2,
    mtIdxLo: 3 * Lm - 3,
    ccW,
    ccHi: ccW - 1,
    s01At: La,
    s23At: La + 1,
    finAt,
    // the closing adds' flags are registered from cc a cycle before (p0 + p1 right after the last
    // term when La is 1)
    s01AfterLast: La === 1,
    s01Before: La - 1,
    s23Before: La,
    finBefore: 2 * La,
    tagHi: 3 * La - 1,
    tagLo: 3 * La - 3,
    tagSingle: La === 1,
    tagKeepHi: 3 * La - 4,
    // next cycle's tag and valid bit: one stage before the adder's output
    tagNHi: 3 * La - 4,
    tagNLo: 3 * La - 6,
    tvW: La - 1,
    tvHi: La - 2,
    tvSingle: La === 2,
    tvKeepHi: La - 3,
    mtNHi: 3 * Lm - 5,
    mtNLo: 3 * Lm - 6,
  };
}

/** The five units and the two reduction lanes for an architecture's machine block. */
export function generateFpUnits(arch: ArchSpec): FpUnitsDesign {
  const m = machineOf(arch);
  const plan = planFpUnits(m);
  const h = createHash('sha256').update(canonicalJson({ plan, generator: FPU_GENERATOR_VERSION }));
  for (const t of TEMPLATES) h.update(verilogTemplateSource(t));
  for (const p of PARTIALS) h.update(verilogPartialSource(p));
  const configHash = h.digest('hex').slice(0, 16);
  const header = `Generated by bitnet-hw ${FPU_GENERATOR_VERSION} (fp units ${configHash}). Do not edit: regenerate with \`bitnet-hw gen\`.`;
  const files = new Map<string, string>();
  files.set('bnhw_fadd.v', template('bnhw_fadd')(pipelineView(header, plan.add, ['A', 'L', 'B', 'C'])));
  files.set('bnhw_fmul.v', template('bnhw_fmul')(pipelineView(header, plan.mul, ['P', 'A', 'B', 'C'])));
  files.set('bnhw_fdiv.v', template('bnhw_fdiv')(iterativeView(header, plan.div, 'div')));
  files.set('bnhw_fsqrt.v', template('bnhw_fsqrt')(iterativeView(header, plan.sqrt, 'sqrt')));
  files.set('bnhw_fexp.v', template('bnhw_fexp')({ header, splitRound: plan.exp.schedule.splitRound, ...expView(plan.exp.schedule, plan.exp.latency) }));
  files.set('bnhw_fsum.v', template('bnhw_fsum')(laneView(header, m, false)));
  files.set('bnhw_fdot.v', template('bnhw_fsum')(laneView(header, m, true)));
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { plan, configHash, files: sorted, sources: [...sorted.keys()] };
}
