/**
 * BitLinear execution for the reference model: quantize, exact integer product, dequantize.
 *
 * Needs: an IR BitLinear and its tensors. Guarantees: the integer accumulators are exact (int32),
 * the `lut` and `naive` kernels return identical accumulators, and `hw` outputs follow
 * src/numerics bit for bit.
 *
 * The `lut` kernel is the table-lookup scheme of bitnet.cpp's TL kernels, adapted to the IR's
 * packing: for each packed byte column (4 ternary or 8 binary inputs) it precomputes the partial
 * sum for all 256 byte values once per token, so every output row costs one lookup and one add per
 * byte instead of 4 (or 8) decodes and multiply-adds. Tables are shared by all output rows.
 */
import { packedBytesPerRow, type BitLinearIR, type Int8LinearIR, type TensorStore } from '../ir/types.js';
import {
  actGroups,
  floatDequant,
  dequantConstant,
  hwDequant,
  weightFactor,
  type DequantConstant,
  quantize,
  type Numerics,
  type QuantizedActs,
} from '../numerics/index.js';
import { getF32, getU8 } from './tensors.js';
import { f32Bits } from '../util/float.js';

export type Kernel = 'lut' | 'naive';

/** Decoded weight value of a ternary code (code 3 is invalid and rejected by import/validate). */
const TERNARY = [-1, 0, 1, 0] as const;

/** Exact accumulators, [rows][out][groups] flattened. Naive: decode every weight. */
export function matmulNaive(
  weightKind: 'binary' | 'ternary',
  w: Uint8Array,
  outF: number,
  inF: number,
  qa: QuantizedActs,
): Int32Array {
  const G = qa.groups;
  const gsize = inF / G;
  const bpr = packedBytesPerRow(weightKind, inF);
  const acc = new Int32Array(qa.rows * outF * G);
  for (let t = 0; t < qa.rows; t++) {
    const qb = t * inF;
    for (let o = 0; o < outF; o++) {
      const wb = o * bpr;
      for (let j = 0; j < inF; j++) {
        let wv: number;
        if (weightKind === 'ternary') wv = TERNARY[(w[wb + (j >> 2)]! >> ((j & 3) * 2)) & 3]!;
        else wv = (w[wb + (j >> 3)]! >> (j & 7)) & 1 ? 1 : -1;
        acc[(t * outF + o) * G + Math.floor(j / gsize)]! += wv * qa.q[qb + j]!;
      }
    }
  }
  return acc;
}

/** Build the 256-entry tables for one token row. */
function buildTables(weightKind: 'binary' | 'ternary', q: Int8Array, qb: number, inF: number, bpr: number, tbl: Int16Array): void {
  if (weightKind === 'ternary') {
    for (let k = 0; k < bpr; k++) {
      const j = k * 4;
      const q0 = j < inF ? q[qb + j]! : 0;
      const q1 = j + 1 < inF ? q[qb + j + 1]! : 0;
      const q2 = j + 2 < inF ? q[qb + j + 2]! : 0;
      const q3 = j + 3 < inF ? q[qb + j + 3]! : 0;
      const base = k * 256;
      for (let c3 = 0; c3 < 4; c3++) {
        const s3 = TERNARY[c3]! * q3;
        for (let c2 = 0; c2 < 4; c2++) {
          const s2 = s3 + TERNARY[c2]! * q2;
          for (let c1 = 0; c1 < 4; c1++) {
            const s1 = s2 + TERNARY[c1]! * q1;
            const idx = base + (c3 << 6) + (c2 << 4) + (c1 << 2);
            tbl[idx] = s1 - q0;
            tbl[idx + 1] = s1;
            tbl[idx + 2] = s1 + q0;
            tbl[idx + 3] = s1;
          }
        }
      }
    }
  } else {
    for (let k = 0; k < bpr; k++) {
      const j = k * 8;
      const base = k * 256;
      let sum = 0;
      const qs = [0, 0, 0, 0, 0, 0, 0, 0];
      for (let t = 0; t < 8; t++) {
        const v = j + t < inF ? q[qb + j + t]! : 0;
        qs[t] = v;
        sum += v;
      }
      tbl[base] = -sum;
      for (let b = 1; b < 256; b++) {
        const low = b & -b;
        tbl[base + b] = tbl[base + (b ^ low)]! + 2 * qs[31 - Math.clz32(low)]!;
      }
    }
  }
}

