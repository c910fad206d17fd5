/**
 * Test vectors for the RTL, produced by the reference (hw numerics): real activations captured
 * from the model's own forward passes, plus worst cases (every input at +-absmax so every code is
 * -128/127 or +-127, all-zero, tiny values at the eps clamp, subnormals, alternating signs,
 * one large spike). One format is read by the Verilator harness and the cocotb benches:
 *
 *   bnhw-vectors 1
 *   T <layer id> <n> <out>
 *   X <n binary32 words, hex>
 *   Y <out binary32 words, hex>
 */
import { progressBar } from '../util/progress.js';
import * as fs from 'node:fs';
import type { EnginePlan } from '../ir/engine-plan.js';
import type { BitLinearIR, Model } from '../ir/types.js';
import { allBitLinears } from '../ir/types.js';
import { applyBitLinear } from '../ref/bitlinear.js';
import { quantizeElementBits } from '../numerics/index.js';
import { bitsToF32, f32Bits } from '../util/float.js';
import { createKvCache, forward } from '../ref/model.js';
import { Rng } from '../util/prng.js';

export interface EngineVector {
  readonly layer: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** Inputs of every BitLinear, captured from reference runs over random token sequences. */
export function captureActivations(model: Model, sequences: number, seqLen: number, seed: number): Map<string, Float32Array[]> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array[]>();
  const V = model.ir.embedding.vocabSize;
  for (let s = 0; s < sequences; s++) {
    const toks = Array.from({ length: seqLen }, () => rng.int(0, V - 1));
    const cache = createKvCache(model, seqLen);
    forward(model, toks, cache, {
      numerics: 'hw',
      logits: 'last',
      onBitLinear: (name, x, rows) => {
        const n = x.length / rows;
        const list = out.get(name) ?? [];
        for (let r = 0; r < rows; r++) list.push(x.slice(r * n, (r + 1) * n));
        out.set(name, list);
      },
    });
  }
  return out;
}

