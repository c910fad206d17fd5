import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  accumulatorBits,
  hwDequant,
  hwDequantConstant,
  HW_ALIGN_BITS,
  maxExactInputs,
  quantizeFloat,
  quantizeHw,
} from '../../src/numerics/index.js';
import type { ActQuantIR } from '../../src/ir/types.js';
import { roundRationalToF32, toDyadic } from '../../src/util/float.js';

const AQ: ActQuantIR = { kind: 'act-quant', bits: 8, granularity: 'per-token', groups: 1, scaleNumerator: 'qmax', rounding: 'half-even', epsilon: 1e-5 };

const f32vec = (min: number, max: number) =>
  fc.array(fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 64 });

describe('accumulator width', () => {
  it('holds the worst case +-128*n and is minimal', () => {
    for (const n of [1, 2, 3, 7, 64, 100, 2560, 6912, 8191]) {
      const w = accumulatorBits(n);
      expect(2 ** (w - 1) - 1).toBeGreaterThanOrEqual(128 * n);
      expect(2 ** (w - 2) - 1).toBeLessThan(128 * n);
    }
    expect(accumulatorBits(2560)).toBe(20);
    expect(accumulatorBits(6912)).toBe(21);
    expect(maxExactInputs()).toBe(Math.floor((2 ** 29 - 1) / 128));
  });
});

describe('float quantizer (PyTorch semantics)', () => {
  it('maps the absmax element to +-127 and respects the clamp', () => {
    const x = Float32Array.of(0.5, -2, 1, 0);
    const q = quantizeFloat(x, 1, 4, AQ, 't');
    expect(Array.from(q.q)).toEqual([32, -127, 64, 0]);
    expect(q.s[0]).toBe(Math.fround(127 / 2));
  });
  it('rounds ties to even', () => {
    // amax 127 -> s = 1, so x = 2.5 rounds to 2 and 3.5 to 4.
    const q = quantizeFloat(Float32Array.of(2.5, 3.5, 127), 1, 3, AQ, 't');
    expect(Array.from(q.q)).toEqual([2, 4, 127]);
  });
  it('per-tensor shares one scale across rows; per-group has one per group', () => {
    const x = Float32Array.of(1, 2, 4, 8);
    const pt = quantizeFloat(x, 2, 2, { ...AQ, granularity: 'per-tensor' }, 't');
    expect(pt.s[0]).toBe(pt.s[1]);
    const pg = quantizeFloat(x, 1, 4, { ...AQ, granularity: 'per-group', groups: 2 }, 't');
    expect(Array.from(pg.q)).toEqual([64, 127, 64, 127]);
  });
  it('rejects non-finite activations with NUM001', () => {
    expect(() => quantizeFloat(Float32Array.of(1, NaN), 1, 2, AQ, 't')).toThrow(/NUM001/);
    expect(() => quantizeHw(Float32Array.of(Infinity, 1), 1, 2, AQ, 't')).toThrow(/NUM001/);
  });
});

describe('hw quantizer', () => {
  it('stays in range and within one code of the float quantizer', () => {
    fc.assert(
      fc.property(f32vec(-1e4, 1e4), (arr) => {
        const x = Float32Array.from(arr);
        const h = quantizeHw(x, 1, x.length, AQ, 't');
        const f = quantizeFloat(x, 1, x.length, AQ, 't');
        for (let i = 0; i < x.length; i++) {
          if (h.q[i]! < -127 || h.q[i]! > 127) return false;
          if (Math.abs(h.q[i]! - f.q[i]!) > 1) return false;
        }
        return h.A[0]! >= 2 ** HW_ALIGN_BITS && h.A[0]! <= 2 ** (HW_ALIGN_BITS + 1);
      }),
      { numRuns: 500, seed: 7 },
    );
  });
  it('maps +-absmax to exactly +-127 (qmax) and to the clamp for pow2', () => {
    const x = Float32Array.of(-3.25, 1, 3.25);
    expect(Array.from(quantizeHw(x, 1, 3, AQ, 't').q)).toEqual([-127, 39, 127]);
    const p2 = quantizeHw(x, 1, 3, { ...AQ, scaleNumerator: 'pow2' }, 't');
    expect(p2.q[0]).toBe(-128);
    expect(p2.q[2]).toBe(127);
  });
  it('is deterministic and scale invariant under powers of two', () => {
    fc.assert(
      fc.property(f32vec(-100, 100), fc.integer({ min: -20, max: 20 }), (arr, k) => {
        const x = Float32Array.from(arr);
        if (Math.max(...arr.map(Math.abs)) * 2 ** Math.min(k, 0) < 1e-3) return true; // below eps the clamp breaks invariance
        const y = Float32Array.from(arr.map((v) => v * 2 ** k));
        const a = quantizeHw(x, 1, x.length, AQ, 't');
        const b = quantizeHw(y, 1, y.length, AQ, 't');
        return a.q.every((v, i) => v === b.q[i]) && a.A[0] === b.A[0] && a.e[0]! + k === b.e[0];
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('hw dequantizer', () => {
  it('c is the exactly rounded f32 of A*2^(e-M)/N*ws (multiply) and /ws (divide)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2 ** 15, max: 2 ** 16 }),
        fc.integer({ min: -30, max: 30 }),
        fc.constantFrom(127, 128),
        fc.float({ min: Math.fround(1e-4), max: Math.fround(1e3), noNaN: true }),
        (A, e, N, ws) => {
          const w = toDyadic(ws);
          const cm = hwDequantConstant(A, e, N, ws, 'multiply');
          const refM = roundRationalToF32(BigInt(A) * w.m, BigInt(N), e - HW_ALIGN_BITS + w.e);
          const cd = hwDequantConstant(A, e, N, ws, 'divide');
          const refD = roundRationalToF32(BigInt(A), BigInt(N) * w.m, e - HW_ALIGN_BITS - w.e);
          return cm === refM && cd === refD && Math.abs(cm / ((A * 2 ** (e - HW_ALIGN_BITS)) / N * ws) - 1) < 2 ** -23;
        },
      ),
      { numRuns: 1000, seed: 3 },
    );
  });
  it('acc * c is exact before its single rounding for every |acc| < 2^29', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 29) + 1, max: 2 ** 29 - 1 }), fc.float({ min: Math.fround(1e-6), max: Math.fround(1e6), noNaN: true }), (acc, c) => {
        const { m, e } = toDyadic(c);
        return hwDequant(acc, c) === roundRationalToF32(BigInt(acc) * m, 1n, e);
      }),
      { numRuns: 1000, seed: 5 },
    );
  });
});
