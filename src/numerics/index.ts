/**
 * THE numerics specification of bitnet-hw. The reference model, the cycle-level simulator and the
 * RTL generator all import these definitions; nothing else may define rounding, widths or scales.
 *
 * Two numerics exist. They share the activation quantizer and differ only in the output rounding.
 *
 * Quantizer (both), PyTorch/Hugging Face semantics bit for bit:
 *   amax = max(max_i |x_i|, eps)                 (fp32, exact)
 *   s    = RNE_f32(N / amax)                      (one correctly rounded fp32 division per token)
 *   q_i  = clamp(round(RNE_f32(x_i * s)), -2^(b-1), 2^(b-1)-1)   (fp32 product, then the IR's
 *          rounding rule: half to even, or half away from zero)
 * N is the scale numerator: 2^(b-1)-1 (`qmax`, released checkpoints) or 2^(b-1) (`pow2`, the paper's
 * Qb). The hardware computes s with an integer mantissa divider (`divideF32`) and each code with an
 * integer multiply and two roundings (`quantizeElementBits`); tests prove both equal the formula.
 *
 * Accumulation (both): acc = sum_j T_j q_j exactly, in `accumulatorBits(n)` bits (two's complement).
 *
 * `float` output: y = (acc / s) * ws (or / ws for the `divide` convention) in float64, stored fp32.
 *
 * `hw` output, bit-exact and integer up to one final rounding:
 *   W   = ws as a 32-bit mantissa (multiply: exactly ws; divide: floor of 1/ws to 32 bits), per
 *         weight group, fixed when the RTL is generated;
 *   C   = floor(W / s) to 32 significant bits, C in [2^31, 2^32), value C * 2^E (one integer
 *         division per token and weight group);
 *   y   = RNE_f32(acc * C * 2^E), the product exact (|acc| < 2^21 and C < 2^32: 53 bits).
 * Each output is within one unit in the last place of the exactly rounded acc / s * ws (C's
 * relative error is below 2^-30), and equal to it unless that value lies within 2^-30 of a
 * rounding midpoint. With several activation groups, y = ((y_0 + y_1) + y_2) + ... in f32.
 *
 * Non-finite activations are rejected (NUM001); they cannot reach the engine. Scales and eps are
 * range-checked by the engine plan so that s, C and every finite output stay normal binary32.
 */
import type { ActQuantIR, QuantScaleNumerator, RoundingRule, ScaleConvention } from '../ir/types.js';
import { fail } from '../util/diagnostics.js';
import { roundHalfAway, roundHalfEven } from '../util/float.js';

export type Numerics = 'float' | 'hw';

/** |acc| must stay below 2^HW_ACC_EXACT_BITS so that acc * C (C < 2^32) is exact in binary64. */
export const HW_ACC_EXACT_BITS = 21;
/** Significant bits of the weight factor W and of the dequantization constant C. */
export const HW_CONST_BITS = 32;

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

/** Largest input length the hw dequantizer handles exactly (|acc| < 2^21). */
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
  /** The fp32 scale s per (row, group). */
  readonly s: Float64Array;
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

/** What the quantizer starts from: finite inputs, group count, numerator, range, eps, absmax. */
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

/**
 * The activation quantizer of both numerics (PyTorch semantics: fp32 scale, fp32 product, round,
 * clamp). `Math.fround(N / amax)` is the correctly rounded fp32 quotient: the binary64 quotient
 * rounded again to binary32 is innocuous double rounding (53 >= 2*24 + 2).
 */
export function quantizeActs(x: Float32Array, rows: number, n: number, aq: ActQuantIR, where: string): QuantizedActs {
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
  return { rows, n, groups: G, q, s };
}

/** The quantizer under its historical name (float numerics; the hw numerics share it). */
export const quantizeFloat = quantizeActs;

/** Both numerics quantize alike; the name says which numerics asked. */
export function quantize(_numerics: Numerics, x: Float32Array, rows: number, n: number, aq: ActQuantIR, where: string): QuantizedActs {
  return quantizeActs(x, rows, n, aq, where);
}

