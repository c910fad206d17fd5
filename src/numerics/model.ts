/**
 * The hardware numerics of every operation outside the BitLinears (embedding, norms, RoPE,
 * attention, softmax, residuals, FFN non-linearities, the head, argmax), defined once. The
 * reference (`--numerics hw`), the simulator's unit models and the whole-model RTL all follow
 * these definitions bit for bit.
 *
 * Representation: IEEE binary32 with every primitive exactly rounded (round to nearest even) and
 * a fixed evaluation and summation order (`sums` below; `f` is one rounding).
 * Why: the released BitNet checkpoints were trained with float non-linearities, so a float law
 * needs no retraining and stays within a few ulp of PyTorch's fp32; fp32 add, multiply, divide
 * and square root are exactly rounded in TypeScript (Math.fround of the binary64 result is
 * correctly rounded for +, -, *, / and sqrt: 53 >= 2 * 24 + 2), so the law is cheap to state and
 * check, and the hardware needs one pipelined fp32 adder and multiplier plus iterative divide and
 * square-root units (no wide fixed-point accumulators whose width grows with the context).
 *
 * Methods (and their cost estimates on ECP5, LUT4 / DSP / EBR, and error against float64):
 *   add, mul        pipelined fp32 adder and multiplier (4 DSP); exact.
 *   div, sqrt       digit-recurrence, 1 to 4 quotient/root bits per cycle; exact.
 *                   (Estimated at first ~400, ~120 and ~150 LUT4; the generated units,
 *                   src/codegen/fpu.ts, take 390-1,100 LUT4 each: scripts/fpu-impl.ts.)
 *   exp (x <= 0)    k = floor(x * log2(e) + 1/2), Cody-Waite reduction r = (x - k * ln2_hi) -
 *                   k * ln2_lo in [-ln2/2, ln2/2], e^r = 1 + r + r^2 * P(r) with the degree-5
 *                   Cephes expf polynomial in fp32 Horner form, then scaled by 2^k (results below
 *                   2^-126 flush to zero: the hardware keeps no subnormals); no table; < 1 ulp
 *                   (worst 0.95 ulp over 200k arguments, tests/numerics/model.test.ts).
 *                   In hardware a pipeline of these very roundings (src/ir/exp-pipeline.ts):
 *                   10 multipliers and 9 adders, 13,246 LUT4 and 40 DSP on the default
 *                   contracts (scripts/fpu-impl.ts), one argument per cycle.
 *   rsqrt           1 / sqrt(v): an exactly rounded sqrt, then an exactly rounded divide; <= 1 ulp.
 *   RoPE            cos/sin tables per position and frequency (fp32, computed as the reference
 *                   computes them), held in block RAM (ctx * head_dim/2 * 2 words).
 *   erf (GeLU)      Abramowitz-Stegun 7.1.26 with the hardware exp; |error| < 1.5e-7 + rounding.
 *   sums            every sum (dot products, norms' sums, the softmax denominator, value sums,
 *                   the head) in one fixed order: four interleaved fp32 partial sums (element i
 *                   into partial i mod 4, in index order), combined as (p0 + p1) + (p2 + p3).
 *                   Four partials hide a 4-cycle pipelined adder, so one adder takes an element
 *                   per cycle (the lanes bnhw_fsum / bnhw_fdot, src/codegen/fpu.ts; their
 *                   timing is src/ir/units.ts sumCycles); worst-case error grows like (n/4) *
 *                   2^-24 relative.
 * KV cache: K (after RoPE) and V stored as fp32, bf16 or fp16 (RNE), read back exactly.
 */
import { assertNever } from '../util/diagnostics.js';
import { bf16ToF32, bitsToF32, f16ToF32, f32Bits, f32ToBf16, f32ToF16 } from '../util/float.js';

const f = Math.fround;

/**
 * exp's constants as fp32: ln 2 split in two (Cody-Waite: LN2_HI has 9 significant bits, so
 * k * LN2_HI is exact for |k| < 2^15, and x - k * LN2_HI is exact by Sterbenz), and the Cephes
 * expf polynomial for e^r on [-ln2/2, ln2/2]: e^r = 1 + r + r^2 * P(r).
 */
export const EXP_LN2_HI = f(0.693359375);
export const EXP_LN2_LO = f(-2.12194440e-4);
export const EXP_COEFFS: readonly number[] = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(f);
export const LOG2E_F32 = f(Math.LOG2E);

/** The hardware's exp for x <= 0 (softmax after the max subtraction, the gates' negative side). */
export function expHw(x: number): number {
  if (!(x <= 0)) throw new Error(`expHw: argument ${x} is not <= 0`);
  if (x < -104) return 0;
  const k = Math.floor(f(x * LOG2E_F32) + 0.5); // the rounding of the product only picks k
  const r = f(f(x - f(k * EXP_LN2_HI)) - f(k * EXP_LN2_LO));
  let p = EXP_COEFFS[0]!;
  for (let i = 1; i < EXP_COEFFS.length; i++) p = f(f(p * r) + EXP_COEFFS[i]!);
  const m = f(f(f(p * f(r * r)) + r) + 1); // e^r in [0.7071, 1.4143]
  const y = m * 2 ** k; // exact in binary64
  return y < 2 ** -126 ? 0 : y; // a normal binary32 (m has 24 bits), or flushed to zero
}