/** Adversarial and edge-case activation vectors of length n. */
export function edgeCaseActivations(n: number, rng: Rng, N = 127): Float32Array[] {
  const v = (f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
  // Near ties of the fp32 product: with amax fixed (element 0), s = RNE(N / amax) and elements
  // x = RNE((k + 1/2) / s), nudged by an ulp, make x * s land within 2^-24 of a half-integer, so
  // the product's rounding to 24 bits decides the code (PyTorch rounds it; an exact product differs).
  const nearTies = (amax: number): Float32Array => {
    const sc = Math.fround(N / amax);
    return v((i) => {
      if (i === 0) return amax;
      const k = (i * 37) % 126;
      const x = Math.fround((k + 0.5) / sc);
      const nudge = i % 3 === 0 ? 1 : i % 3 === 1 ? 1 + 2 ** -23 : 1 - 2 ** -24;
      return Math.fround(x * nudge) * (i % 2 ? -1 : 1);
    });
  };
  return [
    nearTies(1),
    nearTies(3),
    nearTies(0.7),
    v(() => 3.5), // every code +127
    v(() => -3.5), // every code -127
    v((i) => (i % 2 ? 2.25 : -2.25)),
    v(() => 0), // all zero: amax clamps to eps
    v((i) => (i === 0 ? -1e-7 : 3e-8 * ((i % 7) - 3))), // below eps
    v((i) => (i % 3 === 0 ? 1e-40 : -2e-41)), // subnormals
    v((i) => (i === n >> 1 ? 6.0e4 : ((i % 5) - 2) * 1e-3)), // one spike, the rest round to 0
    v((i) => ((i % 256) - 128) / 128), // every code value
    v(() => rng.normal() * 1e6),
    v(() => (rng.float() < 0.5 ? -0 : 0.5)),
    v((i) => (i % 2 ? 0.5 : 1.5) * (i % 4 < 2 ? 1 : -1)), // round-half cases
    // Exact code ties: amax = 254/128 gives s = 64 (N = 127), so every x = (2j+1)/128 lands
    // exactly halfway between two codes (half-even and half-away differ).
    v((i) => (i === 0 ? 254 / 128 : ((2 * (i % 127) + 1) / 128) * (i % 2 ? -1 : 1))),
    // The same ties with the pow2 numerator (amax = 1, s = 128): x = (2j+1)/256.
    v((i) => (i === 0 ? -1 : ((2 * (i % 255) + 1) / 256) * (i % 3 ? 1 : -1))),
  ];
}

/** The file's magic; then records of u32 layer, u32 n, u32 out, n x f32 input, out x f32 expected output. */
export const VECTOR_MAGIC = 'BNHWVEC1';

export function encodeVectorRecord(layer: number, x: Float32Array, y: Float32Array): Buffer {
  const rec = new Uint32Array(3 + x.length + y.length);
  rec[0] = layer;
  rec[1] = x.length;
  rec[2] = y.length;
  rec.set(new Uint32Array(x.buffer, x.byteOffset, x.length), 3);
  rec.set(new Uint32Array(y.buffer, y.byteOffset, y.length), 3 + x.length);
  return Buffer.from(rec.buffer);
}

/** A vector file of the given tokens (layer id, input, expected output), written whole. */
export function writeVectorFile(file: string, tokens: readonly { readonly layer: number; readonly x: Float32Array; readonly y: Float32Array }[]): void {
  fs.writeFileSync(file, Buffer.concat([Buffer.from(VECTOR_MAGIC, 'ascii'), ...tokens.map((t) => encodeVectorRecord(t.layer, t.x, t.y))]));
}

/**
 * Generate `count` tokens round-robin over the plan's layers, streaming them to `file`: first the
 * edge cases and captured activations of each layer, then fresh variations of the captured ones
 * (rescaled over 2^+-20, sign flips, noise). Expected outputs come from the hw-numerics reference.
 */
export function writeVectorsForPlan(model: Model, plan: EnginePlan, count: number, seed: number, file: string): { layers: number[] } {
  const bls = new Map(allBitLinears(model.ir).map((b) => [b.name, b]));
  const captured = captureActivations(model, Math.max(1, Math.min(8, Math.ceil(count / 64))), 8, seed);
  const rng = new Rng(seed ^ 0x5eed);
  const pools = plan.layers.map((l) => [...edgeCaseActivations(l.n, rng, l.qscale), ...(captured.get(l.name) ?? [])]);
  const fd = fs.openSync(file, 'w');
  const perLayer = plan.layers.map(() => 0);
  const bar = progressBar('vectors: reference outputs', count, 'token vectors', 5000);
  try {
    fs.writeSync(fd, Buffer.from(VECTOR_MAGIC, 'ascii'));
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    for (let i = 0; i < count; i++) {
      const li = i % plan.layers.length;
      const l = plan.layers[li]!;
      const pool = pools[li]!;
      const j = Math.floor(i / plan.layers.length);
      let x: Float32Array;
      if (j < pool.length) x = pool[j]!;
      else {
        const base = pool[rng.int(0, pool.length - 1)]!;
        const scale = 2 ** rng.int(-20, 20) * (0.5 + rng.float());
        x = Float32Array.from(base, (val) => (rng.float() < 0.05 ? -val : val) * scale + (rng.float() < 0.1 ? rng.normal() * scale * 0.1 : 0));
      }
      const y = applyBitLinear('hw', bls.get(l.name)! as BitLinearIR, model.tensors, x, 1);
      const rec = encodeVectorRecord(li, x, y);
      pending.push(rec);
      pendingBytes += rec.byteLength;
      perLayer[li]!++;
      if ((i & 255) === 255) bar.update(i + 1);
      if (pendingBytes > 1 << 22) {
        fs.writeSync(fd, Buffer.concat(pending));
        pending.length = 0;
        pendingBytes = 0;
      }
    }
    if (pending.length) fs.writeSync(fd, Buffer.concat(pending));
    bar.update(count);
  } finally {
    bar.stop();
    fs.closeSync(fd);
  }
  return { layers: perLayer };
}

/**
 * Element-quantizer vectors (binary, little-endian): magic "BNHWQE01", then per element u32 x bits,
 * u32 s bits (a token scale RNE_f32(N / amax)), u32 flags (bit 0 half-away, bit 1 padding) and the
 * expected int8 code as i32, from src/numerics. Elements are captured activations with their
 * token's scale, random elements at every exponent, exact ties and edge values.
 */
export function writeQuantizerVectors(model: Model, plan: EnginePlan, count: number, seed: number, file: string): void {
  const captured = captureActivations(model, 2, 6, seed);
  const rng = new Rng(seed ^ 0x9a17);
  const recs: number[] = [];
  const add = (x: number, s: number, ha: boolean, pad: boolean): void => {
    const xb = f32Bits(Math.fround(x));
    recs.push(xb, s, (ha ? 1 : 0) | (pad ? 2 : 0), pad ? 0 : quantizeElementBits(xb, s, ha) >>> 0);
  };
  const scaleOf = (amax: number, N: number): number => f32Bits(Math.fround(N / Math.fround(Math.max(amax, 1e-5))));
  const layers = plan.layers;
  let i = 0;
  for (const l of layers) {
    for (const x of captured.get(l.name) ?? []) {
      let amax = 0;
      for (const v of x) amax = Math.max(amax, Math.abs(v));
      const s = scaleOf(amax, l.qscale);
      for (let j = 0; j < x.length && i < count / 2; j += 3, i++) add(x[j]!, s, l.halfAway, false);
    }
  }
  while (i < count) {
    const N = rng.float() < 0.5 ? 127 : 128;
    const amax = 2 ** rng.int(-30, 30) * (0.5 + rng.float());
    const s = scaleOf(amax, N);
    const kind = i % 4;
    if (kind === 0) add(amax * (2 * rng.float() - 1), s, rng.float() < 0.5, false);
    else if (kind === 1) add((rng.int(-128, 127) + 0.5) / bitsToF32(s), s, rng.float() < 0.5, false); // near or at ties
    else if (kind === 2) add(amax * (rng.float() < 0.5 ? 1 : -1), s, false, false); // +-amax
    else add(rng.float() < 0.5 ? 1e-40 * rng.normal() : 0, s, false, rng.float() < 0.3); // subnormal, zero, padding
    i++;
  }
  const body = Int32Array.from(recs.map((v) => v | 0));
  fs.writeFileSync(file, Buffer.concat([Buffer.from('BNHWQE01', 'ascii'), Buffer.from(body.buffer)]));
}

/** Exact size in bytes of the vector file `writeVectorsForPlan(…, plan, count, …)` writes. */
export function vectorFileBytes(plan: EnginePlan, count: number): number {
  let bytes = 8;
  const L = plan.layers.length;
  for (let li = 0; li < L; li++) {
    const l = plan.layers[li]!;
    const tokens = Math.floor(count / L) + (li < count % L ? 1 : 0);
    bytes += tokens * (12 + 4 * l.n + 4 * l.out);
  }
  return bytes;
}
