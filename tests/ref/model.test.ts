import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/ir/load.js';
import { createKvCache, forward, generateGreedy, runSequence, argmax } from '../../src/ref/model.js';
import { asBitLinear, type LinearIR, type Model, type NormIR } from '../../src/ir/types.js';
import { unpackBinaryRowMajor, unpackTernaryRowMajor } from '../../src/ir/pack.js';
import { getF32 } from '../../src/ref/tensors.js';
import { codesOf, fixture } from '../helpers.js';

const TOKENS = [5, 1, 33, 7, 7, 20, 39];

/**
 * An independent, dense, textbook implementation of the same network (float numerics): fake-quant
 * activations, dense dequantized weights, explicit loops. Shares no code with src/ref/model.ts.
 */
function denseForward(m: Model, tokens: number[]): Float64Array[] {
  const ir = m.ir;
  const t = m.tensors;
  const h = ir.hidden;
  const f32 = (ref: { name: string }) => getF32(t, ref as never);
  const lin = (l: LinearIR, x: Float64Array): Float64Array => {
    const bl = asBitLinear(l);
    const w = t.get(bl.weight.tensor.name)!.data as Uint8Array;
    const W = bl.weight.weightKind === 'ternary' ? unpackTernaryRowMajor(w, bl.outFeatures, bl.inFeatures) : unpackBinaryRowMajor(w, bl.outFeatures, bl.inFeatures);
    const ws = f32(bl.scale.tensor);
    let amax = 0;
    for (const v of x) amax = Math.max(amax, Math.abs(v));
    const N = bl.actQuant.scaleNumerator === 'qmax' ? 127 : 128;
    const s = Math.fround(N / Math.fround(Math.max(amax, Math.fround(1e-5))));
    const xq = Array.from(x, (v) => {
      const r = Math.fround(v * s);
      let q = Math.round(r);
      if (q - r === 0.5 && q % 2 !== 0) q -= 1;
      return Math.max(-128, Math.min(127, q)) / s;
    });
    const y = new Float64Array(bl.outFeatures);
    const rowsPerGroup = bl.outFeatures / bl.scale.groups;
    for (let o = 0; o < bl.outFeatures; o++) {
      let acc = 0;
      for (let j = 0; j < bl.inFeatures; j++) acc += W[o * bl.inFeatures + j]! * xq[j]!;
      const sc = ws[Math.floor(o / rowsPerGroup)]!;
      y[o] = bl.scale.convention === 'multiply' ? acc * sc : acc / sc;
    }
    return y;
  };
  const norm = (n: NormIR, x: Float64Array): Float64Array => {
    const w = f32(n.weight);
    const b = n.bias ? f32(n.bias) : null;
    const d = x.length;
    if (n.type === 'rmsnorm') {
      const ms = x.reduce((a, v) => a + v * v, 0) / d;
      return x.map((v, i) => (v / Math.sqrt(ms + n.eps)) * w[i]! + (b ? b[i]! : 0));
    }
    const mu = x.reduce((a, v) => a + v, 0) / d;
    const va = x.reduce((a, v) => a + (v - mu) ** 2, 0) / d;
    return x.map((v, i) => ((v - mu) / Math.sqrt(va + n.eps)) * w[i]! + (b ? b[i]! : 0));
  };
  const rope = (v: Float64Array, pos: number, hd: number, theta: number): void => {
    for (let base = 0; base < v.length; base += hd) {
      for (let i = 0; i < hd / 2; i++) {
        const ang = pos / theta ** ((2 * i) / hd);
        const a = v[base + i]!;
        const b = v[base + i + hd / 2]!;
        v[base + i] = a * Math.cos(ang) - b * Math.sin(ang);
        v[base + i + hd / 2] = b * Math.cos(ang) + a * Math.sin(ang);
      }
    }
  };
  const E = f32(ir.embedding.weight);
  const xs = tokens.map((tok) => Float64Array.from(E.subarray(tok * h, (tok + 1) * h)));
  ir.layers.forEach((l) => {
    const a = l.attention;
    const hd = a.headDim;
    const K: Float64Array[] = [];
    const Vv: Float64Array[] = [];
    const Qs: Float64Array[] = [];
    xs.forEach((x, p) => {
      const n = norm(l.attnNorm, x);
      const q = lin(a.q, n);
      const k = lin(a.k, n);
      if (a.rope) {
        rope(q, p, hd, a.rope.theta);
        rope(k, p, hd, a.rope.theta);
      }
      Qs.push(q);
      K.push(k);
      Vv.push(lin(a.v, n));
    });
    xs.forEach((x, p) => {
      const out = new Float64Array(a.heads * hd);
      for (let hh = 0; hh < a.heads; hh++) {
        const kv = Math.floor(hh / (a.heads / a.kvHeads));
        const sc = K.slice(0, p + 1).map((k) => {
          let s = 0;
          for (let d = 0; d < hd; d++) s += Qs[p]![hh * hd + d]! * k[kv * hd + d]!;
          return s / Math.sqrt(hd);
        });
        const mx = Math.max(...sc);
        const e = sc.map((s) => Math.exp(s - mx));
        const z = e.reduce((u, v) => u + v, 0);
        for (let d = 0; d < hd; d++) out[hh * hd + d] = e.reduce((u, w, j) => u + w * Vv[j]![kv * hd + d]!, 0) / z;
      }
      const o = lin(a.o, a.subNorm ? norm(a.subNorm, out) : out);
      for (let i = 0; i < h; i++) x[i] = x[i]! + o[i]!;
      const f = l.ffn;
      const n2 = norm(l.ffnNorm, x);
      const up = lin(f.up, n2);
      const g = f.gate ? lin(f.gate, n2) : null;
      const mid = up.map((u, i) => {
        if (f.activation === 'relu2-gated') return Math.max(g![i]!, 0) ** 2 * u;
        if (f.activation === 'swiglu') return (g![i]! / (1 + Math.exp(-g![i]!))) * u;
        return 0.5 * u * (1 + erfRef(u / Math.SQRT2));
      });
      const dn = lin(f.down, f.subNorm ? norm(f.subNorm, mid) : mid);
      for (let i = 0; i < h; i++) x[i] = x[i]! + dn[i]!;
    });
  });
  const H = f32(ir.head.weight);
  return xs.map((x) => {
    const n = norm(ir.finalNorm, x);
    const out = new Float64Array(ir.embedding.vocabSize);
    for (let v = 0; v < out.length; v++) for (let j = 0; j < h; j++) out[v] = out[v]! + n[j]! * H[v * h + j]!;
    return out;
  });
}

