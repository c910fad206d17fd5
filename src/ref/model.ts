/**
 * The reference forward pass: the slow, obviously correct specification every other component
 * is tested against.
 *
 * Needs: a validated `Model`. Guarantees: causal attention over a KV cache (prefill of T tokens and
 * one-token decode share one code path), grouped-query attention, Llama rotate-half RoPE, every FFN
 * kind of the IR, SubLN wherever the IR places it, and BitLinears under `float` or `hw` numerics.
 * Deterministic: the same model, tokens and numerics give the same bits.
 */
import { isBitNet, type BitLinearIR, type DecoderLayerIR, type LinearIR, type Model } from '../ir/types.js';
import type { Numerics } from '../numerics/index.js';
import { fail } from '../util/diagnostics.js';
import { applyBitLinear, applyInt8Linear, type Kernel } from './bitlinear.js';
import { applyDense, applyNorm, applyRope, ffnActivation, ropeTables } from './ops.js';
import { attendHw, attentionScale, dotF32, ffnActHw, kvStore, layerNormHw, rmsNormHw, ropeHw, ropeInvFreq, ropeRow, type KvFormat } from '../numerics/model.js';
import type { NormIR, TensorStore } from '../ir/types.js';
import { getF32, rowF32 } from './tensors.js';
import type { QuantizedActs } from '../numerics/index.js';

export interface KvCache {
  readonly capacity: number;
  length: number;
  readonly k: Float32Array[];
  readonly v: Float32Array[];
}

export function createKvCache(model: Model, capacity = model.ir.maxPositions): KvCache {
  const k: Float32Array[] = [];
  const v: Float32Array[] = [];
  for (const l of model.ir.layers) {
    const size = capacity * l.attention.kvHeads * l.attention.headDim;
    k.push(new Float32Array(size));
    v.push(new Float32Array(size));
  }
  return { capacity, length: 0, k, v };
}

export interface ForwardOptions {
  readonly numerics: Numerics;
  readonly kernel?: Kernel;
  /** Which positions get logits: all (run) or only the last (generation). */
  readonly logits?: 'all' | 'last';
  /**
   * Replaces the reference BitLinear (e.g. by the cycle-level engine model). Must return the
   * [rows, out] outputs; used by the simulator's functional mode.
   */
  readonly bitlinear?: (bl: BitLinearIR, x: Float32Array, rows: number) => Float32Array;
  /** Called for every BitLinear with its input, quantized activations and accumulators. */
  readonly onBitLinear?: (name: string, x: Float32Array, rows: number, qa: QuantizedActs, acc: Int32Array) => void;
  /** hw numerics: the KV cache's storage format (default fp32). */
  readonly kvFormat?: KvFormat;
}

/** A norm under the chosen numerics (hw: numerics/model.ts; float: ref/ops.ts). */
function norm(numerics: Numerics, n: NormIR, tensors: TensorStore, x: Float32Array, rows: number, out: Float32Array): Float32Array {
  if (numerics === 'float') return applyNorm(n, tensors, x, rows, out);
  const w = getF32(tensors, n.weight);
  const b = n.bias ? getF32(tensors, n.bias) : null;
  for (let t = 0; t < rows; t++) {
    if (n.type === 'rmsnorm') rmsNormHw(x, t * n.dim, n.dim, w, n.eps, out, t * n.dim, b);
    else layerNormHw(x, t * n.dim, n.dim, w, n.eps, out, t * n.dim, b);
  }
  return out;
}