/** Exact accumulators via shared per-token lookup tables. Group sizes must be multiples of 4/8. */
export function matmulLut(
  weightKind: 'binary' | 'ternary',
  w: Uint8Array,
  outF: number,
  inF: number,
  qa: QuantizedActs,
): Int32Array {
  const G = qa.groups;
  const per = weightKind === 'ternary' ? 4 : 8;
  const bpr = packedBytesPerRow(weightKind, inF);
  const gBytes = inF / G / per;
  if (G > 1 && !Number.isInteger(gBytes)) return matmulNaive(weightKind, w, outF, inF, qa);
  const tbl = new Int16Array(bpr * 256);
  const acc = new Int32Array(qa.rows * outF * G);
  for (let t = 0; t < qa.rows; t++) {
    buildTables(weightKind, qa.q, t * inF, inF, bpr, tbl);
    for (let o = 0; o < outF; o++) {
      const wb = o * bpr;
      const ob = (t * outF + o) * G;
      if (G === 1) {
        let s = 0;
        let k = 0;
        // Unrolled by 4: the inner loop is the reference's hot path.
        for (; k + 3 < bpr; k += 4) {
          const kb = k << 8;
          s +=
            tbl[kb + w[wb + k]!]! +
            tbl[kb + 256 + w[wb + k + 1]!]! +
            tbl[kb + 512 + w[wb + k + 2]!]! +
            tbl[kb + 768 + w[wb + k + 3]!]!;
        }
        for (; k < bpr; k++) s += tbl[(k << 8) + w[wb + k]!]!;
        acc[ob] = s;
      } else {
        for (let g = 0; g < G; g++) {
          let s = 0;
          for (let k = g * gBytes; k < (g + 1) * gBytes; k++) s += tbl[(k << 8) + w[wb + k]!]!;
          acc[ob + g] = s;
        }
      }
    }
  }
  return acc;
}

export function bitlinearAccumulators(bl: BitLinearIR, tensors: TensorStore, qa: QuantizedActs, kernel: Kernel = 'lut'): Int32Array {
  const w = getU8(tensors, bl.weight.tensor);
  const f = kernel === 'lut' ? matmulLut : matmulNaive;
  return f(bl.weight.weightKind, w, bl.outFeatures, bl.inFeatures, qa);
}

/**
 * y = BitLinear(x) for a [rows, in] matrix under the chosen numerics. Returns [rows, out] f32.
 * `onAcc` exposes the exact accumulators and quantized inputs (used by tests and vector capture).
 */
/**
 * An int8 (W8A8) linear in float numerics: activations quantized per token exactly as a
 * BitLinear's, the exact integer product with the int8 weights, then `acc / s * w_scale`.
 */
export function applyInt8Linear(l: Int8LinearIR, tensors: TensorStore, x: Float32Array, rows: number): Float32Array {
  const n = l.inFeatures;
  const out = l.outFeatures;
  const qa = quantize('float', x, rows, n, l.actQuant, l.name);
  const w = tensors.get(l.weight.name)!.data as Int8Array;
  const ws = getF32(tensors, l.scale)[0]!;
  const bias = l.bias ? getF32(tensors, l.bias) : null;
  const y = new Float32Array(rows * out);
  for (let t = 0; t < rows; t++) {
    const xo = t * n;
    for (let o = 0; o < out; o++) {
      const wo = o * n;
      let acc = 0; // |acc| <= 127 * 128 * n: exact in an int32 for any n the validator accepts
      for (let c = 0; c < n; c++) acc += w[wo + c]! * qa.q[xo + c]!;
      let v = floatDequant(acc, qa.s[t]!, ws, 'multiply');
      if (bias) v += bias[o]!;
      y[t * out + o] = v;
    }
  }
  return y;
}

export function applyBitLinear(
  numerics: Numerics,
  bl: BitLinearIR,
  tensors: TensorStore,
  x: Float32Array,
  rows: number,
  kernel: Kernel = 'lut',
  onAcc?: (qa: QuantizedActs, acc: Int32Array) => void,
): Float32Array {
  const inF = bl.inFeatures;
  const outF = bl.outFeatures;
  const qa = quantize(numerics, x, rows, inF, bl.actQuant, bl.name);
  const acc = bitlinearAccumulators(bl, tensors, qa, kernel);
  onAcc?.(qa, acc);
  const ws = getF32(tensors, bl.scale.tensor);
  const WG = bl.scale.groups;
  const rowsPerWG = outF / WG;
  const G = actGroups(bl.actQuant);
  const conv = bl.scale.convention;
  const bias = bl.bias ? getF32(tensors, bl.bias) : null;
  const y = new Float32Array(rows * outF);
  const wf = numerics === 'hw' ? Array.from(ws, (v) => weightFactor(v, conv)) : [];
  const c: DequantConstant[] = [];
  for (let t = 0; t < rows; t++) {
    if (numerics === 'hw') {
      for (let g = 0; g < G; g++) {
        const sBits = f32Bits(qa.s[t * G + g]!);
        for (let wg = 0; wg < WG; wg++) c[g * WG + wg] = dequantConstant(sBits, wf[wg]!);
      }
    }
    for (let o = 0; o < outF; o++) {
      const wg = Math.floor(o / rowsPerWG);
      const ab = (t * outF + o) * G;
      let v = 0;
      if (numerics === 'hw') {
        for (let g = 0; g < G; g++) v = Math.fround(v + hwDequant(acc[ab + g]!, c[g * WG + wg]!));
      } else {
        for (let g = 0; g < G; g++) v += floatDequant(acc[ab + g]!, qa.s[t * G + g]!, ws[wg]!, conv);
      }
      if (bias) v += bias[o]!;
      y[t * outF + o] = v;
    }
  }
  return y;
}