/** erf by its Maclaurin series (converges fast for the small arguments a tiny model sees). */
function erfRef(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('reference forward pass', () => {
  const variants = [
    { name: 'packed 2B4T layout, GQA, relu2, SubLN', spec: { format: 'hf-packed' as const } },
    { name: '1bitLLM llama, SwiGLU', spec: { format: 'llama-1bitllm' as const, kvHeads: 4 } },
    { name: 'paper binary, LayerNorm, GeLU, groups', spec: { format: 'paper-binary' as const, activation: 'gelu' as const, normType: 'layernorm' as const, groups: 2 } },
  ];
  for (const v of variants) {
    it(`float numerics matches an independent dense implementation: ${v.name}`, () => {
      const m = loadModel(fixture(v.spec));
      const r = runSequence(m, TOKENS, { numerics: 'float' });
      const dense = denseForward(m, TOKENS);
      const V = m.ir.embedding.vocabSize;
      let range = 0;
      let maxDiff = 0;
      dense.forEach((row, t) => {
        range = Math.max(range, Math.max(...row) - Math.min(...row));
        row.forEach((val, i) => (maxDiff = Math.max(maxDiff, Math.abs(val - r.logits[t * V + i]!))));
      });
      expect(maxDiff / range).toBeLessThan(1e-4);
    });
  }
  it('prefill and token-by-token decode through the KV cache give identical logits (both numerics)', () => {
    const m = loadModel(fixture({ format: 'hf-packed' }));
    const V = m.ir.embedding.vocabSize;
    for (const numerics of ['float', 'hw'] as const) {
      const all = runSequence(m, TOKENS, { numerics }).logits;
      const cache = createKvCache(m, TOKENS.length);
      TOKENS.forEach((tok, t) => {
        const row = forward(m, [tok], cache, { numerics });
        expect(Array.from(row)).toEqual(Array.from(all.subarray(t * V, (t + 1) * V)));
      });
      // Mixed: prefill 3, then 4 at once.
      const c2 = createKvCache(m, TOKENS.length);
      forward(m, TOKENS.slice(0, 3), c2, { numerics });
      const rest = forward(m, TOKENS.slice(3), c2, { numerics });
      expect(Array.from(rest)).toEqual(Array.from(all.subarray(3 * V)));
    }
  });
  it('greedy generation follows the argmax of the full-sequence run', () => {
    const m = loadModel(fixture({ format: 'llama-1bitllm' }));
    const gen = generateGreedy(m, [3, 9], 5, { numerics: 'hw' });
    const seq = [3, 9, ...gen];
    const r = runSequence(m, seq, { numerics: 'hw' });
    const V = m.ir.embedding.vocabSize;
    for (let i = 0; i < gen.length; i++) expect(argmax(r.logits.subarray((i + 1) * V, (i + 2) * V))).toBe(gen[i]);
  });
  it('hw numerics is deterministic and close to float numerics', () => {
    const m = loadModel(fixture({ format: 'hf-packed' }));
    const a = runSequence(m, TOKENS, { numerics: 'hw' });
    const b = runSequence(m, TOKENS, { numerics: 'hw' });
    expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    const f = runSequence(m, TOKENS, { numerics: 'float' });
    let range = 0;
    let d = 0;
    for (let i = 0; i < f.logits.length; i++) d = Math.max(d, Math.abs(f.logits[i]! - a.logits[i]!));
    range = Math.max(...f.logits) - Math.min(...f.logits);
    expect(d / range).toBeLessThan(0.02);
  });
  it('rejects bad token ids and over-long sequences with coded errors', () => {
    const m = loadModel(fixture({ format: 'hf-packed', maxPositions: 8 }));
    expect(codesOf(() => runSequence(m, [1, 99], { numerics: 'float' }))).toEqual(['RUN003']);
    expect(codesOf(() => runSequence(m, [], { numerics: 'float' }))).toEqual(['RUN001']);
    const c = createKvCache(m);
    expect(codesOf(() => forward(m, [1, 2, 3, 4, 5, 6, 7, 8, 9], c, { numerics: 'float' }))).toEqual(['RUN002']);
  });
});