function layerForward(model: Model, layer: DecoderLayerIR, li: number, x: Float32Array, T: number, cache: KvCache, opts: ForwardOptions): void {
  const { ir, tensors } = model;
  const h = ir.hidden;
  const a = layer.attention;
  const lin = (l: LinearIR, inp: Float32Array): Float32Array => {
    // A dense layer only reaches here in float numerics (forward refuses hw numerics for it).
    if (l.kind === 'dense-linear') return applyDense(l, tensors, inp, T);
    if (l.kind === 'int8-linear') return applyInt8Linear(l, tensors, inp, T);
    return opts.bitlinear ? opts.bitlinear(l, inp, T) : applyBitLinear(opts.numerics, l, tensors, inp, T, opts.kernel ?? 'lut', opts.onBitLinear ? (qa, acc) => opts.onBitLinear!(l.name, inp, T, qa, acc) : undefined);
  };

  const hw = opts.numerics === 'hw';
  const kvf: KvFormat = opts.kvFormat ?? 'fp32';
  // Attention block.
  const xn = norm(opts.numerics, layer.attnNorm, tensors, x, T, new Float32Array(T * h));
  const q = lin(a.q, xn);
  const k = lin(a.k, xn);
  const v = lin(a.v, xn);
  const hd = a.headDim;
  const qDim = a.heads * hd;
  const kvDim = a.kvHeads * hd;
  const start = cache.length;
  const invFreq = hw && a.rope ? ropeInvFreq(a.rope.theta, hd) : null;
  const cosRow = new Float32Array(hd / 2);
  const sinRow = new Float32Array(hd / 2);
  for (let t = 0; t < T; t++) {
    if (a.rope) {
      if (hw) {
        ropeRow(invFreq!, start + t, cosRow, sinRow);
        ropeHw(q, t * qDim, a.heads, hd, cosRow, sinRow);
        ropeHw(k, t * kvDim, a.kvHeads, hd, cosRow, sinRow);
      } else {
        const { cos, sin } = ropeTables(a.rope, hd, start + t);
        applyRope(q, t * qDim, a.heads, hd, cos, sin);
        applyRope(k, t * kvDim, a.kvHeads, hd, cos, sin);
      }
    }
    if (hw && kvf !== 'fp32') {
      for (let i = 0; i < kvDim; i++) {
        cache.k[li]![(start + t) * kvDim + i] = kvStore(kvf, k[t * kvDim + i]!);
        cache.v[li]![(start + t) * kvDim + i] = kvStore(kvf, v[t * kvDim + i]!);
      }
    } else {
      cache.k[li]!.set(k.subarray(t * kvDim, (t + 1) * kvDim), (start + t) * kvDim);
      cache.v[li]!.set(v.subarray(t * kvDim, (t + 1) * kvDim), (start + t) * kvDim);
    }
  }
  const att = new Float32Array(T * qDim);
  const group = a.heads / a.kvHeads;
  if (hw) {
    const hscale = attentionScale(hd);
    const sc = new Float32Array(start + T);
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < a.heads; hh++) {
        const kvh = Math.floor(hh / group);
        attendHw(q, t * qDim + hh * hd, cache.k[li]!, cache.v[li]!, kvDim, kvh * hd, start + t + 1, hd, hscale, sc, att, t * qDim + hh * hd);
      }
    }
  }
  const scale = 1 / Math.sqrt(hd);
  const scores = new Float64Array(start + T);
  for (let t = 0; t < T && !hw; t++) {
    const pos = start + t;
    for (let hh = 0; hh < a.heads; hh++) {
      const kvh = Math.floor(hh / group);
      const qo = t * qDim + hh * hd;
      let mx = -Infinity;
      for (let j = 0; j <= pos; j++) {
        const ko = j * kvDim + kvh * hd;
        let s = 0;
        for (let d = 0; d < hd; d++) s += q[qo + d]! * cache.k[li]![ko + d]!;
        s = Math.fround(s * scale);
        scores[j] = s;
        if (s > mx) mx = s;
      }
      let den = 0;
      for (let j = 0; j <= pos; j++) {
        const e = Math.exp(scores[j]! - mx);
        scores[j] = e;
        den += e;
      }
      for (let d = 0; d < hd; d++) {
        let s = 0;
        for (let j = 0; j <= pos; j++) s += scores[j]! * cache.v[li]![j * kvDim + kvh * hd + d]!;
        att[qo + d] = s / den;
      }
    }
  }
  const attIn = a.subNorm ? norm(opts.numerics, a.subNorm, tensors, att, T, new Float32Array(att.length)) : att;
  const o = lin(a.o, attIn);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + o[i]!;

  // FFN block.
  const f = layer.ffn;
  const xn2 = norm(opts.numerics, layer.ffnNorm, tensors, x, T, new Float32Array(T * h));
  const gate = f.gate ? lin(f.gate, xn2) : null;
  const up = lin(f.up, xn2);
  const m = hw ? ffnActHw(f.activation, gate, up, new Float32Array(up.length)) : ffnActivation(f.activation, gate, up, new Float32Array(up.length));
  const mIn = f.subNorm ? norm(opts.numerics, f.subNorm, tensors, m, T, new Float32Array(m.length)) : m;
  const down = lin(f.down, mIn);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + down[i]!;
}

