/**
 * The whole-model hw numerics (src/numerics/model.ts) against high-precision oracles (binary64
 * and exact rational arithmetic), with error bounds, and on edge operands: zeros, subnormal
 * results, the largest finite values, ties, all-equal scores, position 0 (an empty history).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { attendHw, attentionScale, dotF32, erfHw, expHw, ffnActHw, kvStore, layerNormHw, rmsNormHw, ropeHw, ropeInvFreq, ropeRow, sigmoidHw, stridedDotF32, sumF32 } from '../../src/numerics/model.js';

const f = Math.fround;
const F32_MAX = 3.4028234663852886e38;

/** Distance in units in the last place of binary32 between a (fp32) and b (any real). */
function ulps(a: number, b: number): number {
  if (a === b) return 0;
  const ulp = (x: number): number => {
    const ax = Math.abs(x);
    if (ax < 2 ** -126) return 2 ** -149;
    return 2 ** (Math.floor(Math.log2(ax)) - 23);
  };
  return Math.abs(a - b) / ulp(b);
}

/** Exact sum of binary64 values (as a rational with a power-of-two denominator, via BigInt). */
function exactSum(xs: readonly number[]): number {
  const SH = 1100n;
  let acc = 0n;
  for (const x of xs) {
    if (x === 0) continue;
    const e = Math.floor(Math.log2(Math.abs(x)));
    const m = BigInt(Math.round(Math.abs(x) * 2 ** (52 - e)));
    const sh = BigInt(e - 52) + SH;
    acc += (x < 0 ? -1n : 1n) * (sh >= 0n ? m << sh : m >> -sh);
  }
  // Back to binary64 (rounding once is enough for an oracle of fp32 results).
  const neg = acc < 0n;
  const a = neg ? -acc : acc;
  const bits = a.toString(2).length;
  const top = bits > 60 ? a >> BigInt(bits - 60) : a;
  const v = Number(top) * 2 ** ((bits > 60 ? bits - 60 : 0) - Number(SH));
  return neg ? -v : v;
}

describe('exp', () => {
  it('is within 1 ulp of exp over 200k arguments in [-104, 0] and exact at 0', () => {
    let worst = 0;
    let n = 0;
    const check = (x: number): void => {
      const want = Math.exp(x);
      const got = expHw(x);
      if (want < 2 ** -126) {
        // Results below the normal range flush to zero (the hardware keeps no subnormals).
        expect(got === 0 || Math.abs(got - want) <= want * 2 ** -22, `exp(${x}) = ${got}, want ${want}`).toBe(true);
        return;
      }
      const u = ulps(got, want);
      worst = Math.max(worst, u);
      n++;
    };
    let s = 12345;
    for (let i = 0; i < 200_000; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      check(f(-(s / 2 ** 32) * 104));
    }
    for (const x of [-0, 0, -1e-45, -1e-30, -(2 ** -24), -0.5, -0.34657359, -1, -87.33654, -87.33655, -88.7, -103.9, -104]) check(f(x));
    console.log(`expHw: worst ${worst.toFixed(3)} ulp over ${n} normal results`);
    expect(worst).toBeLessThanOrEqual(1);
    expect(expHw(0)).toBe(1);
    expect(expHw(-0)).toBe(1);
    expect(expHw(-200)).toBe(0);
    expect(() => expHw(1e-30)).toThrow();
    expect(() => expHw(NaN)).toThrow();
  });
  it('is monotone non-increasing as its argument decreases (softmax order is preserved)', () => {
    let prev = expHw(0);
    for (let x = 0; x >= -20; x = f(x - 0.0009765625)) {
      const e = expHw(x);
      expect(e).toBeLessThanOrEqual(prev);
      prev = e;
    }
  });
});

