/**
 * Exact timing of engine segments: BitLinears streamed back to back through the cycle-level
 * engine model (src/sim/engine.ts, cycle-exact with the RTL), memoized per shape and token count;
 * long token streams are extended by the exactly periodic steady state (checked, else simulated
 * in full).
 */
import type { ArchSpec, DramTiming } from '../ir/arch.js';
import { planFromShapes, type PlanGeometry } from '../ir/engine-plan.js';
import type { ActionCount } from './engine.js';
import { runStream } from './stream.js';

export interface SegmentTiming {
  readonly cycles: number;
  /** MAC-array issue cycles (busy) within the segment. */
  readonly issueCycles: number;
  readonly weightBits: number;
  readonly actions: readonly ActionCount[];
  /** Last output beat of each streamed token, in stream order (short segments only). */
  readonly ends: readonly number[];
  /** Last output beat of each shape's last token: when that BitLinear's block is complete. */
  readonly layerEnds: readonly number[];
}

/**
 * Engine segment: `shapes` streamed one after another, each for `tokens` tokens, layer-major
 * (all tokens of shapes[0], then shapes[1], ...), with no stalls.
 */
export class EngineTimer {
  private readonly memo = new Map<string, SegmentTiming>();
  /**
   * `geometry`: of the whole design the segments belong to (memory latencies depend on it);
   * `dram`: the DRAM port's timing, for an engine whose weights stream from DRAM (each segment
   * starts with the memory idle, as it is on the chip: a segment takes every word it asked for).
   */
  constructor(
    private readonly arch: ArchSpec,
    private readonly geometry?: PlanGeometry,
    private readonly dram?: DramTiming,
  ) {
    if (arch.weightMemory === 'dram' && !dram) throw new Error('EngineTimer: an engine with weights in DRAM needs the DRAM timing');
  }

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
      const linear = shapes.every((_, j) => b.layerEnds[j]! - a.layerEnds[j]! === a.layerEnds[j]! - c.layerEnds[j]!);
      if (linear && b.cycles - a.cycles === a.cycles - c.cycles) {
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
          ends: [],
          layerEnds: b.layerEnds.map((e, j) => e + (e - a.layerEnds[j]!) * (tokens - 6)),
        };
      } else r = this.simulate(shapes, tokens);
    }
    this.memo.set(key, r);
    return r;
  }

  private simulate(shapes: readonly { n: number; out: number }[], tokens: number): SegmentTiming {
    const plan = planFromShapes(shapes.map((s, i) => ({ name: `s${i}`, n: s.n, out: s.out })), this.arch, this.geometry);
    const toks = shapes.flatMap((s, li) => Array.from({ length: tokens }, () => ({ layer: li, x: new Uint32Array(s.n) })));
    const res = runStream(plan, toks, { seed: 1, inStall: 0, outStall: 0, ...(this.dram ? { dram: this.dram } : {}) });
    const wmem = res.actions.find((a) => a.component === 'wmem' && a.action === 'read');
    return {
      cycles: res.cycles,
      issueCycles: res.issueCycles,
      weightBits: (wmem?.count ?? 0) * (wmem?.bits ?? 0),
      actions: res.actions,
      ends: res.tokens.map((t) => t[2]),
      layerEnds: shapes.map((_, j) => res.tokens[(j + 1) * tokens - 1]![2]),
    };
  }
}

