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
import { createKvCache, forward } from '../ref/model.js';
import { f32Bits } from '../util/float.js';
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
  ];
}

export function vectorsForPlan(model: Model, plan: EnginePlan, count: number, seed: number): EngineVector[] {
  const bls = new Map(allBitLinears(model.ir).map((b) => [b.name, b]));
  const captured = captureActivations(model, Math.max(1, Math.min(8, Math.ceil(count / 64))), 8, seed);
  const rng = new Rng(seed ^ 0x5eed);
  const pools = plan.layers.map((l) => [...edgeCaseActivations(l.n, rng), ...(captured.get(l.name) ?? [])]);
  const vectors: EngineVector[] = [];
  for (let i = 0; i < count; i++) {
    const li = i % plan.layers.length;
    const l = plan.layers[li]!;
    const pool = pools[li]!;
    let x: Float32Array;
    const j = Math.floor(i / plan.layers.length);
    if (j < pool.length) x = pool[j]!;
    else {
      // Fresh variations of real activations: scaled, sign-flipped, perturbed.
      const base = pool[rng.int(0, pool.length - 1)]!;
      const scale = 2 ** rng.int(-20, 20) * (0.5 + rng.float());
      x = Float32Array.from(base, (val) => (rng.float() < 0.05 ? -val : val) * scale + (rng.float() < 0.1 ? rng.normal() * scale * 0.1 : 0));
    }
    const bl = bls.get(l.name)! as BitLinearIR;
    const y = applyBitLinear('hw', bl, model.tensors, x, 1);
    vectors.push({ layer: li, x, y });
  }
  return vectors;
}

export function writeVectors(file: string, vectors: readonly EngineVector[]): void {
  const hex = (a: Float32Array): string => Array.from(a, (v) => f32Bits(v).toString(16).padStart(8, '0')).join(' ');
  const parts: string[] = ['bnhw-vectors 1\n'];
  for (const v of vectors) parts.push(`T ${v.layer} ${v.x.length} ${v.y.length}\nX ${hex(v.x)}\nY ${hex(v.y)}\n`);
  fs.writeFileSync(file, parts.join(''));
}