describe('sums in the fixed order', () => {
  it('four interleaved partials, combined (p0+p1)+(p2+p3), for every length 0..17', () => {
    for (let n = 0; n <= 17; n++) {
      const xs = Array.from({ length: n }, (_, i) => f(1 + i / 7));
      const p = [0, 0, 0, 0];
      xs.forEach((x, i) => (p[i % 4] = f(p[i % 4]! + x)));
      expect(sumF32(n, (i) => xs[i]!)).toBe(f(f(p[0]! + p[1]!) + f(p[2]! + p[3]!)));
    }
  });
  it('stay within the (n/4 + 2) * 2^-24 relative bound of the exact sum (1k random vectors)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: f(-1e6), max: f(1e6), noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 600 }), (raw) => {
        const xs = raw.map((x) => f(x));
        const got = sumF32(xs.length, (i) => xs[i]!);
        const want = exactSum(xs);
        const absSum = xs.reduce((a, x) => a + Math.abs(x), 0);
        const bound = (xs.length / 4 + 2) * 2 ** -24 * absSum;
        return Math.abs(got - want) <= bound + 1e-45;
      }),
      { numRuns: 1000, seed: 4242 },
    );
  });
  it('dot products: the written-out and strided forms equal sumF32 over rounded products', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.float({ noNaN: true, min: -100, max: 100 }), fc.float({ noNaN: true, min: -100, max: 100 })), { minLength: 0, maxLength: 70 }), (pairs) => {
        const a = Float32Array.from(pairs.map((p) => p[0]));
        const b = Float32Array.from(pairs.map((p) => p[1]));
        const want = sumF32(a.length, (i) => f(a[i]! * b[i]!));
        const strided = new Float32Array(3 * b.length + 1);
        b.forEach((x, i) => (strided[1 + 3 * i] = x));
        return Object.is(dotF32(a, 0, b, 0, a.length), want) && Object.is(stridedDotF32(a, strided, 1, 3, a.length), want);
      }),
      { numRuns: 500, seed: 77 },
    );
  });
  it('overflow goes to infinity, as IEEE does (the largest finite values)', () => {
    expect(sumF32(2, () => F32_MAX)).toBe(Infinity);
    // Each partial sees one of +-MAX, so the order cancels them without overflowing.
    expect(sumF32(4, (i) => (i % 2 ? -F32_MAX : F32_MAX))).toBe(0);
  });
});

describe('norms', () => {
  it('RMSNorm is within 4 ulp + the sum bound of the binary64 formula; zero input gives zero', () => {
    let s = 99;
    const rnd = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    for (let t = 0; t < 200; t++) {
      const n = 1 + (t % 97);
      const x = Float32Array.from({ length: n }, () => rnd() * 10);
      const w = Float32Array.from({ length: n }, () => 1 + rnd());
      const y = new Float32Array(n);
      rmsNormHw(x, 0, n, w, 1e-5, y, 0);
      const ms = x.reduce((a, v) => a + v * v, 0) / n;
      const r = 1 / Math.sqrt(ms + f(1e-5));
      for (let j = 0; j < n; j++) {
        const want = x[j]! * r * w[j]!;
        expect(Math.abs(y[j]! - want)).toBeLessThanOrEqual(Math.abs(want) * (n / 4 + 8) * 2 ** -23 + 1e-30);
      }
    }
    const z = new Float32Array(8);
    const y = new Float32Array(8);
    rmsNormHw(z, 0, 8, new Float32Array(8).fill(1), 1e-5, y, 0);
    expect([...y]).toEqual(new Array(8).fill(0));
  });
  it('LayerNorm of an all-equal vector is exactly its bias', () => {
    const x = new Float32Array(16).fill(f(3.7));
    const y = new Float32Array(16);
    layerNormHw(x, 0, 16, new Float32Array(16).fill(2), 1e-5, y, 0, new Float32Array(16).fill(f(0.25)));
    expect([...y]).toEqual(new Array(16).fill(f(0.25)));
  });
});