// ---- the hardware's integer algorithms (what the RTL computes, bit for bit) ----

/** Fields of a finite binary32: sign, biased exponent, 24-bit significand (implicit 1 when normal). */
export function f32Fields(bits: number): { sign: number; exp: number; mant: number } {
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  return { sign: bits >>> 31, exp, mant: exp === 0 ? frac : frac | 0x800000 };
}

/**
 * Restoring division of normalized mantissas a, b in [2^(w-1), 2^w): one quotient bit per step,
 * `steps` bits in all, the first being the integer bit of a'/b in [1, 2), where a' = a when a >= b
 * and 2a otherwise (`shifted`). Returns floor(a' / b * 2^(steps-1)) and whether a remainder is left.
 */
export function divideMantissas(a: number, b: number, steps: number): { q: number; sticky: boolean; shifted: boolean } {
  const shifted = a < b;
  let r = shifted ? 2 * a : a;
  let q = 0;
  for (let i = 0; i < steps; i++) {
    const bit = r >= b;
    if (bit) r -= b;
    q = q * 2 + (bit ? 1 : 0);
    r *= 2;
  }
  return { q, sticky: r !== 0, shifted };
}

/**
 * RNE_f32(a / b) for normal positive binary32 a and b whose quotient is a normal number (the
 * quantizer's N / amax): a 25-step mantissa division (24 bits and a guard bit, remainder sticky).
 */
export function divideF32(aBits: number, bBits: number): number {
  const A = f32Fields(aBits);
  const B = f32Fields(bBits);
  const d = divideMantissas(A.mant, B.mant, 25);
  let m = Math.floor(d.q / 2);
  const guard = d.q % 2;
  let e = A.exp - B.exp + 127 - (d.shifted ? 1 : 0);
  if (guard && (d.sticky || m % 2 === 1)) m++;
  if (m === 2 ** 24) {
    m = 2 ** 23;
    e++;
  }
  if (e < 1 || e > 254) throw new Error(`divideF32: quotient exponent ${e} outside the normal range`);
  return ((e << 23) | (m & 0x7fffff)) >>> 0;
}

/**
 * One int8 code as the RTL computes it: the 48-bit integer product of the significands, rounded
 * to 24 bits (ties to even: the fp32 product), then to an integer by the rounding rule, clamped.
 * Zero and subnormal x give 0 (|x * s| < 2^-100 for every scale the plan allows).
 */
export function quantizeElementBits(xBits: number, sBits: number, halfAway: boolean, qmin = -128, qmax = 127): number {
  const X = f32Fields(xBits);
  if (X.exp === 0) return 0;
  const S = f32Fields(sBits);
  // p = X.mant * S.mant in [2^46, 2^48): split to stay exact in binary64 arithmetic.
  const p = X.mant * S.mant;
  const top = p >= 2 ** 47;
  const dropped = top ? 24 : 23;
  const unit = 2 ** dropped;
  let m = Math.floor(p / unit);
  const rest = p - m * unit;
  const half = unit / 2;
  if (rest > half || (rest === half && m % 2 === 1)) m++;
  // fp32 product = m * 2^e2, m in [2^23, 2^24] (2^24 only after a carry, still exact).
  const e2 = X.exp + S.exp - 254 - 46 + dropped;
  let mag: number;
  if (e2 >= 0) mag = 2 ** 24; // >= 2^23: clamps
  else if (e2 < -25) mag = 0; // < 2^24 * 2^-26 = 0.25
  else {
    const sh = -e2;
    const u = 2 ** sh;
    const ip = Math.floor(m / u);
    const fr = m - ip * u;
    const h = u / 2;
    mag = fr > h || (fr === h && (halfAway || ip % 2 === 1)) ? ip + 1 : ip;
  }
  if (X.sign) return mag > -qmin ? qmin : -mag;
  return mag > qmax ? qmax : mag;
}

