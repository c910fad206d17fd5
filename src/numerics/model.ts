/**
 * The hardware numerics of every operation outside the BitLinears (embedding, norms, RoPE,
 * attention, softmax, residuals, FFN non-linearities, the head, argmax), defined once. The
 * reference (`--numerics hw`), the simulator's unit models and the whole-model RTL all follow
 * these definitions bit for bit.
 *
 * Representation: IEEE binary32 with every primitive exactly rounded (round to nearest even) and
 * a fixed evaluation and summation order, sequential in index order (`f` below is one rounding).
 * Why: the released BitNet checkpoints were trained with float non-linearities, so a float law
 * needs no retraining and stays within a few ulp of PyTorch's fp32; fp32 add, multiply, divide
 * and square root are exactly rounded in TypeScript (Math.fround of the binary64 result is
 * correctly rounded for +, -, *, / and sqrt: 53 >= 2 * 24 + 2), so the law is cheap to state and
 * check, and the hardware needs one pipelined fp32 adder and multiplier plus iterative divide and
 * square-root units (no wide fixed-point accumulators whose width grows with the context).
 *
 * Methods (and their cost estimates on ECP5, LUT4 / DSP / EBR, and error against float64):
 *   add, mul        pipelined fp32 adder (~400 LUT4) and multiplier (~120 LUT4, 4 DSP); exact.
 *   div, sqrt       digit-recurrence, one quotient/root bit per cycle (~150 LUT4 each); exact.
 *   exp (x <= 0)    range reduction t = x * log2(e), k = floor(t + 1/2), r = t - k in [-1/2, 1/2),
 *                   2^r by a degree-6 polynomial (Cephes exp2f coefficients) in fp32 Horner form,
 *                   then scaled by 2^k (results below 2^-126 flush to zero); no table; <= 2 ulp.
 *   rsqrt           1 / sqrt(v): an exactly rounded sqrt, then an exactly rounded divide; <= 1 ulp.
 *   RoPE            cos/sin tables per position and frequency (fp32, computed as the reference
 *                   computes them), held in block RAM (ctx * head_dim/2 * 2 words).
 *   erf (GeLU)      Abramowitz-Stegun 7.1.26 with the hardware exp; |error| < 1.5e-7 + rounding.
 *   sums            every sum (dot products, norms' sums, the softmax denominator, value sums,
 *                   the head) in one fixed order: four interleaved fp32 partial sums (element i
 *                   into partial i mod 4, in index order), combined as (p0 + p1) + (p2 + p3).
 *                   Four partials hide a 4-cycle pipelined adder, so one adder takes an element
 *                   per cycle; worst-case error grows like (n/4) * 2^-24 relative.
 * KV cache: K (after RoPE) and V stored as fp32, bf16 or fp16 (RNE), read back exactly.
 */
import { assertNever } from '../util/diagnostics.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../util/float.js';

const f = Math.fround;

/** The 2^r polynomial for r in [-1/2, 1/2]: 2^r = 1 + r * P(r) (Cephes exp2f), as fp32 constants. */
export const EXP2_COEFFS: readonly number[] = [1.535336188319500e-4, 1.339887440266574e-3, 9.618437357674640e-3, 5.550332471162809e-2, 2.402264791363012e-1, 6.931472028550421e-1].map(f);
export const LOG2E_F32 = f(Math.LOG2E);

/** The hardware's exp for x <= 0 (softmax after the max subtraction, the gates' negative side). */
export function expHw(x: number): number {
  if (!(x <= 0)) throw new Error(`expHw: argument ${x} is not <= 0`);
  if (x < -104) return 0;
  const t = f(x * LOG2E_F32);
  const k = Math.floor(t + 0.5);
  const r = f(t - k); // exact: |r| <= 1/2 and t has at most 24 significant bits
  let p = EXP2_COEFFS[0]!;
  for (let i = 1; i < EXP2_COEFFS.length; i++) p = f(f(p * r) + EXP2_COEFFS[i]!);
  const m = f(1 + f(r * p)); // 2^r in [0.7071, 1.4143]
  if (k < -126) return 0;
  return f(m * 2 ** k); // exact scaling: m * 2^k stays normal for k >= -126
}

