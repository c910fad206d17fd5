/**
 * Typed access to stored tensors. Full-precision tensors may be stored as f32, bf16 or f16;
 * `getF32` widens on demand, and `rowF32` widens a single row (the 2B4T embedding stays bf16 in
 * memory: widening it whole would double a 656 MB tensor).
 */
import type { StoredTensor, TensorRef, TensorStore } from '../ir/types.js';
import { bf16ToF32, f16ToF32 } from '../util/float.js';

function get(store: TensorStore, ref: TensorRef): StoredTensor {
  const t = store.get(ref.name);
  if (!t) throw new Error(`tensor ${ref.name} missing from store (validate the model first)`);
  return t;
}

/** A tensor as stored (its own dtype and array). */
export function stored(store: TensorStore, ref: TensorRef): StoredTensor {
  return get(store, ref);
}

export function getU8(store: TensorStore, ref: TensorRef): Uint8Array {
  const t = get(store, ref);
  if (!(t.data instanceof Uint8Array)) throw new Error(`tensor ${ref.name} is ${t.dtype}, expected u8`);
  return t.data;
}

const widened = new WeakMap<StoredTensor, Float32Array>();

export function getF32(store: TensorStore, ref: TensorRef): Float32Array {
  const t = get(store, ref);
  if (t.dtype === 'f32') return t.data as Float32Array;
  let w = widened.get(t);
  if (!w) {
    const src = t.data as Uint16Array;
    w = new Float32Array(src.length);
    const conv = t.dtype === 'bf16' ? bf16ToF32 : f16ToF32;
    for (let i = 0; i < src.length; i++) w[i] = conv(src[i]!);
    widened.set(t, w);
  }
  return w;
}

/** Row r of a 2-D full-precision tensor as f32 (no whole-tensor widening). */
export function rowF32(store: TensorStore, ref: TensorRef, r: number, out: Float32Array): Float32Array {
  const t = get(store, ref);
  const cols = t.shape[1]!;
  if (t.dtype === 'f32') {
    out.set((t.data as Float32Array).subarray(r * cols, (r + 1) * cols));
    return out;
  }
  const src = t.data as Uint16Array;
  if (t.dtype === 'bf16') {
    const u = new Uint32Array(out.buffer, out.byteOffset, cols);
    for (let j = 0; j < cols; j++) u[j] = src[r * cols + j]! << 16;
  } else {
    for (let j = 0; j < cols; j++) out[j] = f16ToF32(src[r * cols + j]!);
  }
  return out;
}
