/**
 * Token-level simulation of a whole BitNet on the accelerator: the program the compiler makes
 * for the model (src/ir/compile.ts) executed by the machine (machine.ts), one token at a time:
 * every BitLinear on the cycle-level engine model (exact, the RTL's cycles), every other
 * operation on its unit with its timing contract (src/ir/units.ts), weights streamed from DRAM
 * when they do not fit on chip.
 *
 * Needs: a model shape (a preset, or the shape of an imported model with its IR), an
 * architecture. Guarantees: timing mode needs no weights; cycles per token, per layer and per
 * unit, MAC-array utilisation, stall causes and action counts; no energy constants.
 */
import type { ArchSpec } from '../ir/arch.js';
import { systemOf } from '../ir/arch.js';
import { compileProgram } from '../ir/compile.js';
import { geometryOf, packingOf, planFromShapes, wordBitsFor } from '../ir/engine-plan.js';
import { shapeIR, type ModelShape } from '../ir/presets.js';
import type { Model, ModelIR } from '../ir/types.js';
import { allBitLinears } from '../ir/types.js';
import { sortedActions, type ActionCount } from './engine.js';
import { Machine, type TraceEntry } from './machine.js';
import { tableFormat, unitOf, type UnitName } from '../ir/units.js';

export { EngineTimer, type SegmentTiming } from './engine-timer.js';

export interface TimelineEntry {
  readonly pc: number;
  readonly op: string;
  readonly unit: UnitName;
  readonly layer: number;
  readonly issue: number;
  readonly finish: number;
}

export interface LayerTiming {
  readonly layer: number;
  readonly cycles: number;
  readonly engine: number;
  readonly units: Readonly<Record<string, number>>;
}

/** The clock that turns cycles into time, and where it comes from. */
export interface SimClock {
  readonly mhz: number;
  /** `achieved`: nextpnr's Fmax of this design; `target`: the architecture's clockMHz, not met or not checked. */
  readonly source: 'achieved' | 'target';
  readonly note: string;
}

export function targetClock(arch: ArchSpec): SimClock {
  return { mhz: arch.clockMHz, source: 'target', note: `target clock of architecture ${arch.name}, not implemented (run \`bitnet-hw impl\` for an achieved clock)` };
}

export interface SimReport {
  readonly model: string;
  readonly arch: string;
  readonly clockMHz: number;
  readonly clock: SimClock;
  readonly prefill: number;
  readonly tokens: number;
  readonly prefill_cycles: number;
  readonly decode_cycles: number;
  /** Cycles per decoded token (the decode part of the run over its decoded tokens). */
  readonly cycles_per_token: number;
  /** Decoded tokens per second at the clock. */
  readonly tokens_per_second: number;
  /** Prompt tokens per second at the clock (0 without a prompt). */
  readonly prompt_tokens_per_second: number;
  /** The first decoded token, layer by layer. */
  readonly per_layer: readonly LayerTiming[];
  /** Busy cycles of each unit over the whole run. */
  readonly per_unit: Readonly<Record<string, number>>;
  /** Busy cycles of each unit while decoding. */
  readonly per_unit_decode: Readonly<Record<string, number>>;
  /** The first decoded token's instructions: unit, layer (-1 outside the layers) and cycles from the token's start. */
  readonly timeline: readonly TimelineEntry[];
  /** Busy fraction over the whole run: the MAC array (issue cycles) and every unit (busy cycles). */
  readonly utilization: { readonly mac_array: number; readonly per_unit: Readonly<Record<string, number>> };
  readonly stalls: Readonly<Record<string, number>>;
  readonly weights_on_chip: boolean;
  readonly kv_on_chip: boolean;
  readonly program_instructions: number;
  /** Every action over the whole run (prompt and decoded tokens). */
  readonly actions: readonly ActionCount[];
  /** The actions of the prompt (prefill) part and of the decode part; together they are `actions`. */
  readonly prefill_actions: readonly ActionCount[];
  readonly decode_actions: readonly ActionCount[];
  /** The part of `decode_actions` spent on the FFN BitLinears (their engine segments and weight reads). */
  readonly decode_ffn_bitlinear_actions: readonly ActionCount[];
}

/**
 * The machine for a model IR (a shape IR in timing mode; pass the model for values) on an
 * architecture: its program, the engine geometry of all its BitLinears, weights on chip or not.
 */
export function createMachine(ir: ModelIR, arch: ArchSpec, clockMHz: number, model?: Model): Machine {
  const program = compileProgram(ir, arch);
  const bls = allBitLinears(ir);
  const shapes = bls.map((b) => ({ n: b.inFeatures, out: b.outFeatures }));
  const bitsPerWeight = wordBitsFor(packingOf(arch), arch.lanes * arch.simd) / (arch.lanes * arch.simd);
  const weightBits = shapes.reduce((a, s) => a + s.n * s.out, 0) * bitsPerWeight;
  // An engine that streams its weights from DRAM holds none on chip, whatever they would take.
  const onChip = arch.weightMemory !== 'dram' && weightBits <= systemOf(arch).onChipWeightBits;
  const geometry = geometryOf(planFromShapes(bls.map((b, i) => ({ name: b.name, ...shapes[i]! })), arch));
  // The embedding and head tables are where the weights are; with weights in DRAM they stream
  // through the head unit's own port, as lines of its stored elements.
  const tableElementBits = tableFormat(ir.embedding.weight.dtype).elementBits;
  return new Machine(program, arch, { shapes, geometry, clockMHz, weightsOnChip: onChip, tableElementBits, ...(model ? { model } : {}) });
}