/** Partial sums of the fixed summation order. */
export const SUM_PARTIALS = 4;

/** sum over i < n of term(i), four interleaved fp32 partial sums combined as (p0 + p1) + (p2 + p3). */
export function sumF32(n: number, term: (i: number) => number): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    p0 = f(p0 + term(i));
    p1 = f(p1 + term(i + 1));
    p2 = f(p2 + term(i + 2));
    p3 = f(p3 + term(i + 3));
  }
  if (i < n) p0 = f(p0 + term(i));
  if (i + 1 < n) p1 = f(p1 + term(i + 1));
  if (i + 2 < n) p2 = f(p2 + term(i + 2));
  return f(f(p0 + p1) + f(p2 + p3));
}

/** fp32 dot product of a[ao..ao+n) and b[bo..bo+n), each product rounded, in the fixed order. */
export function dotF32(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  return sumF32(n, (i) => f(a[ao + i]! * b[bo + i]!));
}

/** RMSNorm of x[xo..xo+n) into y[yo..]: ss sequential, mean = ss / n, r = 1 / sqrt(mean + eps). */
export function rmsNormHw(x: Float32Array, xo: number, n: number, w: Float32Array, eps: number, y: Float32Array, yo: number, bias: Float32Array | null = null): void {
  const ss = sumF32(n, (j) => f(x[xo + j]! * x[xo + j]!));
  const mean = f(ss / n);
  const r = f(1 / f(Math.sqrt(f(mean + f(eps)))));
  for (let j = 0; j < n; j++) {
    let v = f(f(x[xo + j]! * r) * w[j]!);
    if (bias) v = f(v + bias[j]!);
    y[yo + j] = v;
  }
}

/** LayerNorm: mean and variance by sequential fp32 sums, then (x - mean) * r * w + b. */
export function layerNormHw(x: Float32Array, xo: number, n: number, w: Float32Array, eps: number, y: Float32Array, yo: number, bias: Float32Array | null = null): void {
  const mean = f(sumF32(n, (j) => x[xo + j]!) / n);
  const vs = sumF32(n, (j) => {
    const d = f(x[xo + j]! - mean);
    return f(d * d);
  });
  const r = f(1 / f(Math.sqrt(f(f(vs / n) + f(eps)))));
  for (let j = 0; j < n; j++) {
    let v = f(f(f(x[xo + j]! - mean) * r) * w[j]!);
    if (bias) v = f(v + bias[j]!);
    y[yo + j] = v;
  }
}

/** RoPE frequencies and the per-position tables, exactly as the reference computes them. */
export function ropeInvFreq(theta: number, headDim: number): Float32Array {
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = f(1 / f(theta ** f((2 * i) / headDim)));
  return inv;
}

/** cos/sin of position `pos` for every frequency (the table rows the hardware reads). */
export function ropeRow(invFreq: Float32Array, pos: number, cos: Float32Array, sin: Float32Array): void {
  for (let i = 0; i < invFreq.length; i++) {
    const ang = f(pos * invFreq[i]!);
    cos[i] = Math.cos(ang);
    sin[i] = Math.sin(ang);
  }
}

/** Rotate-half RoPE of `count` heads at v[off..], every product and sum rounded. */
export function ropeHw(v: Float32Array, off: number, count: number, headDim: number, cos: Float32Array, sin: Float32Array): void {
  const half = headDim / 2;
  for (let h = 0; h < count; h++) {
    const b = off + h * headDim;
    for (let i = 0; i < half; i++) {
      const x1 = v[b + i]!;
      const x2 = v[b + i + half]!;
      v[b + i] = f(f(x1 * cos[i]!) - f(x2 * sin[i]!));
      v[b + i + half] = f(f(x2 * cos[i]!) + f(x1 * sin[i]!));
    }
  }
}

