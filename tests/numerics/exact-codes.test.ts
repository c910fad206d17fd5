/**
 * The hardware's integer algorithms against the float formula (issue 11, "exact quantizer codes"):
 * the scale division, every int8 code (over 1e6 random, tie and edge elements, both rounding rules,
 * both numerators) and the dequantizer (bit-exact with its one-rounding law, and within one unit in
 * the last place of the exactly rounded acc / s * ws).
 */
import { describe, expect, it } from 'vitest';
import {
  dequantBits,
  dequantConstant,
  divideF32,
  hwDequant,
  quantizeElementBits,
  weightFactor,
} from '../../src/numerics/index.js';
import { bitsToF32, f32Bits, roundHalfAway, roundHalfEven, roundRationalToF32, toDyadic } from '../../src/util/float.js';
import { Rng } from '../../src/util/prng.js';

const rng = new Rng(20261201);
/** A random normal binary32 with biased exponent in [lo, hi]. */
const randF32 = (lo: number, hi: number): number => (((rng.int(lo, hi) << 23) | rng.int(0, 0x7fffff)) >>> 0);
const formulaCode = (x: number, s: number, halfAway: boolean, qmin: number, qmax: number): number => {
  const p = Math.fround(x * s);
  const r = halfAway ? roundHalfAway(p) : roundHalfEven(p);
  return r < qmin ? qmin : r > qmax ? qmax : r;
};

describe('scale s = RNE_f32(N / amax) from the integer divider', () => {
  it('equals the fp32 division for 1e6 random amax and the edges, N = 127 and 128', () => {
    let checked = 0;
    const check = (N: number, aBits: number): void => {
      const got = divideF32(f32Bits(N), aBits);
      const want = f32Bits(Math.fround(N / bitsToF32(aBits)));
      if (got !== want) throw new Error(`N=${N} amax=${bitsToF32(aBits)}: got ${got.toString(16)} want ${want.toString(16)}`);
      checked++;
    };
    // amax in [2^-40, 2^127]: eps >= 2^-40 is enforced by the engine plan.
    for (let i = 0; i < 500_000; i++) {
      check(127, randF32(87, 254));
      check(128, randF32(87, 254));
    }
    for (const N of [127, 128]) {
      for (let e = 87; e <= 254; e++) for (const m of [0, 1, 0x7fffff, 0x7ffffe, 0x400000, 0x7f0000, 0x7e0000]) check(N, ((e << 23) | m) >>> 0);
      check(N, f32Bits(Math.fround(1e-5)));
    }
    expect(checked).toBeGreaterThanOrEqual(1_000_000);
  });
});

