/**
 * The parameter memory's contents for a compiled program: every parameter segment's fp32 words at
 * its base (a model tensor's values, or a scalar constant). The simulator reads it and the
 * whole-model generator writes it as the parameter ROM's images, so the two hold the same words.
 *
 * Needs: a model and a program compiled from its IR. Guarantees: `program.paramWords` words.
 */
import type { Program } from './program.js';
import type { Model } from './types.js';
import { getF32 } from '../ref/tensors.js';

export function paramMemory(model: Model, p: Program): Float32Array {
  const par = new Float32Array(p.paramWords);
  for (const a of p.params) {
    if ('tensor' in a.source) {
      const t = model.tensors.get(a.source.tensor);
      if (!t) throw new Error(`paramMemory: parameter ${a.name} names a missing tensor ${a.source.tensor}`);
      par.set(getF32(model.tensors, { kind: 'tensor', name: a.source.tensor, dtype: t.dtype, shape: t.shape }).subarray(0, a.words), a.base);
    } else par[a.base] = a.source.value;
  }
  return par;
}