export type KvFormat = 'fp32' | 'bf16' | 'fp16';

/** Round to the KV cache's storage format and back (exact widening). */
export function kvStore(format: KvFormat, x: number): number {
  switch (format) {
    case 'fp32':
      return f(x);
    case 'bf16':
      return bf16ToF32(f32ToBf16(x));
    case 'fp16':
      return f16ToF32(f32ToF16(x));
    default:
      return assertNever(format, 'KV format');
  }
}

/**
 * One head's attention for one query: scores s_j = (q . k_j) * scale (fp32 dot, then one
 * product), m = max s_j, e_j = expHw(s_j - m), den = sum e_j, out_d = (sum_j e_j * v_jd) * (1 / den),
 * every sum in the fixed order of sumF32.
 * `k`/`v` hold rows of `stride` values, this head's at `ho`; positions 0..len-1.
 */
export function attendHw(q: Float32Array, qo: number, k: Float32Array, v: Float32Array, stride: number, ho: number, len: number, hd: number, scale: number, scores: Float32Array, out: Float32Array, oo: number): void {
  let m = -Infinity;
  for (let j = 0; j < len; j++) {
    const s = f(dotF32(q, qo, k, j * stride + ho, hd) * scale);
    scores[j] = s;
    if (s > m) m = s;
  }
  for (let j = 0; j < len; j++) scores[j] = expHw(f(scores[j]! - m));
  const den = sumF32(len, (j) => scores[j]!);
  const inv = f(1 / den);
  for (let d = 0; d < hd; d++) out[oo + d] = f(sumF32(len, (j) => f(scores[j]! * v[j * stride + ho + d]!)) * inv);
}

/** The attention scale 1/sqrt(head_dim) as one fp32 constant (an exact divide of an exact sqrt). */
export function attentionScale(headDim: number): number {
  return f(1 / f(Math.sqrt(headDim)));
}

/** erf by Abramowitz-Stegun 7.1.26 with the hardware exp (every step one fp32 rounding). */
export function erfHw(x: number): number {
  const z = Math.abs(x);
  const t = f(1 / f(1 + f(0.3275911 * z)));
  const a = [f(1.061405429), f(-1.453152027), f(1.421413741), f(-0.284496736), f(0.254829592)];
  let p = a[0]!;
  for (let i = 1; i < a.length; i++) p = f(f(p * t) + a[i]!);
  p = f(p * t);
  const y = f(1 - f(p * expHw(f(-f(z * z)))));
  return x < 0 ? -y : y;
}

/** sigmoid with the hardware exp, on the side where its argument is <= 0. */
export function sigmoidHw(g: number): number {
  if (g >= 0) return f(1 / f(1 + expHw(f(-g))));
  const e = expHw(g);
  return f(e / f(1 + e));
}

export type FfnKind = 'relu2-gated' | 'swiglu' | 'gelu';

/** The FFN non-linearity: m = act(gate) * up (gated) or gelu(up). */
export function ffnActHw(kind: FfnKind, gate: Float32Array | null, up: Float32Array, out: Float32Array): Float32Array {
  switch (kind) {
    case 'relu2-gated':
      for (let i = 0; i < up.length; i++) {
        const g = gate![i]! > 0 ? gate![i]! : 0;
        out[i] = f(f(g * g) * up[i]!);
      }
      return out;
    case 'swiglu':
      for (let i = 0; i < up.length; i++) {
        const g = gate![i]!;
        out[i] = f(f(g * sigmoidHw(g)) * up[i]!);
      }
      return out;
    case 'gelu':
      for (let i = 0; i < up.length; i++) {
        const u = up[i]!;
        out[i] = f(f(f(0.5 * u)) * f(1 + erfHw(f(u * f(Math.SQRT1_2)))));
      }
      return out;
    default:
      return assertNever(kind, 'ffn activation');
  }
}