/**
 * Run T new tokens through the model, appending to the cache. Returns logits [R, vocab] where R is
 * T (logits: 'all') or 1 (logits: 'last').
 */
export function forward(model: Model, tokens: readonly number[], cache: KvCache, opts: ForwardOptions): Float32Array {
  const { ir, tensors } = model;
  const T = tokens.length;
  const h = ir.hidden;
  const V = ir.embedding.vocabSize;
  if (T === 0) fail('RUN001', 'tokens', 'no tokens given', 'pass at least one token id, e.g. --tokens 1,2,3');
  if ((opts.numerics === 'hw' || opts.bitlinear) && !isBitNet(ir)) {
    fail('RUN010', '--numerics', 'the model has full-precision or int8 linear layers; the hw numerics and the hardware define BitLinears only', 'run it with --numerics float (the default); quantize it into a BitNet for hardware');
  }
  if (cache.length + T > cache.capacity) {
    fail('RUN002', 'tokens', `${cache.length + T} positions exceed the context of ${cache.capacity}`, 'use a shorter sequence', `<= ${cache.capacity} positions`);
  }
  tokens.forEach((tok, i) => {
    if (!Number.isInteger(tok) || tok < 0 || tok >= V) {
      fail('RUN003', `tokens[${i}]`, `token id ${tok} is outside the vocabulary`, 'use integer ids in range', `0 <= id < ${V}`);
    }
  });
  const x = new Float32Array(T * h);
  const row = new Float32Array(h);
  tokens.forEach((tok, t) => x.set(rowF32(tensors, ir.embedding.weight, tok, row), t * h));
  ir.layers.forEach((layer, li) => layerForward(model, layer, li, x, T, cache, opts));
  cache.length += T;

  const first = opts.logits === 'last' ? T - 1 : 0;
  const R = T - first;
  const xf = norm(opts.numerics, ir.finalNorm, tensors, x.subarray(first * h), R, new Float32Array(R * h));
  return opts.numerics === 'hw' ? headLogitsHw(model, xf, R) : headLogits(model, xf, R);
}

/** logits = x . W_head^T, reading the head (often the bf16 tied embedding) row by row. */
function headLogits(model: Model, x: Float32Array, R: number): Float32Array {
  const { ir, tensors } = model;
  const h = ir.hidden;
  const V = ir.embedding.vocabSize;
  const out = new Float32Array(R * V);
  const ref = ir.head.weight;
  const st = tensors.get(ref.name);
  if (st && st.dtype === 'bf16') {
    const w = st.data as Uint16Array;
    const u = new Uint32Array(1);
    const f = new Float32Array(u.buffer);
    for (let vv = 0; vv < V; vv++) {
      const wb = vv * h;
      for (let r = 0; r < R; r++) {
        const xb = r * h;
        let s = 0;
        for (let j = 0; j < h; j++) {
          u[0] = w[wb + j]! << 16;
          s += x[xb + j]! * f[0]!;
        }
        out[r * V + vv] = s;
      }
    }
    return out;
  }
  const w = getF32(tensors, ref);
  for (let vv = 0; vv < V; vv++) {
    const wb = vv * h;
    for (let r = 0; r < R; r++) {
      const xb = r * h;
      let s = 0;
      for (let j = 0; j < h; j++) s += x[xb + j]! * w[wb + j]!;
      out[r * V + vv] = s;
    }
  }
  return out;
}

