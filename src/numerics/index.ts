/**
 * THE numerics specification of bitnet-hw. The reference model, the cycle-level simulator and the
 * RTL generator all import these definitions; nothing else may define rounding, widths or scales.
 *
 * Two numerics exist:
 *
 * `float` reproduces the PyTorch/Hugging Face semantics of a BitNet checkpoint:
 *   s = fp32(N / fp32(max(absmax, eps)));  q = clamp(round_half_even(fp32(x * s)), -2^(b-1), 2^(b-1)-1)
 *   y = (T . q) / s * ws   (or / ws for the `divide` convention), evaluated in float64, stored fp32.
 *
 * `hw` is the accelerator's numerics, bit-exact and integer-only up to one final IEEE rounding:
 *   1. Block-float alignment. amax = max(max_i |x_i|, eps) over the quantization group (fp32,
 *      exact). e = floor(log2(amax)). X_i = RNE(x_i * 2^(M-e)), A = RNE(amax * 2^(M-e)), with
 *      M = HW_ALIGN_BITS = 15, so A in [2^15, 2^16] and |X_i| <= A (18-bit signed words).
 *   2. Reciprocal. R = floor(N * 2^K / A) with K = HW_RECIP_SHIFT = 32 (R < 2^25, one divide per
 *      token and group).
 *   3. Quantize. q_i = clamp(round(X_i * R / 2^K), -2^(b-1), 2^(b-1)-1), `round` being the IR's
 *      rounding rule (half-even or half-away) applied to the exact quotient.
 *   4. Accumulate. acc = sum_j T_j q_j exactly, in a two's-complement register of
 *      `accumulatorBits(n)` bits, which provably holds the worst case +-2^(b-1) * n.
 *   5. Dequantize. Per (token, activation group, weight group) one f32 constant
 *      c = RNE_f32( A * 2^(e-M) / N * ws )   (or / ws for `divide`), rounded once, exactly.
 *      Then y_g = RNE_f32(acc * c): exact because |acc| < 2^29 and c has 24 significant bits.
 *      With several activation groups, y = ((y_0 + y_1) + y_2) + ... in f32, in group order.
 *
 * N is the scale numerator: 2^(b-1)-1 (`qmax`, released checkpoints) or 2^(b-1) (`pow2`, the
 * paper's Qb). Non-finite activations are rejected (NUM001); they cannot reach the engine.
 */
import type { ActQuantIR, QuantScaleNumerator, RoundingRule, ScaleConvention } from '../ir/types.js';
import { fail } from '../util/diagnostics.js';
import { floorLog2, roundHalfAway, roundHalfEven, roundRationalToF32, toDyadic } from '../util/float.js';

export type Numerics = 'float' | 'hw';

/** M: fraction bits of the block-float alignment (A has M+1 significant bits). */
export const HW_ALIGN_BITS = 15;
/** K: fraction bits of the quantizer reciprocal R. */
export const HW_RECIP_SHIFT = 32;
/** |acc| must stay below 2^HW_ACC_EXACT_BITS so that acc * c is exact in binary64. */
export const HW_ACC_EXACT_BITS = 29;

export function qRange(bits: number): { qmin: number; qmax: number } {
  return { qmin: -(2 ** (bits - 1)), qmax: 2 ** (bits - 1) - 1 };
}

export function scaleNumerator(bits: number, kind: QuantScaleNumerator): number {
  return kind === 'qmax' ? 2 ** (bits - 1) - 1 : 2 ** (bits - 1);
}

export function roundBy(rule: RoundingRule, x: number): number {
  return rule === 'half-even' ? roundHalfEven(x) : roundHalfAway(x);
}

/** Minimal two's-complement width holding every sum of n products of a weight in {-1,0,+1} and q. */
export function accumulatorBits(n: number, bits = 8): number {
  const worst = 2 ** (bits - 1) * n; // |q| <= 2^(b-1), |w| <= 1
  let w = 1;
  while (2 ** (w - 1) - 1 < worst) w++;
  return w;
}

/** Largest input length the hw dequantizer handles exactly (|acc| < 2^29). */
export function maxExactInputs(bits = 8): number {
  return Math.floor((2 ** HW_ACC_EXACT_BITS - 1) / 2 ** (bits - 1));
}

/** Column range [lo, hi) of activation group g for an input of length n split into G groups. */
export function groupRange(n: number, groups: number, g: number): [number, number] {
  const size = n / groups;
  return [g * size, (g + 1) * size];
}

export function actGroups(aq: ActQuantIR): number {
  return aq.granularity === 'per-group' ? aq.groups : 1;
}

/** Quantized activations of a [T, n] matrix: int8 codes plus per-(row, group) scale data. */
export interface QuantizedActs {
  readonly rows: number;
  readonly n: number;
  readonly groups: number;
  readonly q: Int8Array;
  /** float numerics: s per (row, group); hw: unused (length 0). */
  readonly s: Float64Array;
  /** hw numerics: A and e per (row, group); float: unused (length 0). */
  readonly A: Int32Array;
  readonly e: Int32Array;
}

function checkFinite(x: Float32Array, where: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      fail('NUM001', where, `activation ${i} is ${x[i]}`, 'the model produced a non-finite value before a BitLinear; check norms and weights', 'finite activations');
    }
  }
}

