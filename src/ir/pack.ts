/**
 * Weight packing and weight quantization: the conversions between checkpoint layouts and the IR's
 * canonical packed layouts, and the exact weight quantizers the importers apply.
 *
 * All functions are pure and exact; the same code packs fixtures (export) and unpacks imports,
 * so a round trip is the identity by construction and by test.
 */
import { roundBf16, roundF16, roundHalfEven } from '../util/float.js';
import type { DType } from './types.js';

/** Canonical ternary: u8 [out, ceil(in/4)], code = w+1 at bits 2*(c%4). Codes in, one per weight. */
export function packTernaryRowMajor(codes: Int8Array, out: number, inF: number): Uint8Array {
  const bpr = Math.ceil(inF / 4);
  const p = new Uint8Array(out * bpr).fill(0x55); // 0b01 = weight 0 in every padding field
  for (let r = 0; r < out; r++) {
    for (let c = 0; c < inF; c++) {
      const i = r * bpr + (c >> 2);
      const sh = (c & 3) * 2;
      p[i] = (p[i]! & ~(3 << sh)) | ((codes[r * inF + c]! + 1) << sh);
    }
  }
  return p;
}

export function unpackTernaryRowMajor(p: Uint8Array, out: number, inF: number): Int8Array {
  const bpr = Math.ceil(inF / 4);
  const w = new Int8Array(out * inF);
  for (let r = 0; r < out; r++) {
    for (let c = 0; c < inF; c++) w[r * inF + c] = ((p[r * bpr + (c >> 2)]! >> ((c & 3) * 2)) & 3) - 1;
  }
  return w;
}

/** Canonical binary: u8 [out, ceil(in/8)], bit c%8 set = +1. Values in {-1,+1}. */
export function packBinaryRowMajor(signs: Int8Array, out: number, inF: number): Uint8Array {
  const bpr = Math.ceil(inF / 8);
  const p = new Uint8Array(out * bpr);
  for (let r = 0; r < out; r++) {
    for (let c = 0; c < inF; c++) if (signs[r * inF + c]! > 0) p[r * bpr + (c >> 3)]! |= 1 << (c & 7);
  }
  return p;
}

export function unpackBinaryRowMajor(p: Uint8Array, out: number, inF: number): Int8Array {
  const bpr = Math.ceil(inF / 8);
  const w = new Int8Array(out * inF);
  for (let r = 0; r < out; r++) {
    for (let c = 0; c < inF; c++) w[r * inF + c] = (p[r * bpr + (c >> 3)]! >> (c & 7)) & 1 ? 1 : -1;
  }
  return w;
}

/**
 * Hugging Face 2B4T packing -> canonical. HF: u8 [out/4, in]; output row r = i*(out/4) + j lives
 * in packed row j, bits 2i..2i+1; code = w + 1. Works directly on bytes (no Int8 weight array),
 * so a 6912x2560 projection converts without a 17 MB temporary.
 */
export function hfPackedToCanonical(hf: Uint8Array, out: number, inF: number): Uint8Array {
  const q = out / 4;
  const bpr = Math.ceil(inF / 4);
  const p = new Uint8Array(out * bpr).fill(0x55);
  for (let j = 0; j < q; j++) {
    const src = j * inF;
    for (let i = 0; i < 4; i++) {
      const dst = (i * q + j) * bpr;
      const sh = 2 * i;
      for (let kb = 0; kb < bpr; kb++) {
        const c = kb * 4;
        let byte = 0;
        const lim = Math.min(4, inF - c);
        for (let t = 0; t < lim; t++) byte |= ((hf[src + c + t]! >> sh) & 3) << (2 * t);
        for (let t = lim; t < 4; t++) byte |= 1 << (2 * t);
        p[dst + kb] = byte;
      }
    }
  }
  return p;
}

/** canonical -> Hugging Face 2B4T packing (for writing packed checkpoints). */
export function canonicalToHfPacked(p: Uint8Array, out: number, inF: number): Uint8Array {
  const q = out / 4;
  const bpr = Math.ceil(inF / 4);
  const hf = new Uint8Array(q * inF);
  for (let r = 0; r < out; r++) {
    const i = Math.floor(r / q);
    const j = r % q;
    for (let c = 0; c < inF; c++) {
      const code = (p[r * bpr + (c >> 2)]! >> ((c & 3) * 2)) & 3;
      hf[j * inF + c]! |= code << (2 * i);
    }
  }
  return hf;
}

/** Round a value as a tensor of `dtype` would store it. */
export function roundToDType(x: number, dtype: DType): number {
  switch (dtype) {
    case 'bf16':
      return roundBf16(x);
    case 'f16':
      return roundF16(x);
    default:
      return Math.fround(x);
  }
}

/**
 * BitNet b1.58 absmean ternarization exactly as released code does it (weights upcast to fp32):
 *   s = fp32(1 / fp32(max(mean|W|, 1e-5)));  T = clamp(round_half_even(fp32(W * s)), -1, 1)
 * and the effective weight T / s is cast back to the checkpoint dtype, so the IR scale is
 * ws = dtype(fp32(1 / s)) with the `multiply` convention. mean|W| is summed in float64.
 */
export function ternarizeAbsmean(w: Float32Array, dtype: DType): { codes: Int8Array; scale: number } {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += Math.abs(w[i]!);
  const mean = Math.fround(w.length ? sum / w.length : 0);
  const s = Math.fround(1 / Math.max(mean, Math.fround(1e-5)));
  const codes = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const r = roundHalfEven(Math.fround(w[i]! * s));
    codes[i] = r < -1 ? -1 : r > 1 ? 1 : r;
  }
  return { codes, scale: roundToDType(Math.fround(1 / s), dtype) };
}

/**
 * The paper's binarization (BitNet, arXiv 2310.11453), per group of output rows:
 *   alpha_g = mean(W_g),  W~ = Sign(W_g - alpha_g) with Sign(0) = -1,  beta_g = mean(|W_g|).
 * Means are summed in float64 and rounded to fp32; the subtraction is done in fp32.
 */
export function binarizePaper(w: Float32Array, out: number, inF: number, groups: number): { signs: Int8Array; betas: Float32Array } {
  const signs = new Int8Array(w.length);
  const betas = new Float32Array(groups);
  const rows = out / groups;
  for (let g = 0; g < groups; g++) {
    const lo = g * rows * inF;
    const hi = (g + 1) * rows * inF;
    let s = 0;
    let sa = 0;
    for (let i = lo; i < hi; i++) {
      s += w[i]!;
      sa += Math.abs(w[i]!);
    }
    const alpha = Math.fround(s / (hi - lo));
    betas[g] = Math.fround(sa / (hi - lo));
    for (let i = lo; i < hi; i++) signs[i] = Math.fround(w[i]! - alpha) > 0 ? 1 : -1;
  }
  return { signs, betas };
}

/** Per-tensor absmax int8: s = fp32(absmax / 127), q = clamp(round_half_even(W / s), -127, 127). */
export function int8Absmax(w: Float32Array): { q: Int8Array; scale: number } {
  let amax = 0;
  for (const v of w) amax = Math.max(amax, Math.abs(v));
  const scale = Math.fround(Math.max(amax, 1e-8) / 127);
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const r = roundHalfEven(w[i]! / scale);
    q[i] = r > 127 ? 127 : r < -127 ? -127 : r;
  }
  return { q, scale };
}
