/**
 * Functional mode: a whole forward pass in which every BitLinear runs on the cycle-level engine
 * model (values and cycles), everything else on the reference's high-precision operators. The
 * logits are compared bit for bit with the hw-numerics reference.
 */
import type { ArchSpec } from '../ir/arch.js';
import { planEngine, weightImage } from '../ir/engine-plan.js';
import type { Model } from '../ir/types.js';
import { createKvCache, forward } from '../ref/model.js';
import { runStream } from './stream.js';

export interface FunctionalResult {
  readonly tokens: readonly number[];
  readonly logitsEqualReference: boolean;
  readonly maxAbsDiff: number;
  readonly engineCycles: number;
  readonly bitlinearCalls: number;
}

export function simulateFunctional(model: Model, arch: ArchSpec, tokens: readonly number[]): FunctionalResult {
  const plan = planEngine(model, arch);
  const ids = new Map(plan.layers.map((l, i) => [l.name, i]));
  // The engine model computes values itself from the weight memory image (never the reference).
  const values = { weights: weightImage(model, plan) };
  let engineCycles = 0;
  let calls = 0;
  const logits = forward(model, tokens, createKvCache(model, tokens.length), {
    numerics: 'hw',
    logits: 'all',
    bitlinear: (bl, x, rows) => {
      const id = ids.get(bl.name)!;
      const toks = Array.from({ length: rows }, (_, r) => ({ layer: id, x: new Uint32Array(x.buffer, x.byteOffset + 4 * r * bl.inFeatures, bl.inFeatures) }));
      const res = runStream(plan, toks, { seed: 1, inStall: 0, outStall: 0, values });
      engineCycles += res.cycles;
      calls++;
      const y = new Float32Array(rows * bl.outFeatures);
      res.outputs.forEach((o, r) => y.set(new Float32Array(o.buffer, o.byteOffset, o.length), r * bl.outFeatures));
      return y;
    },
  });
  const ref = forward(model, tokens, createKvCache(model, tokens.length), { numerics: 'hw', logits: 'all' });
  let maxAbsDiff = 0;
  let equal = true;
  for (let i = 0; i < ref.length; i++) {
    if (!Object.is(ref[i], logits[i])) equal = false;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ref[i]! - logits[i]!));
  }
  return { tokens: [...tokens], logitsEqualReference: equal, maxAbsDiff, engineCycles, bitlinearCalls: calls };
}
