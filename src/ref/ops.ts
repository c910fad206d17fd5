/**
 * The high-precision (non-BitLinear) operators of the reference: norms, RoPE, activations,
 * softmax attention. Intermediate sums are float64; every stored activation is rounded to f32,
 * matching a PyTorch fp32 model to within summation-order differences.
 */
import type { DenseLinearIR, FfnActivation, NormIR, RopeIR, TensorStore } from '../ir/types.js';
import { assertNever } from '../util/diagnostics.js';
import { getF32 } from './tensors.js';

/** A full-precision linear layer over `rows` rows: each output a float64 dot product rounded to f32. */
export function applyDense(d: DenseLinearIR, tensors: TensorStore, x: Float32Array, rows: number): Float32Array {
  const w = getF32(tensors, d.weight);
  const b = d.bias ? getF32(tensors, d.bias) : null;
  const n = d.inFeatures;
  const out = new Float32Array(rows * d.outFeatures);
  for (let t = 0; t < rows; t++) {
    const xo = t * n;
    for (let r = 0; r < d.outFeatures; r++) {
      const wo = r * n;
      let acc = b ? b[r]! : 0;
      for (let c = 0; c < n; c++) acc += w[wo + c]! * x[xo + c]!;
      out[t * d.outFeatures + r] = acc;
    }
  }
  return out;
}

/** Normalize each of `rows` rows of x in place into `out`. */
export function applyNorm(norm: NormIR, tensors: TensorStore, x: Float32Array, rows: number, out: Float32Array): Float32Array {
  const n = norm.dim;
  const w = getF32(tensors, norm.weight);
  const b = norm.bias ? getF32(tensors, norm.bias) : null;
  for (let t = 0; t < rows; t++) {
    const base = t * n;
    switch (norm.type) {
      case 'rmsnorm': {
        let ss = 0;
        for (let j = 0; j < n; j++) ss += x[base + j]! * x[base + j]!;
        const r = Math.fround(1 / Math.sqrt(Math.fround(ss / n) + norm.eps));
        for (let j = 0; j < n; j++) {
          let v = Math.fround(Math.fround(x[base + j]! * r) * w[j]!);
          if (b) v += b[j]!;
          out[base + j] = v;
        }
        break;
      }
      case 'layernorm': {
        let mean = 0;
        for (let j = 0; j < n; j++) mean += x[base + j]!;
        mean /= n;
        let vs = 0;
        for (let j = 0; j < n; j++) {
          const d = x[base + j]! - mean;
          vs += d * d;
        }
        const r = 1 / Math.sqrt(vs / n + norm.eps);
        for (let j = 0; j < n; j++) {
          let v = (x[base + j]! - mean) * r * w[j]!;
          if (b) v += b[j]!;
          out[base + j] = v;
        }
        break;
      }
      default:
        assertNever(norm.type, 'norm type');
    }
  }
  return out;
}

/** Per-position cos/sin tables, computed in fp32 as Hugging Face's rotary embedding does. */
export function ropeTables(rope: RopeIR, headDim: number, position: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(half);
  const sin = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const invFreq = Math.fround(1 / Math.fround(rope.theta ** Math.fround((2 * i) / headDim)));
    const ang = Math.fround(position * invFreq);
    cos[i] = Math.cos(ang);
    sin[i] = Math.sin(ang);
  }
  return { cos, sin };
}

/** Rotate-half RoPE applied in place to `count` consecutive heads starting at `off`. */
export function applyRope(v: Float32Array, off: number, count: number, headDim: number, cos: Float32Array, sin: Float32Array): void {
  const half = headDim / 2;
  for (let h = 0; h < count; h++) {
    const b = off + h * headDim;
    for (let i = 0; i < half; i++) {
      const x1 = v[b + i]!;
      const x2 = v[b + i + half]!;
      v[b + i] = x1 * cos[i]! - x2 * sin[i]!;
      v[b + i + half] = x2 * cos[i]! + x1 * sin[i]!;
    }
  }
}

/** erf with |error| < 1.2e-7 (Numerical Recipes erfc, Chebyshev fit): below f32 resolution. */
function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** Elementwise FFN non-linearity: m = act(gate) * up for gated kinds, act(up) for gelu. */
export function ffnActivation(kind: FfnActivation, gate: Float32Array | null, up: Float32Array, out: Float32Array): Float32Array {
  switch (kind) {
    case 'relu2-gated':
      for (let i = 0; i < up.length; i++) {
        const g = Math.max(gate![i]!, 0);
        out[i] = Math.fround(g * g) * up[i]!;
      }
      return out;
    case 'swiglu':
      for (let i = 0; i < up.length; i++) {
        const g = gate![i]!;
        out[i] = Math.fround(g / (1 + Math.exp(-g))) * up[i]!;
      }
      return out;
    case 'gelu':
      for (let i = 0; i < up.length; i++) {
        const u = up[i]!;
        out[i] = 0.5 * u * (1 + erf(u / Math.SQRT2));
      }
      return out;
    default:
      return assertNever(kind, 'ffn activation');
  }
}
