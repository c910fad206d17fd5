import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  binarizePaper,
  canonicalToHfPacked,
  hfPackedToCanonical,
  packBinaryRowMajor,
  packTernaryRowMajor,
  ternarizeAbsmean,
  unpackBinaryRowMajor,
  unpackTernaryRowMajor,
} from '../../src/ir/pack.js';
import { countInvalidTernary } from '../../src/ir/validate.js';

const dims = fc.tuple(fc.integer({ min: 1, max: 9 }).map((x) => x * 4), fc.integer({ min: 1, max: 23 }));

describe('weight packing', () => {
  it('ternary and binary row-major packing round-trip for odd input sizes', () => {
    fc.assert(
      fc.property(dims, fc.integer(), ([out, inF], seed) => {
        const t = new Int8Array(out * inF).map((_, i) => (((i * 7 + seed) % 3) + 3) % 3 - 1);
        const b = new Int8Array(out * inF).map((_, i) => ((i * 13 + seed) & 1 ? 1 : -1));
        const pt = packTernaryRowMajor(t, out, inF);
        return (
          unpackTernaryRowMajor(pt, out, inF).every((v, i) => v === t[i]) &&
          unpackBinaryRowMajor(packBinaryRowMajor(b, out, inF), out, inF).every((v, i) => v === b[i]) &&
          countInvalidTernary(pt).count === 0
        );
      }),
      { seed: 5 },
    );
  });
  it('Hugging Face 2B4T packing: row r = i*(out/4)+j lives in packed row j, bits 2i', () => {
    const out = 8;
    const inF = 3;
    const t = new Int8Array(out * inF);
    t[5 * inF + 2] = 1; // row 5 = i 2, j 1 -> packed row 1, bits 4..5, code 2
    t[0 * inF + 0] = -1; // row 0 -> packed row 0 bits 0..1 code 0
    const hf = canonicalToHfPacked(packTernaryRowMajor(t, out, inF), out, inF);
    expect(hf.length).toBe(2 * 3);
    expect((hf[1 * inF + 2]! >> 4) & 3).toBe(2);
    expect(hf[0]! & 3).toBe(0);
    fc.assert(
      fc.property(dims, fc.uint8Array({ minLength: 1, maxLength: 1 }), ([out2, in2], s) => {
        const w = new Int8Array(out2 * in2).map((_, i) => ((i * 5 + s[0]!) % 3) - 1);
        const canon = packTernaryRowMajor(w, out2, in2);
        return hfPackedToCanonical(canonicalToHfPacked(canon, out2, in2), out2, in2).every((v, i) => v === canon[i]);
      }),
      { seed: 6 },
    );
  });
  it('absmean ternarization: scale, rounding and clamp as released code', () => {
    const w = Float32Array.of(0.5, -0.25, 0.05, 2, -2, 0.125);
    const { codes, scale } = ternarizeAbsmean(w, 'f32');
    const mean = Math.fround(Array.from(w).reduce((a, v) => a + Math.abs(v), 0) / 6);
    const s = Math.fround(1 / mean);
    expect(Array.from(codes)).toEqual(Array.from(w).map((v) => Math.max(-1, Math.min(1, Math.round(Math.fround(v * s)))) + 0));
    expect(scale).toBe(Math.fround(1 / s));
  });
  it("the paper's binarization uses Sign(W - alpha) with Sign(0) = -1 and beta = mean|W| per group", () => {
    // Group 0 (rows 0-1): alpha = 0.25; entry equal to alpha maps to -1.
    const w = Float32Array.of(0.25, 1, -0.5, 0.25, /* group 1 */ 3, 3, 3, 3);
    const { signs, betas } = binarizePaper(w, 4, 2, 2);
    expect(Array.from(signs)).toEqual([-1, 1, -1, -1, -1, -1, -1, -1]);
    expect(Array.from(betas)).toEqual([Math.fround(2 / 4), 3]);
  });
});
