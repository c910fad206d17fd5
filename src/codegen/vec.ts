/**
 * The whole-model accelerator's vector unit (templates/verilog/bnhw_vec.v.hbs) for a compiled
 * program, with the scratchpad and the parameter memory it runs on (bnhw_spad.v.hbs: word-
 * interleaved banks, one per lane).
 *
 * Needs: a program (src/ir/program.ts) compiled for the architecture (buffer and parameter bases
 * are multiples of the vector lanes). Guarantees: every width (addresses, counts), every constant
 * of the reductions' schedule (src/ir/units.ts vectorReduction) and the memories' depths are
 * decided here; the vector instructions' lengths are checked (`CG043`: lanes a power of two,
 * `CG044`: a length the unit cannot run); files are a pure function of the program, the machine
 * block and the templates (reproducible byte for byte).
 */
import { createHash } from 'node:crypto';
import type Handlebars from 'handlebars';
import { verilogPartialSource, verilogTemplate, verilogTemplateSource } from './templates.js';
import type { ArchSpec } from '../ir/arch.js';
import { machineOf } from '../ir/arch.js';
import { canonicalJson } from '../ir/irfile.js';
import { OPCODES, type Program } from '../ir/program.js';
import { sumAfterLast, sumTermCycle, unitContracts, unitOf } from '../ir/units.js';
import { ropeInvFreq, ropeRow, SUM_PARTIALS } from '../numerics/model.js';
import { f32Bits } from '../util/float.js';
import { fail } from '../util/diagnostics.js';
import { generateFpUnits, type FpUnitsDesign } from './fpu.js';

export const VEC_GENERATOR_VERSION = '0.1.0';

/**
 * The vector unit's instructions this generator builds: act only as relu2-gated (swiglu and gelu
 * need the exp and a divider in the lanes: `CG046`); rope comes with its table memory.
 */
export const VEC_OPS = ['vmul', 'vadd', 'vsubs', 'vsumsq', 'vmean', 'act'] as const;

/** Every size the vector unit and its memories are built with. */
export interface VectorPlan {
  readonly lanes: number;
  readonly laneBits: number;
  /** Scratchpad and parameter memory: lines per bank, word address bits. */
  readonly spadLines: number;
  readonly spadAddrBits: number;
  readonly paramLines: number;
  readonly paramAddrBits: number;
  /** Width of the unit's addresses and counts. */
  readonly countBits: number;
  /** Rows a run may hold (the program's row block). */
  readonly maxRows: number;
  readonly rowBits: number;
  /** Cycles from a reduction row's last read to its sum, plus one (units.ts vectorReduction). */
  readonly sumTail: number;
  /** Whether the program rotates (RoPE), and the table's lines (context x half a head / lanes). */
  readonly rope: boolean;
  readonly ropeLines: number;
  /** Cycles from a memory read's address to its data (units.ts readLatency). */
  readonly readLatency: number;
}

export interface VectorDesign {
  readonly plan: VectorPlan;
  readonly configHash: string;
  /** bnhw_vec.v, bnhw_spad.v, bnhw_pmem.v and the fp units they use, sorted. */
  readonly files: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
}

const bitsFor = (max: number): number => Math.max(1, Math.ceil(Math.log2(max + 1)));

