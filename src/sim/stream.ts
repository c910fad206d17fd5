/**
 * Stream tokens through the engine model exactly as the Verilator harness drives the RTL
 * (hw/harness/engine_harness.cpp): the same xorshift32 stall generator consumed in the same order,
 * optional serial mode, and the same per-token (layer, first input beat, last output beat) log.
 */
import type { EnginePlan } from '../ir/engine-plan.js';
import type { DramTiming } from '../ir/arch.js';
import { DramModel } from './dram.js';
import { EngineSim, type ActionCount, type EngineValues } from './engine.js';

/** xorshift32, shared with the C++ harness and the cocotb benches. */
export class XorShift32 {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s;
  }
  percent(p: number): boolean {
    return this.next() % 100 < p;
  }
}

export interface StreamToken {
  readonly layer: number;
  /** binary32 input bits (functional mode); timing mode may pass zeros. */
  readonly x: Uint32Array;
}

export interface StreamResult {
  readonly cycles: number;
  readonly tokens: [number, number, number][];
  readonly outputs: Uint32Array[];
  readonly actions: ActionCount[];
  /** MAC-array issue cycles. */
  readonly issueCycles: number;
  readonly cError: boolean;
}

export function runStream(
  plan: EnginePlan,
  tokens: readonly StreamToken[],
  opts: { seed: number; inStall: number; outStall: number; serial?: boolean; values?: EngineValues; maxIdle?: number; dram?: DramTiming },
): StreamResult {
  const sim = new EngineSim(plan, opts.values ?? null);
  if (plan.arch.weightMemory === 'dram' && !opts.dram) throw new Error('engine sim: weights streamed from DRAM need the DRAM timing');
  const dram = plan.arch.weightMemory === 'dram' ? new DramModel(opts.dram!) : null;
  const rng = new XorShift32(opts.seed);
  // The harness holds reset for two cycles; the model starts from the reset state directly.
  let inTok = 0;
  let inIdx = 0;
  let outTok = 0;
  let outIdx = 0;
  let cycle = 0;
  let last = 0;
  const starts: number[] = [];
  const log: [number, number, number][] = [];
  const outputs: Uint32Array[] = [];
  let cur: Uint32Array | null = tokens.length ? new Uint32Array(plan.layers[tokens[0]!.layer]!.out) : null;
  while (outTok < tokens.length) {
    const inHave = inTok < tokens.length;
    const offer = inHave && (!opts.serial || inTok === outTok) && !rng.percent(opts.inStall);
    const tin = tokens[Math.min(inTok, tokens.length - 1)]!;
    const ready = !rng.percent(opts.outStall);
    const rValid = dram !== null && dram.valid(cycle);
    const o = sim.cycle({ s_valid: offer, s_data: inHave ? tin.x[inIdx]! : 0, s_layer: tin.layer, m_ready: ready, w_ar_ready: true, w_r_valid: rValid });
    if (dram) dram.step(cycle, rValid && o.w_r_ready, o.w_ar_valid ? { addr: o.w_ar_addr, len: o.w_ar_len } : null);
    if (o.m_valid && ready) {
      cur![outIdx] = o.m_data;
      const out = plan.layers[tokens[outTok]!.layer]!.out;
      if (++outIdx === out) {
        log.push([tokens[outTok]!.layer, starts.shift()!, cycle]);
        outputs.push(cur!);
        outIdx = 0;
        outTok++;
        if (outTok < tokens.length) cur = new Uint32Array(plan.layers[tokens[outTok]!.layer]!.out);
      }
      last = cycle;
    }
    if (offer && o.s_ready) {
      if (inIdx === 0) starts.push(cycle);
      if (++inIdx === plan.layers[tin.layer]!.n) {
        inIdx = 0;
        inTok++;
      }
      last = cycle;
    }
    cycle++;
    if (cycle - last > (opts.maxIdle ?? 2_000_000)) throw new Error(`engine sim: no progress for ${cycle - last} cycles`);
  }
  return { cycles: cycle, tokens: log, outputs, actions: sim.actions(), issueCycles: sim.issueCycles, cError: sim.cError };
}