/**
 * Index of the largest logit; the lowest index wins a tie. NaN never wins (a NaN compares false
 * with everything, so a scan that started on one would keep it); all-NaN rows are an error.
 */
/** hw head: sequential fp32 dot products with the head weights (bf16 widened exactly). */
export function headLogitsHw(model: Model, x: Float32Array, R: number): Float32Array {
  const { ir, tensors } = model;
  const h = ir.hidden;
  const V = ir.embedding.vocabSize;
  const out = new Float32Array(R * V);
  const w = getF32(tensors, ir.head.weight);
  for (let r = 0; r < R; r++) for (let vv = 0; vv < V; vv++) out[r * V + vv] = dotF32(x, r * h, w, vv * h, h);
  return out;
}

export function argmax(row: Float32Array): number {
  let best = -1;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v === v && (best < 0 || v > row[best]!)) best = i;
  }
  if (best < 0) fail('RUN010', 'logits', 'every logit is NaN', 'the model overflowed; check its weights with `bitnet-hw validate`');
  return best;
}

export interface RunResult {
  readonly tokens: number[];
  readonly logits: Float32Array;
  readonly vocab: number;
  readonly argmax: number[];
}

/** Logits for every input position (one forward over the whole sequence). */
export function runSequence(model: Model, tokens: readonly number[], opts: ForwardOptions): RunResult {
  checkContext(model, tokens.length);
  const cache = createKvCache(model, Math.max(tokens.length, 1));
  const logits = forward(model, tokens, cache, { ...opts, logits: 'all' });
  const V = model.ir.embedding.vocabSize;
  const am: number[] = [];
  for (let t = 0; t < tokens.length; t++) am.push(argmax(logits.subarray(t * V, (t + 1) * V)));
  return { tokens: [...tokens], logits, vocab: V, argmax: am };
}

/** Fail fast (before any compute) when a sequence is longer than the model's context. */
export function checkContext(model: Model, positions: number): void {
  if (positions > model.ir.maxPositions) {
    fail('RUN002', 'tokens', `${positions} positions exceed the model's context of ${model.ir.maxPositions}`, 'use a shorter sequence', `<= ${model.ir.maxPositions} positions`);
  }
}

export type StopReason = 'max-tokens' | 'eos' | 'context';

/** Greedy generation: prefill the prompt, then decode one token at a time through the KV cache. */
export function generateGreedyWithReason(model: Model, prompt: readonly number[], maxNew: number, opts: ForwardOptions & { stopAtEos?: boolean }): { tokens: number[]; stopped: StopReason } {
  checkContext(model, prompt.length);
  const cap = Math.min(model.ir.maxPositions, prompt.length + maxNew);
  const cache = createKvCache(model, cap);
  const out: number[] = [];
  let logits = forward(model, prompt, cache, { ...opts, logits: 'last' });
  for (let i = 0; i < maxNew; i++) {
    const next = argmax(logits);
    out.push(next);
    if (opts.stopAtEos && next === model.ir.eosToken) return { tokens: out, stopped: 'eos' };
    if (i + 1 === maxNew) break;
    // The token just produced needs a position of its own before it can be fed back.
    if (cache.length >= model.ir.maxPositions) return { tokens: out, stopped: 'context' };
    logits = forward(model, [next], cache, { ...opts, logits: 'last' });
  }
  return { tokens: out, stopped: 'max-tokens' };
}

export function generateGreedy(model: Model, prompt: readonly number[], maxNew: number, opts: ForwardOptions & { stopAtEos?: boolean }): number[] {
  return generateGreedyWithReason(model, prompt, maxNew, opts).tokens;
}