export function simulateModel(shape: ModelShape, arch: ArchSpec, opts: { prefill: number; tokens: number; clock?: SimClock; ir?: ModelIR }): SimReport {
  const clock = opts.clock ?? targetClock(arch);
  const machine = createMachine(opts.ir ?? shapeIR(shape), arch, clock.mhz);
  const program = machine.program;
  const onChip = machine.weightsOnChip;
  let prefillCycles = 0;
  let decodeCycles = 0;
  let engineIssue = 0;
  let dramStall = 0;
  let kvStall = 0;
  let headStall = 0;
  let perLayer: LayerTiming[] = [];
  let timeline: TimelineEntry[] = [];
  // The prompt in row blocks (the logits of its last token only), then one token per run.
  const R = program.rows;
  for (let t = 0; t < opts.prefill; t += R) {
    const rows = Math.min(R, opts.prefill - t);
    const r = machine.run(new Array<number>(rows).fill(0), { logits: t + rows === opts.prefill });
    engineIssue += r.engineIssueCycles;
    dramStall += r.dramStall;
    kvStall += r.kvDramStall;
    headStall += r.headDramStall;
    prefillCycles += r.cycles;
  }
  const prefillActions = sortedActions(machine.actions);
  const prefillFfn = sortedActions(machine.ffnBitLinearActions);
  const prefillBusy = { ...machine.busy };
  for (let t = 0; t < opts.tokens; t++) {
    const r = machine.token(0);
    engineIssue += r.engineIssueCycles;
    dramStall += r.dramStall;
    kvStall += r.kvDramStall;
    headStall += r.headDramStall;
    decodeCycles += r.cycles;
    if (t === 0) {
      const units = program.instructions.map(unitOf);
      perLayer = layerTimings(program.layerOf, r.trace, units);
      timeline = r.trace.map((e) => ({ pc: e.pc, op: program.instructions[e.pc]!.op, unit: units[e.pc]!, layer: program.layerOf[e.pc]!, issue: e.issue, finish: e.finish }));
    }
  }
  const total = prefillCycles + decodeCycles;
  const perToken = opts.tokens > 0 ? decodeCycles / opts.tokens : 0;
  const actions = sortedActions(machine.actions);
  const perUnit = Object.fromEntries(Object.entries(machine.busy).map(([k, v]) => [k, total > 0 ? v / total : 0]));
  return {
    model: shape.name,
    arch: arch.name,
    clockMHz: clock.mhz,
    clock,
    prefill: opts.prefill,
    tokens: opts.tokens,
    prefill_cycles: prefillCycles,
    decode_cycles: decodeCycles,
    cycles_per_token: perToken,
    tokens_per_second: perToken > 0 ? (clock.mhz * 1e6) / perToken : 0,
    prompt_tokens_per_second: prefillCycles > 0 ? (opts.prefill * clock.mhz * 1e6) / prefillCycles : 0,
    per_layer: perLayer,
    per_unit: { ...machine.busy },
    per_unit_decode: Object.fromEntries(Object.entries(machine.busy).map(([k, v]) => [k, v - prefillBusy[k as UnitName]])),
    timeline,
    utilization: { mac_array: total > 0 ? engineIssue / total : 0, per_unit: perUnit },
    stalls: { dram_bandwidth: dramStall, kv_dram_bandwidth: kvStall, head_dram_bandwidth: headStall, engine_idle: total - machine.busy.engine },
    weights_on_chip: onChip,
    kv_on_chip: machine.kvOnChip,
    program_instructions: program.instructions.length,
    actions,
    prefill_actions: prefillActions,
    decode_actions: subtractActions(actions, prefillActions),
    decode_ffn_bitlinear_actions: subtractActions(sortedActions(machine.ffnBitLinearActions), prefillFfn),
  };
}

/** `all` minus `part`, keyed by (component, action, bits); both sorted the same way. */
function subtractActions(all: readonly ActionCount[], part: readonly ActionCount[]): ActionCount[] {
  const key = (a: ActionCount): string => `${a.component}\u0000${a.action}\u0000${a.bits}`;
  const before = new Map(part.map((a) => [key(a), a.count]));
  return all.map((a) => ({ ...a, count: a.count - (before.get(key(a)) ?? 0) })).filter((a) => a.count > 0);
}

function layerTimings(layerOf: readonly number[], trace: readonly TraceEntry[], unitAt: readonly UnitName[]): LayerTiming[] {
  const byLayer = new Map<number, { lo: number; hi: number; engine: number; units: Record<string, number> }>();
  for (const t of trace) {
    const l = layerOf[t.pc]!;
    if (l < 0) continue;
    const cur = byLayer.get(l) ?? { lo: Infinity, hi: 0, engine: 0, units: {} };
    cur.lo = Math.min(cur.lo, t.issue);
    cur.hi = Math.max(cur.hi, t.finish);
    const u = unitAt[t.pc]!;
    if (u === 'engine') cur.engine += t.busy;
    else cur.units[u] = (cur.units[u] ?? 0) + t.busy;
    byLayer.set(l, cur);
  }
  return [...byLayer.entries()].sort(([a], [b]) => a - b).map(([layer, v]) => ({ layer, cycles: v.hi - v.lo, engine: v.engine, units: v.units }));
}