/** The weight factor W of one weight group: ws (multiply) or 1/ws (divide) as a 32-bit mantissa. */
export interface WeightFactor {
  /** Integer in [2^31, 2^32). */
  readonly m: number;
  /** Exponent of its least significant bit: W = m * 2^e. */
  readonly e: number;
}

export function weightFactor(ws: number, convention: ScaleConvention): WeightFactor {
  const W = f32Fields(f32BitsOf(ws));
  if (W.exp === 0 || W.exp === 255 || W.sign) throw new Error(`weightFactor: ${ws} is not a positive normal binary32`);
  const e = W.exp - 150; // ws = W.mant * 2^e
  if (convention === 'multiply') return { m: W.mant * 256, e: e - 8 };
  // 1/ws = 2^-e / mant: floor(2^k / mant) with 32 significant bits (exact for a power of two).
  const k = W.mant === 2 ** 23 ? 54 : 55;
  const m = Number((1n << BigInt(k)) / BigInt(W.mant));
  return { m, e: -e - k };
}

/** The dequantization constant of one (token, weight group): C * 2^E, C in [2^31, 2^32). */
export interface DequantConstant {
  readonly C: number;
  readonly E: number;
}

/** C = floor(W / s) to 32 significant bits: a 32-step division of W's mantissa by s's. */
export function dequantConstant(sBits: number, w: WeightFactor): DequantConstant {
  const S = f32Fields(sBits);
  const d = divideMantissas(w.m, S.mant * 256, HW_CONST_BITS);
  // W/s = (w.m / (S.mant * 2^8)) * 2^(w.e + 8 - (S.exp - 150)); the quotient bits have weight 2^-31.
  return { C: d.q, E: w.e + 8 - (S.exp - 150) - (HW_CONST_BITS - 1) - (d.shifted ? 1 : 0) };
}

/** hw output of one accumulator: the exact product acc * C * 2^E rounded once to binary32. */
export function hwDequant(acc: number, c: DequantConstant): number {
  return Math.fround(acc * c.C * 2 ** c.E);
}

/** float numerics output of one accumulator. */
export function floatDequant(acc: number, s: number, ws: number, convention: ScaleConvention): number {
  return convention === 'multiply' ? (acc / s) * ws : acc / s / ws;
}

/**
 * The RTL's dequantizer, bit for bit: |acc| normalized (leading-one count), times C, normalized by
 * one bit, rounded to 24 bits (ties to even), overflow to infinity. Returns binary32 bits.
 */
export function dequantBits(acc: number, c: DequantConstant): number {
  if (acc === 0) return 0;
  const sign = acc < 0 ? 1 : 0;
  const mag = Math.abs(acc);
  let lz = 0;
  while (mag * 2 ** lz < 2 ** (HW_ACC_EXACT_BITS - 1)) lz++;
  const a = mag * 2 ** lz; // in [2^20, 2^21)
  const p = a * c.C; // in [2^51, 2^53): exact
  const top = p >= 2 ** 52;
  const dropped = top ? 29 : 28;
  const unit = 2 ** dropped;
  let m = Math.floor(p / unit);
  const rest = p - m * unit;
  if (rest > unit / 2 || (rest === unit / 2 && m % 2 === 1)) m++;
  // value = m * 2^(dropped - lz + E); m in [2^23, 2^24].
  let e = dropped - lz + c.E + 23 + 127;
  if (m === 2 ** 24) {
    m = 2 ** 23;
    e++;
  }
  if (e >= 255) return ((sign << 31) | 0x7f800000) >>> 0;
  if (e < 1) throw new Error('dequantBits: subnormal output (the plan bounds scales to prevent it)');
  return ((sign << 31) | (e << 23) | (m - 2 ** 23)) >>> 0;
}

const f32b = new Float32Array(1);
const u32b = new Uint32Array(f32b.buffer);
function f32BitsOf(x: number): number {
  f32b[0] = x;
  return u32b[0]!;
}