export function planVector(p: Program, arch: ArchSpec): VectorPlan {
  const m = machineOf(arch);
  const V = m.vectorLanes;
  if (V < 2 || (V & (V - 1)) !== 0) {
    fail('CG043', `arch ${arch.name}.machine.vectorLanes`, `${V} lanes: the scratchpad's banks are selected by an address's low bits`, 'use a power of two >= 2', 'a power of two >= 2');
  }
  const LB = Math.log2(V);
  let nMax = 1;
  let spanMax = 0;
  p.instructions.forEach((ins, pc) => {
    if (unitOf(ins) !== 'vector' || !('n' in ins) || !(VEC_OPS as readonly string[]).includes(ins.op)) return;
    if (ins.op === 'act' && ins.kind !== 'relu2-gated') {
      fail('CG046', `program ${p.model} on ${p.arch}: instruction ${pc} (act ${ins.kind})`, 'the vector unit runs the relu2-gated activation only so far (swiglu and gelu need the exp and a divider in its lanes)', 'use a relu2-gated model for the whole-model RTL', 'relu2-gated');
    }
    if (ins.n % V !== 0 || ins.n >= 2 ** 24) {
      fail('CG044', `program ${p.model} on ${p.arch}: instruction ${pc} (${ins.op})`, `length ${ins.n}: the vector unit runs whole lines of ${V} words, and vmean's n as fp32 must be exact (< 2^24)`, `use vectorLanes dividing ${ins.n}`, `a multiple of ${V} below 2^24`);
    }
    nMax = Math.max(nMax, ins.n);
    spanMax = Math.max(spanMax, sumTermCycle(ins.n - 1, m.fpAddLatency));
  });
  for (const b of [...p.buffers, ...p.params]) {
    if (b.base % V !== 0) throw new Error(`planVector: ${b.kind} ${b.name} at ${b.base} is not aligned to ${V} words (the compiler aligns every base)`);
  }
  const rope = p.attention.ropeTheta !== null && p.instructions.some((i) => i.op === 'rope');
  const half = p.attention.headDim / 2;
  if (rope && half % V !== 0) {
    fail('CG047', `program ${p.model} on ${p.arch}: rope`, `half a head (${half} words) is not whole lines of ${V}: the unit reads x1's and x2's lines of a head at once`, `use vectorLanes dividing ${half}`, `a divisor of ${half}`);
  }
  const ropeLines = rope ? p.context * (half / V) : 0;
  const spadLines = Math.max(1, Math.ceil(p.scratchpadWords / V));
  const paramLines = Math.max(1, Math.ceil(p.paramWords / V));
  const readLatency = unitContracts(arch).readLatency;
  const sumTail = readLatency + m.fpMulLatency + sumAfterLast(m.fpAddLatency);
  // One width for every address and count: the memories' ports take the line part of it (their
  // depth is their own), so no width is narrowed or widened anywhere.
  const countBits = Math.max(LB + bitsFor(spadLines - 1), LB + bitsFor(paramLines - 1), bitsFor(nMax * V), bitsFor(p.rows + V), bitsFor(spanMax + Math.max(sumTail, V)), bitsFor(m.divCycles), bitsFor(ropeLines + p.rows), 5);
  if (countBits > 32) throw new Error(`planVector: ${countBits}-bit addresses`);
  const spadAddrBits = LB + bitsFor(spadLines - 1);
  const paramAddrBits = LB + bitsFor(paramLines - 1);
  return { lanes: V, laneBits: LB, spadLines, spadAddrBits, paramLines, paramAddrBits, countBits, maxRows: p.rows, rowBits: bitsFor(p.rows), sumTail, rope, ropeLines, readLatency };
}

const PARTIALS = ['n_as_f32', 'rdly'] as const;

/** The text a scratchpad unit's files come from: its templates and the shared partials (for hashes). */
export function unitTemplateText(names: readonly string[]): string {
  return [...names.map(verilogTemplateSource), ...PARTIALS.map(verilogPartialSource)].join('\n');
}

/** A template of the scratchpad units (vec, sfu), with their shared partials. */
export function unitTemplate(name: string): Handlebars.TemplateDelegate {
  return verilogTemplate(name, PARTIALS);
}

/** The fp units the vector unit instantiates. */
const FP_SOURCES = ['bnhw_fadd.v', 'bnhw_fmul.v', 'bnhw_fdiv.v', 'bnhw_fdot.v'];

/** The view fields every scratchpad unit's template shares: lanes, the count width, rows. */
export function unitViewBase(plan: VectorPlan, countBits: number, header: string): Record<string, unknown> {
  return {
    header,
    lanes: plan.lanes,
    lanesHi: plan.lanes - 1,
    lb: plan.laneBits,
    lbHi: plan.laneBits - 1,
    cw: countBits,
    cwHi: countBits - 1,
    maxRows: plan.maxRows,
    rowsHi: plan.rowBits - 1,
    rowsExt: countBits === plan.rowBits ? 'rows' : `{${countBits - plan.rowBits}'d0, rows}`,
    dataHi: 32 * plan.lanes - 1,
    // a memory read's data two cycles after its address, not one (partials/rdly)
    r2: plan.readLatency === 2,
    readLatency: plan.readLatency,
    // vmean's and rsqrt's n as fp32 (partials/n_as_f32)
    nBits: Math.min(24, countBits),
    nshHi: countBits + 22,
  };
}

