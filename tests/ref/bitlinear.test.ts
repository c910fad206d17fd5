import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matmulLut, matmulNaive, applyBitLinear } from '../../src/ref/bitlinear.js';
import { packBinaryRowMajor, packTernaryRowMajor } from '../../src/ir/pack.js';
import { quantizeFloat, type QuantizedActs } from '../../src/numerics/index.js';
import { f32Bits } from '../../src/util/float.js';
import type { ActQuantIR, BitLinearIR, StoredTensor } from '../../src/ir/types.js';
import { Rng } from '../../src/util/prng.js';

function qacts(q: Int8Array, rows: number, n: number, groups: number): QuantizedActs {
  return { rows, n, groups, q, s: new Float64Array(rows * groups).fill(1) };
}

describe('BitLinear integer kernels', () => {
  it('LUT and naive kernels agree exactly on random odd sizes, both weight kinds, with groups', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<'binary' | 'ternary'>('binary', 'ternary'),
        fc.constantFrom(1, 2, 3),
        fc.integer(),
        (outF, inBase, rows, kind, G, seed) => {
          const inF = inBase * G;
          const rng = new Rng(seed);
          const w = new Int8Array(outF * inF).map(() => (kind === 'ternary' ? rng.int(-1, 1) : rng.int(0, 1) * 2 - 1));
          const packed = kind === 'ternary' ? packTernaryRowMajor(w, outF, inF) : packBinaryRowMajor(w, outF, inF);
          const q = new Int8Array(rows * inF).map(() => rng.int(-128, 127));
          const qa = qacts(q, rows, inF, G);
          const a = matmulLut(kind, packed, outF, inF, qa);
          const b = matmulNaive(kind, packed, outF, inF, qa);
          // Independent dense check.
          for (let t = 0; t < rows; t++)
            for (let o = 0; o < outF; o++)
              for (let g = 0; g < G; g++) {
                let s = 0;
                for (let j = (g * inF) / G; j < ((g + 1) * inF) / G; j++) s += w[o * inF + j]! * q[t * inF + j]!;
                if (a[(t * outF + o) * G + g] !== s) return false;
              }
          return a.every((v, i) => v === b[i]);
        },
      ),
      { numRuns: 200, seed: 1234 },
    );
  });
  it('worst-case inputs do not overflow: all -128 with all +1 and all -1 weights', () => {
    const inF = 6912;
    for (const kind of ['ternary', 'binary'] as const) {
      for (const sign of [1, -1]) {
        const w = new Int8Array(inF).fill(sign);
        const packed = kind === 'ternary' ? packTernaryRowMajor(w, 1, inF) : packBinaryRowMajor(w, 1, inF);
        const q = new Int8Array(inF).fill(-128);
        expect(matmulLut(kind, packed, 1, inF, qacts(q, 1, inF, 1))[0]).toBe(-128 * inF * sign);
      }
    }
  });
});

describe('applyBitLinear', () => {
  const aq: ActQuantIR = { kind: 'act-quant', bits: 8, granularity: 'per-token', groups: 1, scaleNumerator: 'qmax', rounding: 'half-even', epsilon: 1e-5 };
  const make = (outF: number, inF: number, ws: number, convention: 'multiply' | 'divide', seed: number) => {
    const rng = new Rng(seed);
    const w = new Int8Array(outF * inF).map(() => rng.int(-1, 1));
    const store = new Map<string, StoredTensor>([
      ['w', { dtype: 'u8', shape: [outF, Math.ceil(inF / 4)], data: packTernaryRowMajor(w, outF, inF) }],
      ['s', { dtype: 'f32', shape: [1], data: Float32Array.of(ws) }],
    ]);
    const bl: BitLinearIR = {
      kind: 'bitlinear',
      name: 't',
      inFeatures: inF,
      outFeatures: outF,
      weight: { kind: 'packed-weight', weightKind: 'ternary', packing: 'ternary-2bit-rowmajor', tensor: { kind: 'tensor', name: 'w', dtype: 'u8', shape: [outF, Math.ceil(inF / 4)] } },
      scale: { kind: 'weight-scale', convention, groups: 1, tensor: { kind: 'tensor', name: 's', dtype: 'f32', shape: [1] } },
      actQuant: aq,
      bias: null,
    };
    return { bl, store, w };
  };
  it('float numerics equals (T.q)/s*ws computed densely', () => {
    const { bl, store, w } = make(9, 13, 0.75, 'multiply', 3);
    const rng = new Rng(8);
    const x = new Float32Array(2 * 13).map(() => rng.normal());
    const y = applyBitLinear('float', bl, store, x, 2);
    const qa = quantizeFloat(x, 2, 13, aq, 't');
    for (let t = 0; t < 2; t++)
      for (let o = 0; o < 9; o++) {
        let acc = 0;
        for (let j = 0; j < 13; j++) acc += w[o * 13 + j]! * qa.q[t * 13 + j]!;
        expect(y[t * 9 + o]).toBe(Math.fround((acc / qa.s[t]!) * 0.75));
      }
  });
  it('hw numerics: the same int8 codes as float, outputs within one ulp, divide/multiply conventions agree', () => {
    const m = make(16, 40, 0.5, 'multiply', 4);
    const d = make(16, 40, 2, 'divide', 4);
    const rng = new Rng(9);
    const x = new Float32Array(3 * 40).map(() => rng.normal());
    const hm = applyBitLinear('hw', m.bl, m.store, x, 3);
    const hd = applyBitLinear('hw', d.bl, d.store, x, 3);
    expect(Array.from(hm)).toEqual(Array.from(hd)); // 0.5 and 1/2 are the same exact scale
    const f = applyBitLinear('float', m.bl, m.store, x, 3);
    for (let i = 0; i < f.length; i++) expect(Math.abs(f32Bits(Math.abs(hm[i]!)) - f32Bits(Math.abs(f[i]!)))).toBeLessThanOrEqual(1);
  });
});