/** absmax per (row, group), or over everything for per-tensor granularity. */
function absmaxTable(x: Float32Array, rows: number, n: number, aq: ActQuantIR): Float64Array {
  const G = actGroups(aq);
  const out = new Float64Array(rows * G);
  for (let t = 0; t < rows; t++) {
    for (let g = 0; g < G; g++) {
      const [lo, hi] = groupRange(n, G, g);
      let m = 0;
      const base = t * n;
      for (let j = lo; j < hi; j++) {
        const a = Math.abs(x[base + j]!);
        if (a > m) m = a;
      }
      out[t * G + g] = m;
    }
  }
  if (aq.granularity === 'per-tensor') {
    let m = 0;
    for (const v of out) if (v > m) m = v;
    out.fill(m);
  }
  return out;
}

/** What both quantizers start from: finite inputs, group count, numerator, range, eps, absmax. */
function quantSetup(x: Float32Array, rows: number, n: number, aq: ActQuantIR, where: string) {
  checkFinite(x, where);
  const { qmin, qmax } = qRange(aq.bits);
  return {
    G: actGroups(aq),
    N: scaleNumerator(aq.bits, aq.scaleNumerator),
    qmin,
    qmax,
    eps: Math.fround(aq.epsilon),
    amax: absmaxTable(x, rows, n, aq),
  };
}

/** `float` numerics quantizer, PyTorch semantics (fp32 scale, fp32 product, round, clamp). */
export function quantizeFloat(x: Float32Array, rows: number, n: number, aq: ActQuantIR, where: string): QuantizedActs {
  const { G, N, qmin, qmax, eps, amax } = quantSetup(x, rows, n, aq, where);
  const s = new Float64Array(rows * G);
  const q = new Int8Array(rows * n);
  for (let t = 0; t < rows; t++) {
    for (let g = 0; g < G; g++) {
      const sc = Math.fround(N / Math.fround(Math.max(amax[t * G + g]!, eps)));
      s[t * G + g] = sc;
      const [lo, hi] = groupRange(n, G, g);
      for (let j = t * n + lo; j < t * n + hi; j++) {
        const r = roundBy(aq.rounding, Math.fround(x[j]! * sc));
        q[j] = r < qmin ? qmin : r > qmax ? qmax : r;
      }
    }
  }
  return { rows, n, groups: G, q, s, A: new Int32Array(0), e: new Int32Array(0) };
}

/** `hw` numerics quantizer: block-float alignment, integer reciprocal, integer rounding. */
export function quantizeHw(x: Float32Array, rows: number, n: number, aq: ActQuantIR, where: string): QuantizedActs {
  const { G, N, qmin, qmax, eps, amax } = quantSetup(x, rows, n, aq, where);
  const A = new Int32Array(rows * G);
  const E = new Int32Array(rows * G);
  const q = new Int8Array(rows * n);
  const K = 2 ** HW_RECIP_SHIFT;
  for (let t = 0; t < rows; t++) {
    for (let g = 0; g < G; g++) {
      const m = Math.max(amax[t * G + g]!, eps);
      const e = floorLog2(m);
      const align = 2 ** (HW_ALIGN_BITS - e);
      const a = roundHalfEven(m * align);
      A[t * G + g] = a;
      E[t * G + g] = e;
      const R = Math.floor((N * K) / a); // exact: N*K < 2^40 and a < 2^17
      const [lo, hi] = groupRange(n, G, g);
      for (let j = t * n + lo; j < t * n + hi; j++) {
        const X = roundHalfEven(x[j]! * align);
        const r = roundBy(aq.rounding, (X * R) / K); // X*R < 2^42: exact; /2^K exact
        q[j] = r < qmin ? qmin : r > qmax ? qmax : r;
      }
    }
  }
  return { rows, n, groups: G, q, s: new Float64Array(0), A, e: E };
}

export function quantize(numerics: Numerics, x: Float32Array, rows: number, n: number, aq: ActQuantIR, where: string): QuantizedActs {
  return numerics === 'float' ? quantizeFloat(x, rows, n, aq, where) : quantizeHw(x, rows, n, aq, where);
}

/**
 * hw dequantization constant c = RNE_f32(A * 2^(e-M) / N * ws) (or / ws), computed exactly.
 * `ws` is the f32 weight scale of the output row's weight group.
 */
export function hwDequantConstant(A: number, e: number, N: number, ws: number, convention: ScaleConvention): number {
  if (A === 0 || ws === 0) return 0;
  const w = toDyadic(ws);
  const exp = e - HW_ALIGN_BITS;
  if (convention === 'multiply') {
    return roundRationalToF32(BigInt(A) * w.m, BigInt(N), exp + w.e);
  }
  // A*2^exp / (N * wm * 2^we)
  const neg = w.m < 0n;
  const num = neg ? -BigInt(A) : BigInt(A);
  const den = BigInt(N) * (neg ? -w.m : w.m);
  return roundRationalToF32(num, den, exp - w.e);
}

/** hw dequantized output of one accumulator: exact product, one rounding to f32. */
export function hwDequant(acc: number, c: number): number {
  return Math.fround(acc * c);
}

/** float numerics output of one accumulator. */
export function floatDequant(acc: number, s: number, ws: number, convention: ScaleConvention): number {
  return convention === 'multiply' ? (acc / s) * ws : acc / s / ws;
}