export const ROPE_COS_FILE = 'bnhw_rope_cos.hex';
export const ROPE_SIN_FILE = 'bnhw_rope_sin.hex';

/** The RoPE table (bnhw_rope.v and its two $readmemh images), from the numerics' ropeRow. */
function ropeFiles(p: Program, plan: VectorPlan, header: string): [string, string][] {
  const V = plan.lanes;
  const half = p.attention.headDim / 2;
  const inv = ropeInvFreq(p.attention.ropeTheta!, p.attention.headDim);
  const cos = new Float32Array(half);
  const sin = new Float32Array(half);
  const cosLines: string[] = [];
  const sinLines: string[] = [];
  const line = (t: Float32Array, i0: number): string => {
    let s = '';
    for (let k = V - 1; k >= 0; k--) s += f32Bits(t[i0 + k]!).toString(16).padStart(8, '0');
    return s;
  };
  for (let pos = 0; pos < p.context; pos++) {
    ropeRow(inv, pos, cos, sin);
    for (let i0 = 0; i0 < half; i0 += V) {
      cosLines.push(line(cos, i0));
      sinLines.push(line(sin, i0));
    }
  }
  const lineBits = bitsFor(plan.ropeLines - 1);
  const CW = plan.countBits;
  const text = unitTemplate('bnhw_rope')({
    header,
    r2: plan.readLatency === 2,
    model: p.model,
    context: p.context,
    half,
    lanes: V,
    halfLines: half / V,
    cosFile: ROPE_COS_FILE,
    sinFile: ROPE_SIN_FILE,
    wide: CW > lineBits,
    addrHi: CW - 1,
    lineBits,
    lineHi: lineBits - 1,
    highBits: CW - lineBits,
    dataHi: 32 * V - 1,
    dataW: 32 * V,
    lastLine: plan.ropeLines - 1,
  });
  return [
    ['bnhw_rope.v', text],
    [ROPE_COS_FILE, cosLines.join('\n') + '\n'],
    [ROPE_SIN_FILE, sinLines.join('\n') + '\n'],
  ];
}

/** Generation options of the scratchpad units. */
export interface UnitBuildOptions {
  /** Action counters on the unit's ports, for simulation (the simulator's action counts, checked by the bench); off for synthesis. */
  readonly actions?: boolean;
}

/** The counters' view: how wide a cycle's count of lane events is, and its padding to 48 bits. */
export function counterView(lanes: number, actions: boolean): Record<string, unknown> {
  const popW = Math.max(2, Math.ceil(Math.log2(2 * lanes + 1)));
  return { actions, popW, popHi: popW - 1, popPad: popW - 1, cPad: 48 - popW, tableWords: 2 * lanes };
}

