/**
 * IEEE helpers: bf16/f16 <-> f32 conversion with round-to-nearest-even, the rounding modes the
 * numerics spec names, and exact rounding of a dyadic rational to binary32.
 * These are bit-level definitions shared by importers, the reference and (later) the RTL model.
 */

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function f32Bits(x: number): number {
  f32buf[0] = x;
  return u32buf[0]!;
}

export function bitsToF32(bits: number): number {
  u32buf[0] = bits >>> 0;
  return f32buf[0]!;
}

export function bf16ToF32(h: number): number {
  return bitsToF32((h & 0xffff) << 16);
}

/** f32 -> bf16 bits, round to nearest even; NaN stays NaN (quiet). */
export function f32ToBf16(x: number): number {
  return f32BitsToBf16(f32Bits(x));
}

/** f32ToBf16 on the bit pattern itself (a NaN keeps its sign and top payload bits, made quiet). */
export function f32BitsToBf16(b: number): number {
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x007fffff) !== 0) return ((b >>> 16) | 0x40) & 0xffff;
  const lsb = (b >>> 16) & 1;
  return ((b + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** Round a number to the nearest bf16 value (ties to even), returned as a JS number. */
export function roundBf16(x: number): number {
  return bf16ToF32(f32ToBf16(Math.fround(x)));
}

export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** f32 -> f16 bits, round to nearest even, overflow to infinity. */
export function f32ToF16(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal: quantum 2^-24.
    const m = roundHalfEven(a * 2 ** 24);
    return sign | m; // m may be 1024, which correctly becomes the smallest normal
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

export function roundF16(x: number): number {
  return f16ToF32(f32ToF16(x));
}

/** Round to nearest integer, ties to even (PyTorch's `round`). Exact for any double. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +inf
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** Round to nearest integer, ties away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Largest k with 2^k <= |x| for finite nonzero x (exact, no log rounding issues). */
export function floorLog2(x: number): number {
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  return e;
}

/** Decompose a finite double into an exact (mantissa: bigint, exp: number) with x = m * 2^exp. */
export function toDyadic(x: number): { m: bigint; e: number } {
  if (x === 0) return { m: 0n, e: 0 };
  let e = floorLog2(x) - 52;
  let m = x / 2 ** e; // exact: power-of-two scaling of a double within range
  if (!Number.isInteger(m)) throw new Error('toDyadic: non-integer mantissa');
  // Strip trailing zero bits to keep numbers small.
  while (m % 2 === 0) {
    m /= 2;
    e += 1;
  }
  return { m: BigInt(m), e };
}

/**
 * Exactly round the rational (num / den) * 2^exp2 to the nearest binary32, ties to even.
 * num, den are integers, den > 0. Handles subnormals; overflow returns +-Infinity.
 * This is the single definition of "round to f32" used by the hw numerics.
 */
export function roundRationalToF32(num: bigint, den: bigint, exp2: number): number {
  if (den <= 0n) throw new Error('roundRationalToF32: den must be > 0');
  if (num === 0n) return 0;
  const neg = num < 0n;
  let n = neg ? -num : num;
  let d = den;
  // Normalise so that 2^24 <= n/d < 2^25 (a 25-bit quotient: 24 mantissa bits + a round bit).
  const bitLen = (v: bigint): number => v.toString(2).length;
  let shift = 24 - (bitLen(n) - bitLen(d));
  if (shift > 0) n <<= BigInt(shift);
  else if (shift < 0) d <<= BigInt(-shift);
  if (n < d << 24n) {
    n <<= 1n;
    shift += 1;
  }
  // Now n/d in [2^24, 2^25); value = (n/d) * 2^(exp2 - shift).
  let e = exp2 - shift; // exponent of the quotient's unit bit
  // binary32: the 24-bit significand's LSB has exponent >= -149. Our quotient has 25 bits
  // (24 + round bit) with LSB at e; the f32 LSB would be at e+1.
  let dropBits = 1;
  const minLsb = -149;
  if (e + dropBits < minLsb) dropBits = minLsb - e;
  const q = n / d;
  const rem = n % d;
  const div = 1n << BigInt(dropBits);
  let mant = q / div;
  const low = q % div;
  const half = div >> 1n;
  const sticky = rem !== 0n;
  if (low > half || (low === half && (sticky || (mant & 1n) === 1n))) mant += 1n;
  else if (low === half && !sticky && (mant & 1n) === 0n) {
    // tie, keep even
  }
  e += dropBits;
  const value = Number(mant) * 2 ** e;
  const r = Math.fround(value); // exact: mant fits 25 bits at most (carry), fround only checks overflow
  return neg ? -r : r;
}
