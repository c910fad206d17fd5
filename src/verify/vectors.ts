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
import * as fs from 'node:fs';
import type { EnginePlan } from '../ir/engine-plan.js';
import type { BitLinearIR, Model } from '../ir/types.js';
import { allBitLinears } from '../ir/types.js';
import { applyBitLinear } from '../ref/bitlinear.js';
import { quantizeHw } from '../numerics/index.js';
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
export function edgeCaseActivations(n: number, rng: Rng): Float32Array[] {
  const v = (f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
  return [
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
    // Exact code ties: amax = 254/128 gives A = 127 * 512 and R = 2^23, so q = X / 512 and every
    // x = (2j+1)/128 lands exactly halfway between two codes (half-even and half-away differ).
    v((i) => (i === 0 ? 254 / 128 : ((2 * (i % 127) + 1) / 128) * (i % 2 ? -1 : 1))),
    // The same ties with the pow2 numerator (A = 2^15, R = 2^24): x = (2j+1)/256 * 2.
    v((i) => (i === 0 ? -1 : ((2 * (i % 255) + 1) / 256) * (i % 3 ? 1 : -1))),
  ];
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
  const pools = plan.layers.map((l) => [...edgeCaseActivations(l.n, rng), ...(captured.get(l.name) ?? [])]);
  const fd = fs.openSync(file, 'w');
  const perLayer = plan.layers.map(() => 0);
  try {
    fs.writeSync(fd, Buffer.from('BNHWVEC1', 'ascii'));
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
      const rec = new Uint32Array(3 + x.length + y.length);
      rec[0] = li;
      rec[1] = x.length;
      rec[2] = y.length;
      rec.set(new Uint32Array(x.buffer, x.byteOffset, x.length), 3);
      rec.set(new Uint32Array(y.buffer, y.byteOffset, y.length), 3 + x.length);
      pending.push(Buffer.from(rec.buffer));
      pendingBytes += rec.byteLength;
      perLayer[li]!++;
      if (pendingBytes > 1 << 22) {
        fs.writeSync(fd, Buffer.concat(pending));
        pending.length = 0;
        pendingBytes = 0;
      }
    }
    if (pending.length) fs.writeSync(fd, Buffer.concat(pending));
  } finally {
    fs.closeSync(fd);
  }
  return { layers: perLayer };
}

/**
 * Quantizer vectors (binary, little-endian): magic "BNHWQV01", u32 S, then per token u32 n,
 * chunks, qscale, half_away, eps bits, A, ea (biased exponent of amax_eff), n input words and
 * chunks*S int8 codes (zeros past n), all from the hw-numerics quantizer.
 */
export function writeQuantizerVectors(model: Model, plan: EnginePlan, count: number, seed: number, file: string): void {
  const bls = new Map(allBitLinears(model.ir).map((b) => [b.name, b]));
  const captured = captureActivations(model, 2, 6, seed);
  const rng = new Rng(seed ^ 0x9a17);
  const parts: Buffer[] = [Buffer.from('BNHWQV01', 'ascii'), Buffer.from(Uint32Array.of(plan.S).buffer)];
  for (let i = 0; i < count; i++) {
    const l = plan.layers[i % plan.layers.length]!;
    const bl = bls.get(l.name)!;
    const pool = [...edgeCaseActivations(l.n, rng), ...(captured.get(l.name) ?? [])];
    const base = pool[Math.floor(i / plan.layers.length) % pool.length]!;
    const x = i < plan.layers.length * pool.length ? base : Float32Array.from(base, (v) => v * 2 ** rng.int(-30, 30));
    const qa = quantizeHw(x, 1, l.n, bl.actQuant, l.name);
    const codes = new Int8Array(l.chunks * plan.S);
    codes.set(qa.q);
    const hdr = Uint32Array.of(l.n, l.chunks, l.qscale, l.halfAway ? 1 : 0, l.epsBits, qa.A[0]!, qa.e[0]! + 127);
    parts.push(Buffer.from(hdr.buffer), Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(codes.buffer));
  }
  fs.writeFileSync(file, Buffer.concat(parts));
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
