/**
 * Functional mode: the accelerator program executed by the machine with values (every unit
 * computes its results itself in the hw numerics, the engine from its weight memory image), the
 * logits of every position then compared bit for bit with the reference's `--numerics hw`.
 *
 * Needs: a model with weights and an architecture for its weight kind. Guarantees: the reference
 * is only called after the machine has run, to check it; cycles are the machine's own.
 */
import type { ArchSpec } from '../ir/arch.js';
import type { Model } from '../ir/types.js';
import { allBitLinears } from '../ir/types.js';
import { createKvCache, forward } from '../ref/model.js';
import { createMachine } from './model.js';

export interface FunctionalResult {
  readonly tokens: readonly number[];
  readonly logitsEqualReference: boolean;
  /** First position whose logits differ (null: none). */
  readonly firstMismatch: { readonly position: number; readonly index: number; readonly got: number; readonly want: number } | null;
  readonly maxAbsDiff: number;
  /** The machine's cycles for the whole sequence, one token at a time. */
  readonly cycles: number;
  readonly bitlinearCalls: number;
  readonly argmax: readonly number[];
}

/** Run `tokens` through the machine, one program run per token; the logits of every position. */
export function machineLogits(model: Model, arch: ArchSpec, tokens: readonly number[], clockMHz = arch.clockMHz): { logits: Float32Array; cycles: number; argmax: number[] } {
  const m = createMachine(model.ir, arch, clockMHz, model);
  const V = model.ir.embedding.vocabSize;
  const logits = new Float32Array(tokens.length * V);
  const argmax: number[] = [];
  let cycles = 0;
  tokens.forEach((t, i) => {
    const r = m.token(t);
    logits.set(r.logits!, i * V);
    argmax.push(r.argmax);
    cycles += r.cycles;
  });
  return { logits, cycles, argmax };
}

export function simulateFunctional(model: Model, arch: ArchSpec, tokens: readonly number[]): FunctionalResult {
  const sim = machineLogits(model, arch, tokens);
  const ref = forward(model, tokens, createKvCache(model, tokens.length), { numerics: 'hw', logits: 'all' });
  const V = model.ir.embedding.vocabSize;
  let maxAbsDiff = 0;
  let first: FunctionalResult['firstMismatch'] = null;
  for (let i = 0; i < ref.length; i++) {
    if (!Object.is(ref[i], sim.logits[i]) && first === null) first = { position: Math.floor(i / V), index: i % V, got: sim.logits[i]!, want: ref[i]! };
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ref[i]! - sim.logits[i]!));
  }
  return {
    tokens: [...tokens],
    logitsEqualReference: first === null,
    firstMismatch: first,
    maxAbsDiff,
    cycles: sim.cycles,
    bitlinearCalls: tokens.length * allBitLinears(model.ir).length,
    argmax: sim.argmax,
  };
}