describe('int8 codes from the integer multiply and roundings', () => {
  it('equal the float formula on 1e6 random, tie and edge elements', () => {
    let checked = 0;
    let ties = 0;
    const check = (xBits: number, sBits: number, halfAway: boolean, qmin: number, qmax: number): void => {
      const got = quantizeElementBits(xBits, sBits, halfAway, qmin, qmax);
      const x = bitsToF32(xBits);
      const s = bitsToF32(sBits);
      const want = formulaCode(x, s, halfAway, qmin, qmax);
      if (got !== want) throw new Error(`x=${x} s=${s} halfAway=${halfAway}: got ${got} want ${want}`);
      const p = Math.fround(x * s);
      if (p - Math.floor(p) === 0.5) ties++;
      checked++;
    };
    for (let i = 0; i < 400_000; i++) {
      // A token: amax, its scale, and an element at most amax in magnitude.
      const N = rng.float() < 0.5 ? 127 : 128;
      const amax = bitsToF32(randF32(90, 250));
      const s = f32Bits(Math.fround(N / amax));
      const x = Math.fround(amax * rng.float()) * (rng.float() < 0.5 ? -1 : 1);
      check(f32Bits(x), s, i % 2 === 0, -128, 127);
      // Elements whose fp32 product is near or at a half-integer (the tie cases).
      const k = rng.int(-128, 127) + 0.5;
      const xt = Math.fround(k / bitsToF32(s));
      check(f32Bits(xt), s, i % 3 === 0, -128, 127);
      check(f32Bits(Math.fround(xt * (1 + 2 ** -23))), s, false, -128, 127);
    }
    // Exact ties: s = 1 and x = k + 1/2; s a power of two with x a half-integer multiple of 1/s.
    for (let k = -130; k <= 130; k++) {
      for (const e of [-3, 0, 4]) {
        const s = f32Bits(2 ** e);
        const x = f32Bits((k + 0.5) / 2 ** e);
        for (const ha of [false, true]) check(x, s, ha, -128, 127);
      }
    }
    // Edges: zero, negative zero, subnormals, the largest finite value, +-amax itself.
    const sMid = f32Bits(Math.fround(127 / 3.25));
    for (const x of [0, -0, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 3.25, -3.25, 0.0078125, 1e-30]) {
      for (const ha of [false, true]) check(f32Bits(Math.fround(x)), sMid, ha, -128, 127);
    }
    // Any element against any scale the plan allows (s <= N / eps <= 128 * 2^40, i.e. biased exponent <= 174).
    for (let i = 0; i < 100_000; i++) check(randF32(0, 254) | (rng.float() < 0.5 ? 0x80000000 : 0), randF32(1, 174), rng.float() < 0.5, -128, 127);
    console.log(`exact codes: ${checked} elements checked, ${ties} exact ties`);
    expect(checked).toBeGreaterThanOrEqual(1_000_000);
    expect(ties).toBeGreaterThan(1000);
  });
});

describe('hw dequantizer', () => {
  it('the integer datapath equals its one-rounding law, and each output is within 1 ulp of the exactly rounded acc / s * ws', () => {
    let checked = 0;
    let equalToExact = 0;
    for (let i = 0; i < 200_000; i++) {
      const conv = i % 4 === 0 ? 'divide' : 'multiply';
      const ws = bitsToF32(randF32(127 - 30, 127 + 10));
      const s = bitsToF32(randF32(100, 170));
      const acc = rng.int(-(2 ** 20), 2 ** 20);
      const c = dequantConstant(f32Bits(s), weightFactor(ws, conv));
      expect(c.C).toBeGreaterThanOrEqual(2 ** 31);
      expect(c.C).toBeLessThan(2 ** 32);
      const y = hwDequant(acc, c);
      if (dequantBits(acc, c) !== f32Bits(y)) throw new Error(`acc=${acc} C=${c.C} E=${c.E}: datapath ${dequantBits(acc, c).toString(16)} law ${f32Bits(y).toString(16)}`);
      // Exact: acc / s * ws (or acc / s / ws) as a rational, rounded once.
      const S = toDyadic(s);
      const W = toDyadic(ws);
      const exact = conv === 'multiply' ? roundRationalToF32(BigInt(acc) * W.m, S.m, W.e - S.e) : roundRationalToF32(BigInt(acc), S.m * W.m, -S.e - W.e);
      const ulps = Math.abs(f32Bits(Math.abs(y)) - f32Bits(Math.abs(exact)));
      if (ulps > 1 || Math.sign(y) !== Math.sign(exact)) throw new Error(`acc=${acc} s=${s} ws=${ws} ${conv}: ${y} vs exact ${exact}`);
      if (ulps === 0) equalToExact++;
      checked++;
    }
    console.log(`dequantizer: ${checked} outputs within 1 ulp, ${equalToExact} equal to the exactly rounded value`);
    // C is truncated to 32 bits (relative error < 2^-31, 1/256 ulp): about 0.2-0.4% of outputs sit
    // close enough to a rounding midpoint to land on the other neighbour.
    expect(equalToExact / checked).toBeGreaterThan(0.99);
  });
});