export function generateVector(p: Program, arch: ArchSpec, fp: FpUnitsDesign = generateFpUnits(arch), opts: UnitBuildOptions = {}): VectorDesign {
  const m = machineOf(arch);
  const plan = planVector(p, arch);
  const actions = opts.actions ?? false;
  const V = plan.lanes;
  const LB = plan.laneBits;
  const CW = plan.countBits;
  const h = createHash('sha256').update(canonicalJson({ plan, generator: VEC_GENERATOR_VERSION, fp: fp.configHash, actions }));
  h.update(unitTemplateText(['bnhw_vec', 'bnhw_spad', 'bnhw_rope']));
  const configHash = h.digest('hex').slice(0, 16);
  const header = `Generated by bitnet-hw ${VEC_GENERATOR_VERSION} (vector unit ${configHash}). Do not edit: regenerate with \`bitnet-hw gen\`.`;
  // a lane's address selects no bank when its bits above the memory's are not zero
  const past = (addrBits: number, lane: string): string => (CW > addrBits ? ` && l${lane}_a[j * ${CW} + ${addrBits} +: ${CW - addrBits}] == ${CW - addrBits}'d0` : '');
  const spadLineBits = plan.spadAddrBits - LB;
  const paramLineBits = plan.paramAddrBits - LB;
  const period4 = Math.max(SUM_PARTIALS, m.fpAddLatency);
  const vec = unitTemplate('bnhw_vec')({
    ...unitViewBase(plan, CW, header),
    ...counterView(V, actions),
    mulLatency: m.fpMulLatency,
    mulLatencyHi: m.fpMulLatency - 1,
    // act's zero flags, shifted beside the multiplier's pipeline; past a one-cycle multiplier the
    // gate is registered first and tested a cycle later (zq one shorter)
    zReg: m.fpMulLatency >= 2,
    zqHi: m.fpMulLatency >= 2 ? m.fpMulLatency - 2 : 0,
    zShift: m.fpMulLatency === 1 ? 'sq1 && !gpos' : m.fpMulLatency === 2 ? 'gsq && !gpos' : `zq[${m.fpMulLatency - 3}:0], gsq && !gpos`,
    addLatency: m.fpAddLatency,
    divCycles: m.divCycles,
    divCyclesM1: m.divCycles - 1,
    gaps: period4 > SUM_PARTIALS,
    period4,
    period4m1: period4 - 1,
    sumTail: plan.sumTail,
    awHi: plan.spadAddrBits - 1,
    lineBits: spadLineBits,
    sAddrHi: V * spadLineBits - 1,
    sAddrW: V * spadLineBits,
    pAddrHi: V * paramLineBits - 1,
    dataW: 32 * V,
    opVmul: OPCODES.vmul,
    opVadd: OPCODES.vadd,
    opVsumsq: OPCODES.vsumsq,
    opVmean: OPCODES.vmean,
    opVsubs: OPCODES.vsubs,
    opAct: OPCODES.act,
    opRope: OPCODES.rope,
    rope: plan.rope,
    half: p.attention.headDim / 2,
    halfLines: p.attention.headDim / 2 / V,
    halfLinesM1: p.attention.headDim / 2 / V - 1,
    headSkip: p.attention.headDim / 2 + V,
    // act's second pass starts in cycle 2 + R + Lm at the earliest (its first line written, R the
    // read latency): decided in the cycle before
    act2From: 2 + plan.readLatency + m.fpMulLatency,
    act2Before: 1 + plan.readLatency + m.fpMulLatency,
    // ecyc's value the cycle before it reaches act2Before (it counts from 1 at the issue)
    act2Ready: plan.readLatency + m.fpMulLatency,
    rowsW: V * CW,
    selW: V * LB,
    readPorts: [
      { port: 'sa', lane: 'a', addrHi: V * spadLineBits - 1, addrW: V * spadLineBits, lineBits: spadLineBits, past: past(plan.spadAddrBits, 'a'), selName: 'sa_sel', loName: 'sa_lo' },
      { port: 'sb', lane: 'b', addrHi: V * spadLineBits - 1, addrW: V * spadLineBits, lineBits: spadLineBits, past: past(plan.spadAddrBits, 'b'), selName: 'sb_sel', loName: 'sb_lo' },
      { port: 'p', lane: 'p', addrHi: V * paramLineBits - 1, addrW: V * paramLineBits, lineBits: paramLineBits, past: past(plan.paramAddrBits, 'p'), selName: 'p_sel', loName: 'p_lo' },
    ],
    spadPast: past(plan.spadAddrBits, 'w'),
  });
  const mem = (module: string, what: string, lines: number, lineBits: number, two: boolean): string =>
    unitTemplate('bnhw_spad')({ header, module, what, two, r2: plan.readLatency === 2, lanes: V, lanesHi: V - 1, lines, lastLine: lines - 1, lineBits, addrHi: V * lineBits - 1, dataHi: 32 * V - 1 });
  const files = new Map<string, string>([
    ['bnhw_vec.v', vec],
    ...(plan.rope ? ropeFiles(p, plan, header) : []),
    ['bnhw_spad.v', mem('bnhw_spad', 'the scratchpad', plan.spadLines, spadLineBits, true)],
    ['bnhw_pmem.v', mem('bnhw_pmem', 'the parameter memory (norm weights and biases)', plan.paramLines, paramLineBits, false)],
  ]);
  for (const f of FP_SOURCES) files.set(f, fp.files.get(f)!);
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { plan, configHash, files: sorted, sources: [...sorted.keys()].filter((f) => f.endsWith('.v')) };
}
