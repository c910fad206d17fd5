/**
 * Token-level simulation of a whole BitNet on the accelerator: every BitLinear runs on the
 * cycle-level engine model (exact, the same cycles as the RTL), the rest (norms, RoPE, attention
 * over the KV cache, softmax, activations, residuals, the output head) on configured units with
 * throughput and latency, and weights stream from DRAM when they do not fit on chip.
 *
 * Needs: a model shape (preset or imported), an architecture. Guarantees: timing mode needs no
 * weights; engine segments (the BitLinears that can stream back to back: q,k,v and gate,up) are
 * simulated cycle by cycle once per distinct shape and token count and memoized, and long token
 * streams are extended by the exactly periodic steady state (checked, else simulated in full).
 * Emits cycles per token, per layer and per unit, utilisation, stall causes and action counts;
 * no energy constants.
 */
import type { ArchSpec } from '../ir/arch.js';
import { systemOf, type SystemSpec, type UnitSpec } from '../ir/arch.js';
import { geometryOf, packingOf, planFromShapes, wordBitsFor, type PlanGeometry } from '../ir/engine-plan.js';
import { bitlinearShapes, type ModelShape } from '../ir/presets.js';
import { addActions, sortedActions, type ActionCount } from './engine.js';
import { runStream } from './stream.js';

export interface SegmentTiming {
  readonly cycles: number;
  /** MAC-array issue cycles (busy) within the segment. */
  readonly issueCycles: number;
  readonly weightBits: number;
  readonly actions: readonly ActionCount[];
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
  readonly cycles_per_token: number;
  readonly tokens_per_second: number;
  readonly per_layer: readonly LayerTiming[];
  readonly per_unit: Readonly<Record<string, number>>;
  readonly utilization: { readonly mac_array: number };
  readonly stalls: Readonly<Record<string, number>>;
  readonly weights_on_chip: boolean;
  readonly actions: readonly ActionCount[];
}

function unitCycles(u: UnitSpec, work: number): number {
  return work <= 0 ? 0 : Math.ceil(work / u.perCycle) + u.latency;
}

/**
 * Engine segment: `shapes` streamed one after another, each for `tokens` tokens, layer-major
 * (all tokens of shapes[0], then shapes[1], ...), with no stalls.
 */
export class EngineTimer {
  private readonly memo = new Map<string, SegmentTiming>();
  /** `geometry`: of the whole design the segments belong to (memory latencies depend on it). */
  constructor(
    private readonly arch: ArchSpec,
    private readonly geometry?: PlanGeometry,
  ) {}

