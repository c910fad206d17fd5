import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bf16ToF32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  floorLog2,
  roundHalfAway,
  roundHalfEven,
  roundRationalToF32,
  toDyadic,
} from '../../src/util/float.js';

/** Independent exact check: is f the f32 nearest to num/den*2^e (ties to even)? via BigInt scaling. */
function isCorrectlyRounded(f: number, num: bigint, den: bigint, e: number): boolean {
  // Compare |x - f| with |x - neighbours| exactly, using a common scale.
  const cand = (v: number): { m: bigint; e: number } => toDyadic(v);
  const fb = new Float32Array(1);
  const ub = new Uint32Array(fb.buffer);
  fb[0] = f;
  const bits = ub[0]!;
  const nb = (d: number): number => {
    ub[0] = (bits + d) >>> 0;
    return fb[0]!;
  };
  const dist = (v: number): { n: bigint; d: bigint } => {
    // |num/den*2^e - v| as a fraction n/d, scaled by 2^S for a common denominator.
    const { m, e: ve } = cand(v);
    const S = 400;
    const x = (num * (1n << BigInt(S + e))) / 1n; // num * 2^(S+e)
    const vv = m * (1n << BigInt(S + ve)) * den;
    const diff = x - vv;
    return { n: diff < 0n ? -diff : diff, d: den };
  };
  if (f === 0) return true;
  const d0 = dist(f);
  for (const nbv of [nb(1), nb(-1)]) {
    if (!Number.isFinite(nbv) || Math.sign(nbv) !== Math.sign(f)) continue;
    const d1 = dist(nbv);
    if (d1.n < d0.n) return false;
    if (d1.n === d0.n && (bits & 1) === 1) return false; // tie must go to even
  }
  return true;
}

describe('rounding helpers', () => {
  it('roundHalfEven matches banker rounding on ties and nearest elsewhere', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
    expect([0.5, 1.5, 2.5, -0.5, -2.5].map(roundHalfAway)).toEqual([1, 2, 3, -1, -3]);
  });
  it('floorLog2 is exact at powers of two and between them', () => {
    fc.assert(fc.property(fc.integer({ min: -140, max: 120 }), fc.double({ min: 1, max: 1.9999999, noNaN: true }), (k, m) => floorLog2(m * 2 ** k) === k));
  });
  it('bf16 round trip and round-to-nearest-even', () => {
    expect(bf16ToF32(f32ToBf16(1))).toBe(1);
    // 1 + 2^-8 is a tie between 1 and 1+2^-7: ties to even -> 1.
    expect(bf16ToF32(f32ToBf16(1 + 2 ** -8))).toBe(1);
    expect(bf16ToF32(f32ToBf16(1 + 3 * 2 ** -8))).toBe(1 + 2 ** -6);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (h) => {
      const v = bf16ToF32(h);
      return Number.isNaN(v) || f32ToBf16(v) === h;
    }));
  });
  it('f16 round trip over every finite code', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = f16ToF32(h);
      if (!Number.isFinite(v)) continue;
      const back = f32ToF16(v);
      if (Object.is(v, -0)) expect(back).toBe(0x8000);
      else expect(back).toBe(h);
    }
  });
  it('roundRationalToF32 is the correctly rounded binary32 of num/den*2^e', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 60n), max: 1n << 60n }),
        fc.bigInt({ min: 1n, max: 1n << 40n }),
        fc.integer({ min: -80, max: 40 }),
        (num, den, e) => isCorrectlyRounded(roundRationalToF32(num, den, e), num, den, e),
      ),
      { numRuns: 2000, seed: 42 },
    );
  });
  it('roundRationalToF32 resolves exact ties to even and handles subnormals', () => {
    // 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23.
    expect(roundRationalToF32((1n << 24n) + 1n, 1n << 24n, 0)).toBe(1);
    expect(roundRationalToF32((1n << 24n) + 3n, 1n << 24n, 0)).toBe(1 + 2 ** -22);
    expect(roundRationalToF32(1n, 1n, -149)).toBe(2 ** -149);
    expect(roundRationalToF32(1n, 1n, -151)).toBe(0);
    expect(roundRationalToF32(3n, 1n, -151)).toBe(2 ** -149);
    expect(roundRationalToF32(1n, 1n, 128)).toBe(Infinity);
  });
});