describe('attention', () => {
  const hd = 8;
  it('position 0 (an empty history) returns the one value row exactly', () => {
    const q = Float32Array.from({ length: hd }, (_, i) => i - 3.5);
    const k = Float32Array.from({ length: hd }, (_, i) => 0.1 * i);
    const v = Float32Array.from({ length: hd }, (_, i) => f(1 / (i + 3)));
    const out = new Float32Array(hd);
    attendHw(q, 0, k, v, hd, 0, 1, hd, attentionScale(hd), new Float32Array(1), out, 0);
    expect([...out]).toEqual([...v]);
  });
  it('all-equal scores weight every position the same: the mean of V in the fixed order', () => {
    const len = 13;
    const q = new Float32Array(hd);
    const k = Float32Array.from({ length: len * hd }, (_, i) => (i % 5) - 2); // q = 0: every score 0
    const v = Float32Array.from({ length: len * hd }, (_, i) => f(Math.sin(i)));
    const out = new Float32Array(hd);
    attendHw(q, 0, k, v, hd, 0, len, hd, attentionScale(hd), new Float32Array(len), out, 0);
    for (let d = 0; d < hd; d++) expect(out[d]).toBe(f(sumF32(len, (j) => v[j * hd + d]!) * f(1 / len)));
  });
  it('softmax weights sum to 1 within the bound, and a dominant score takes all the weight', () => {
    const len = 40;
    const q = Float32Array.from({ length: hd }, () => 1);
    const k = new Float32Array(len * hd);
    for (let d = 0; d < hd; d++) k[7 * hd + d] = 100; // position 7 scores 800 * scale, others 0
    const v = Float32Array.from({ length: len * hd }, (_, i) => Math.floor(i / hd));
    const out = new Float32Array(hd);
    attendHw(q, 0, k, v, hd, 0, len, hd, attentionScale(hd), new Float32Array(len), out, 0);
    for (let d = 0; d < hd; d++) expect(out[d]).toBe(7);
  });
});

describe('RoPE, KV formats, activations', () => {
  it('RoPE at position 0 is the identity; the rotation keeps each pair\'s norm within 4 ulp', () => {
    const inv = ropeInvFreq(10000, 16);
    const cos = new Float32Array(8);
    const sin = new Float32Array(8);
    ropeRow(inv, 0, cos, sin);
    const x = Float32Array.from({ length: 16 }, (_, i) => i + 0.5);
    const y = Float32Array.from(x);
    ropeHw(y, 0, 1, 16, cos, sin);
    expect([...y]).toEqual([...x]);
    ropeRow(inv, 517, cos, sin);
    ropeHw(y, 0, 1, 16, cos, sin);
    for (let i = 0; i < 8; i++) {
      const before = Math.hypot(x[i]!, x[i + 8]!);
      const after = Math.hypot(y[i]!, y[i + 8]!);
      expect(Math.abs(after - before)).toBeLessThanOrEqual(before * 8 * 2 ** -24);
    }
  });
  it('KV formats: fp32 is exact, bf16 and fp16 round to nearest even, ties included', () => {
    expect(kvStore('fp32', f(1.1))).toBe(f(1.1));
    expect(kvStore('bf16', 1 + 2 ** -8)).toBe(1); // a tie goes to the even neighbour
    expect(kvStore('bf16', 1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(kvStore('fp16', 1 + 2 ** -11)).toBe(1);
    expect(kvStore('fp16', 70000)).toBe(Infinity);
    expect(kvStore('bf16', F32_MAX)).toBe(Infinity);
  });
  it('sigmoid, erf and the FFN activations stay within their bounds of binary64', () => {
    let worstSig = 0;
    let worstErf = 0;
    for (let x = -30; x <= 30; x += 0.01) {
      const xf = f(x);
      worstSig = Math.max(worstSig, Math.abs(sigmoidHw(xf) - 1 / (1 + Math.exp(-xf))));
      // erf reference: A-S 7.1.26's own error (< 1.5e-7) plus rounding.
      const t = 1 / (1 + 0.3275911 * Math.abs(xf));
      const as = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-xf * xf);
      worstErf = Math.max(worstErf, Math.abs(erfHw(xf) - Math.sign(xf) * as));
    }
    expect(worstSig).toBeLessThan(3e-7);
    expect(worstErf).toBeLessThan(1e-6);
    const gate = Float32Array.from([-2, -0, 0, 1.5, 3]);
    const up = Float32Array.from([5, 5, 5, 2, -1]);
    expect([...ffnActHw('relu2-gated', gate, up, new Float32Array(5))]).toEqual([0, 0, 0, f(f(1.5 * 1.5) * 2), -9]);
    const sw = ffnActHw('swiglu', gate, up, new Float32Array(5));
    sw.forEach((v, i) => expect(Math.abs(v - (gate[i]! / (1 + Math.exp(-gate[i]!))) * up[i]!)).toBeLessThan(1e-5));
    const ge = ffnActHw('gelu', null, up, new Float32Array(5));
    expect(ge[0]).toBeCloseTo(5, 5);
  });
});