/**
 * The fp32 primitives on bit patterns, as the whole-model accelerator's arithmetic units
 * (templates/verilog/bnhw_f*.v) compute them: IEEE binary32, round to nearest even, subnormal
 * operands and results kept, signed zeros as IEEE 754 defines them; every NaN result is the one
 * quiet NaN 0x7FC00000 (the hardware keeps no payloads). The law is the same `f` as everywhere
 * above; this is its bit-level face for the unit benches. `exp` is `expHw` (the special-function
 * unit's pipelined exp, built from the adder and multiplier: src/ir/exp-pipeline.ts), defined for
 * arguments <= 0 only (-0, +0 and -infinity included), as the law is.
 */
export const F32_QNAN = 0x7fc00000;
export type FpUnitOp = 'add' | 'mul' | 'div' | 'sqrt' | 'exp';
export const FP_UNIT_OPS: readonly FpUnitOp[] = ['add', 'mul', 'div', 'sqrt', 'exp'];

export function fpUnitBits(op: FpUnitOp, aBits: number, bBits = 0): number {
  const a = bitsToF32(aBits);
  const b = bitsToF32(bBits);
  let y: number;
  switch (op) {
    case 'add':
      y = f(a + b);
      break;
    case 'mul':
      y = f(a * b);
      break;
    case 'div':
      y = f(a / b);
      break;
    case 'sqrt':
      y = f(Math.sqrt(a));
      break;
    case 'exp':
      y = expHw(a);
      break;
    default:
      return assertNever(op, 'fp unit op');
  }
  return Number.isNaN(y) ? F32_QNAN : f32Bits(y);
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
  // sumF32's order, written out (a closure per element is the simulators' hot spot).
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    p0 = f(p0 + f(a[ao + i]! * b[bo + i]!));
    p1 = f(p1 + f(a[ao + i + 1]! * b[bo + i + 1]!));
    p2 = f(p2 + f(a[ao + i + 2]! * b[bo + i + 2]!));
    p3 = f(p3 + f(a[ao + i + 3]! * b[bo + i + 3]!));
  }
  if (i < n) p0 = f(p0 + f(a[ao + i]! * b[bo + i]!));
  if (i + 1 < n) p1 = f(p1 + f(a[ao + i + 1]! * b[bo + i + 1]!));
  if (i + 2 < n) p2 = f(p2 + f(a[ao + i + 2]! * b[bo + i + 2]!));
  return f(f(p0 + p1) + f(p2 + p3));
}

/** sum over j < n of w[j] * v[vo + j * stride] in sumF32's order (the value sums of attention). */
export function stridedDotF32(w: Float32Array, v: Float32Array, vo: number, stride: number, n: number): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    p0 = f(p0 + f(w[j]! * v[vo + j * stride]!));
    p1 = f(p1 + f(w[j + 1]! * v[vo + (j + 1) * stride]!));
    p2 = f(p2 + f(w[j + 2]! * v[vo + (j + 2) * stride]!));
    p3 = f(p3 + f(w[j + 3]! * v[vo + (j + 3) * stride]!));
  }
  if (j < n) p0 = f(p0 + f(w[j]! * v[vo + j * stride]!));
  if (j + 1 < n) p1 = f(p1 + f(w[j + 1]! * v[vo + (j + 1) * stride]!));
  if (j + 2 < n) p2 = f(p2 + f(w[j + 2]! * v[vo + (j + 2) * stride]!));
  return f(f(p0 + p1) + f(p2 + p3));
}

/** A norm's scale from its sum of squares: 1 / sqrt(ss / n + eps), every step one fp32 rounding (rsqrt). */
export function rsqrtHw(ss: number, n: number, eps: number): number {
  return f(1 / f(Math.sqrt(f(f(ss / n) + f(eps)))));
}

/** RMSNorm of x[xo..xo+n) into y[yo..]: ss sequential, mean = ss / n, r = 1 / sqrt(mean + eps). */
export function rmsNormHw(x: Float32Array, xo: number, n: number, w: Float32Array, eps: number, y: Float32Array, yo: number, bias: Float32Array | null = null): void {
  const ss = sumF32(n, (j) => f(x[xo + j]! * x[xo + j]!));
  const r = rsqrtHw(ss, n, eps);
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
  const r = rsqrtHw(vs, n, eps);
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
  for (let d = 0; d < hd; d++) out[oo + d] = f(stridedDotF32(scores, v, ho + d, stride, len) * inv);
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