  segment(shapes: readonly { n: number; out: number }[], tokens: number): SegmentTiming {
    const key = `${shapes.map((s) => `${s.out}x${s.n}`).join(',')}@${tokens}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    let r: SegmentTiming;
    if (tokens <= 6) r = this.simulate(shapes, tokens);
    else {
      // Steady state: with the engine pipelined, each further token adds a constant period.
      const a = this.simulate(shapes, 5);
      const b = this.simulate(shapes, 6);
      const c = this.simulate(shapes, 4);
      if (b.cycles - a.cycles === a.cycles - c.cycles) {
        const period = b.cycles - a.cycles;
        const scale = (x: number, y: number): number => x + (x - y) * (tokens - 6);
        r = {
          cycles: b.cycles + period * (tokens - 6),
          issueCycles: scale(b.issueCycles, a.issueCycles),
          weightBits: scale(b.weightBits, a.weightBits),
          actions: b.actions.map((x) => {
            const y = a.actions.find((q) => q.component === x.component && q.action === x.action && q.bits === x.bits);
            return { ...x, count: x.count + (x.count - (y?.count ?? 0)) * (tokens - 6) };
          }),
        };
      } else r = this.simulate(shapes, tokens);
    }
    this.memo.set(key, r);
    return r;
  }

  private simulate(shapes: readonly { n: number; out: number }[], tokens: number): SegmentTiming {
    const plan = planFromShapes(shapes.map((s, i) => ({ name: `s${i}`, n: s.n, out: s.out })), this.arch, this.geometry);
    const toks = shapes.flatMap((s, li) => Array.from({ length: tokens }, () => ({ layer: li, x: new Uint32Array(s.n) })));
    const res = runStream(plan, toks, { seed: 1, inStall: 0, outStall: 0 });
    const wmem = res.actions.find((a) => a.component === 'wmem' && a.action === 'read');
    return {
      cycles: res.cycles,
      issueCycles: res.issueCycles,
      weightBits: (wmem?.count ?? 0) * (wmem?.bits ?? 0),
      actions: res.actions,
    };
  }
}

interface StepCost {
  cycles: number;
  engine: number;
  issue: number;
  units: Record<string, number>;
  dramStall: number;
}

/**
 * One pass of `T` new tokens through the model with `past` tokens already in the KV cache
 * (prefill: T = prompt length, past = 0; decode: T = 1).
 */
function pass(shape: ModelShape, sys: SystemSpec, clockMHz: number, timer: EngineTimer, T: number, past: number, onChip: boolean, actions: Map<string, ActionCount>, perLayer: LayerTiming[] | null): StepCost {
  const dramBitsPerCycle = (sys.dramGBps * 8e9) / (clockMHz * 1e6);
  const dramLatency = Math.ceil((sys.dramLatencyNs * clockMHz) / 1000);
  const h = shape.hidden;
  const hd = h / shape.heads;
  const qd = shape.heads * hd;
  const kvd = shape.kvHeads * hd;
  const byKind = new Map(shape.perLayer.map((p) => [p.kind, p]));
  const seg = (kinds: string[]): { n: number; out: number }[] => kinds.filter((k) => byKind.has(k)).map((k) => byKind.get(k)!);
  // Attention work: token i (0-based in this pass) attends to past + i + 1 positions.
  const ctx = T * past + (T * (T + 1)) / 2;
  const total: StepCost = { cycles: 0, engine: 0, issue: 0, units: {}, dramStall: 0 };
  const unit = (name: string, spec: UnitSpec, work: number, component: string, action: string, bits: number, count: number): number => {
    const c = unitCycles(spec, work);
    total.units[name] = (total.units[name] ?? 0) + c;
    if (count > 0) addActions(actions, [{ component, action, bits, count }], 1);
    return c;
  };
  const engine = (kinds: string[]): number => {
    const s = timer.segment(seg(kinds), T);
    addActions(actions, s.actions, 1);
    let c = s.cycles;
    if (!onChip) {
      // Weights stream from DRAM: the engine cannot issue faster than the bits arrive.
      const dram = Math.ceil(s.weightBits / dramBitsPerCycle) + dramLatency;
      if (dram > c) {
        total.dramStall += dram - c;
        c = dram;
      }
      addActions(actions, [{ component: 'dram', action: 'read', bits: 1, count: s.weightBits }], 1);
    }
    total.engine += c;
    total.issue += s.issueCycles;
    return c;
  };
  for (let l = 0; l < shape.layers; l++) {
    let c = 0;
    const before = { ...total.units };
    const engBefore = total.engine;
    c += unit('norm', sys.norm, T * h, 'norm', 'fp32_op', 32, 4 * T * h);
    c += engine(['attn.q', 'attn.k', 'attn.v']);
    c += unit('rope', sys.activation, T * (qd + kvd), 'rope', 'fp32_op', 32, 3 * T * (qd + kvd));
    addActions(actions, [{ component: 'kv_cache', action: 'write', bits: sys.kvBits, count: 2 * T * kvd }], 1);
    addActions(actions, [{ component: 'kv_cache', action: 'read', bits: sys.kvBits, count: 2 * ctx * kvd }], 1);
    c += unit('attention', sys.attention, 2 * ctx * qd, 'attention', 'fp16_mac', 16, 2 * ctx * qd);
    c += unit('softmax', sys.softmax, ctx * shape.heads, 'softmax', 'fp32_op', 32, 3 * ctx * shape.heads);
    c += unit('norm', sys.norm, T * qd, 'norm', 'fp32_op', 32, 4 * T * qd);
    c += engine(['attn.o']);
    c += unit('residual', sys.residual, T * h, 'residual', 'fp32_add', 32, T * h);
    c += unit('norm', sys.norm, T * h, 'norm', 'fp32_op', 32, 4 * T * h);
    c += engine(['ffn.gate', 'ffn.up']);
    c += unit('activation', sys.activation, T * shape.ffnHidden, 'activation', 'fp32_op', 32, 3 * T * shape.ffnHidden);
    c += unit('norm', sys.norm, T * shape.ffnHidden, 'norm', 'fp32_op', 32, 4 * T * shape.ffnHidden);
    c += engine(['ffn.down']);
    c += unit('residual', sys.residual, T * h, 'residual', 'fp32_add', 32, T * h);
    total.cycles += c;
    if (perLayer) {
      const units: Record<string, number> = {};
      for (const [k, v] of Object.entries(total.units)) units[k] = v - (before[k] ?? 0);
      perLayer.push({ layer: l, cycles: c, engine: total.engine - engBefore, units });
    }
  }
  // Final norm and the full-precision output head for the last position only.
  total.cycles += unit('norm', sys.norm, h, 'norm', 'fp32_op', 32, 4 * h);
  total.cycles += unit('head', sys.head, shape.vocab * h, 'head', 'fp16_mac', 16, shape.vocab * h);
  if (!onChip) addActions(actions, [{ component: 'dram', action: 'read_head', bits: 1, count: shape.vocab * h * 16 }], 1);
  return total;
}

export function simulateModel(shape: ModelShape, arch: ArchSpec, opts: { prefill: number; tokens: number; clock?: SimClock }): SimReport {
  const clock = opts.clock ?? targetClock(arch);
  const sys = systemOf(arch);
  const timer = new EngineTimer(arch, geometryOf(planFromShapes(bitlinearShapes(shape), arch)));
  // Weight bits as stored: 2-bit codes, 1-bit binary or base-3 bytes (1.6 bits per weight).
  const bitsPerWeight = wordBitsFor(packingOf(arch), arch.lanes * arch.simd) / (arch.lanes * arch.simd);
  const weightBits = shape.layers * shape.perLayer.reduce((a, p) => a + p.n * p.out, 0) * bitsPerWeight;
  const onChip = weightBits <= sys.onChipWeightBits;
  const actions = new Map<string, ActionCount>();
  const perLayer: LayerTiming[] = [];
  const prefill = opts.prefill > 0 ? pass(shape, sys, clock.mhz, timer, opts.prefill, 0, onChip, actions, null) : null;
  let decodeCycles = 0;
  let issue = prefill?.issue ?? 0;
  let engineCycles = prefill?.engine ?? 0;
  let dramStall = prefill?.dramStall ?? 0;
  const units: Record<string, number> = {};
  const addUnits = (u: Record<string, number>): void => {
    for (const [k, v] of Object.entries(u)) units[k] = (units[k] ?? 0) + v;
  };
  if (prefill) addUnits(prefill.units);
  for (let i = 0; i < opts.tokens; i++) {
    const d = pass(shape, sys, clock.mhz, timer, 1, opts.prefill + i, onChip, actions, i === 0 ? perLayer : null);
    decodeCycles += d.cycles;
    issue += d.issue;
    engineCycles += d.engine;
    dramStall += d.dramStall;
    addUnits(d.units);
  }
  const total = (prefill?.cycles ?? 0) + decodeCycles;
  const perToken = opts.tokens > 0 ? decodeCycles / opts.tokens : 0;
  return {
    model: shape.name,
    arch: arch.name,
    clockMHz: clock.mhz,
    clock,
    prefill: opts.prefill,
    tokens: opts.tokens,
    prefill_cycles: prefill?.cycles ?? 0,
    decode_cycles: decodeCycles,
    cycles_per_token: perToken,
    tokens_per_second: perToken > 0 ? (clock.mhz * 1e6) / perToken : 0,
    per_layer: perLayer,
    per_unit: { engine: engineCycles, ...units },
    utilization: { mac_array: total > 0 ? issue / total : 0 },
    stalls: { dram_bandwidth: dramStall, engine_pipeline_and_control: engineCycles - issue - dramStall },
    weights_on_chip: onChip,
    actions: sortedActions(actions),
  };
}
