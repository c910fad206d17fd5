/**
 * Model shapes without weights: the BitNet paper's model sizes, BitNet b1.58 2B4T, and the shape of
 * any imported model. Used wherever a model folder is accepted by `sim` and `energy`; values, where
 * needed, come from random weights (make-model), never from a download.
 */
import type { ActQuantIR, BitLinearIR, DecoderLayerIR, FfnActivation, Model, ModelIR, NormIR, NormType, StoredTensor, TensorRef, WeightKind } from './types.js';
import { IR_VERSION } from './types.js';
import { allBitLinears } from './types.js';

export interface ModelShape {
  readonly name: string;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ffnHidden: number;
  readonly activation: FfnActivation;
  readonly vocab: number;
  readonly weightKind: WeightKind;
  /** Context length (positions the KV cache holds). */
  readonly context: number;
  /** BitLinear shapes per layer in execution order (from the IR for imported models). */
  readonly perLayer: readonly { readonly kind: string; readonly n: number; readonly out: number }[];
}

/** A shape from its dimensions (the projections as the BitNet layers have them). */
export function makeShape(name: string, hidden: number, layers: number, heads: number, kvHeads: number, ffnHidden: number, activation: FfnActivation, vocab: number, weightKind: WeightKind, context: number): ModelShape {
  const hd = hidden / heads;
  const perLayer = [
    { kind: 'attn.q', n: hidden, out: hidden },
    { kind: 'attn.k', n: hidden, out: kvHeads * hd },
    { kind: 'attn.v', n: hidden, out: kvHeads * hd },
    { kind: 'attn.o', n: hidden, out: hidden },
    ...(activation === 'gelu' ? [] : [{ kind: 'ffn.gate', n: hidden, out: ffnHidden }]),
    { kind: 'ffn.up', n: hidden, out: ffnHidden },
    { kind: 'ffn.down', n: ffnHidden, out: hidden },
  ];
  return { name, hidden, layers, heads, kvHeads, ffnHidden, activation, vocab, weightKind, context, perLayer };
}

/** The paper's shapes (hidden, layers, heads; FFN = 4h, GeLU, binary W1A8) and 2B4T. */
export const MODEL_PRESETS: Readonly<Record<string, ModelShape>> = {
  'paper-125m': makeShape('paper-125m', 768, 12, 12, 12, 3072, 'gelu', 50257, 'binary', 2048),
  'paper-350m': makeShape('paper-350m', 1024, 24, 16, 16, 4096, 'gelu', 50257, 'binary', 2048),
  'paper-760m': makeShape('paper-760m', 1536, 24, 16, 16, 6144, 'gelu', 50257, 'binary', 2048),
  'paper-1.3b': makeShape('paper-1.3b', 2048, 24, 32, 32, 8192, 'gelu', 50257, 'binary', 2048),
  'paper-2.7b': makeShape('paper-2.7b', 2560, 32, 32, 32, 10240, 'gelu', 50257, 'binary', 2048),
  'paper-6.7b': makeShape('paper-6.7b', 4096, 32, 32, 32, 16384, 'gelu', 50257, 'binary', 2048),
  'paper-13b': makeShape('paper-13b', 5120, 40, 40, 40, 20480, 'gelu', 50257, 'binary', 2048),
  'paper-30b': makeShape('paper-30b', 7168, 48, 56, 56, 28672, 'gelu', 50257, 'binary', 2048),
  '2b4t': makeShape('2b4t', 2560, 30, 20, 5, 6912, 'relu2-gated', 128256, 'ternary', 4096),
};

export function shapeOfModel(model: Model): ModelShape {
  const ir = model.ir;
  const l0 = ir.layers[0]!;
  const bls = allBitLinears(ir);
  const perLayerCount = bls.length / ir.layers.length;
  return {
    name: ir.name,
    hidden: ir.hidden,
    layers: ir.layers.length,
    heads: l0.attention.heads,
    kvHeads: l0.attention.kvHeads,
    ffnHidden: l0.ffn.hidden,
    activation: l0.ffn.activation,
    vocab: ir.embedding.vocabSize,
    weightKind: bls[0]!.weight.weightKind,
    context: ir.maxPositions,
    perLayer: bls.slice(0, perLayerCount).map((b) => ({ kind: b.name.split('.').slice(2).join('.'), n: b.inFeatures, out: b.outFeatures })),
  };
}

/** All BitLinear shapes of the model, named like the IR (`layers.3.attn.q`). */
export function bitlinearShapes(s: ModelShape): { name: string; n: number; out: number }[] {
  const out: { name: string; n: number; out: number }[] = [];
  for (let i = 0; i < s.layers; i++) for (const p of s.perLayer) out.push({ name: `layers.${i}.${p.kind}`, n: p.n, out: p.out });
  return out;
}

/**
 * A weightless IR of a shape (tensor references named, no data): what the program compiler needs
 * for a preset. BitNet conventions: RMSNorm with SubLN and RoPE (2B4T); the paper's shapes use
 * LayerNorm with SubLN.
 */
export function shapeIR(s: ModelShape): ModelIR {
  const hd = s.hidden / s.heads;
  const ref = (name: string, shape: number[]): TensorRef => ({ kind: 'tensor', name, dtype: 'f32', shape });
  const type: NormType = s.activation === 'gelu' ? 'layernorm' : 'rmsnorm';
  const norm = (name: string, dim: number): NormIR => ({ kind: 'norm', type, dim, eps: 1e-5, weight: ref(`${name}.weight`, [dim]), bias: null });
  const aq: ActQuantIR = { kind: 'act-quant', bits: 8, granularity: 'per-token', groups: 1, scaleNumerator: 'qmax', rounding: 'half-even', epsilon: 1e-5 };
  const bl = (name: string, n: number, out: number): BitLinearIR => ({
    kind: 'bitlinear',
    name,
    inFeatures: n,
    outFeatures: out,
    weight: { kind: 'packed-weight', weightKind: s.weightKind, packing: s.weightKind === 'ternary' ? 'ternary-2bit-rowmajor' : 'binary-1bit-rowmajor', tensor: ref(`${name}.weight`, [out, 1]) },
    scale: { kind: 'weight-scale', convention: 'multiply', groups: 1, tensor: ref(`${name}.scale`, [1]) },
    actQuant: aq,
    bias: null,
  });
  const kvd = s.kvHeads * hd;
  const layers: DecoderLayerIR[] = Array.from({ length: s.layers }, (_, i) => {
    const L = `layers.${i}`;
    return {
      kind: 'decoder-layer',
      index: i,
      attnNorm: norm(`${L}.attn_norm`, s.hidden),
      attention: {
        kind: 'attention',
        heads: s.heads,
        kvHeads: s.kvHeads,
        headDim: hd,
        rope: { kind: 'rope', theta: 500000, style: 'rotate-half' },
        q: bl(`${L}.attn.q`, s.hidden, s.hidden),
        k: bl(`${L}.attn.k`, s.hidden, kvd),
        v: bl(`${L}.attn.v`, s.hidden, kvd),
        o: bl(`${L}.attn.o`, s.hidden, s.hidden),
        subNorm: norm(`${L}.attn_sub_norm`, s.hidden),
      },
      ffnNorm: norm(`${L}.ffn_norm`, s.hidden),
      ffn: {
        kind: 'ffn',
        activation: s.activation,
        hidden: s.ffnHidden,
        gate: s.activation === 'gelu' ? null : bl(`${L}.ffn.gate`, s.hidden, s.ffnHidden),
        up: bl(`${L}.ffn.up`, s.hidden, s.ffnHidden),
        down: bl(`${L}.ffn.down`, s.ffnHidden, s.hidden),
        subNorm: norm(`${L}.ffn_sub_norm`, s.ffnHidden),
      },
    };
  });
  // The released checkpoints store the (tied) embedding in bf16.
  const emb: TensorRef = { kind: 'tensor', name: 'embedding', dtype: 'bf16', shape: [s.vocab, s.hidden] };
  return {
    kind: 'model',
    irVersion: IR_VERSION,
    name: s.name,
    source: 'synthetic',
    hidden: s.hidden,
    maxPositions: s.context,
    bosToken: null,
    eosToken: null,
    embedding: { kind: 'embedding', vocabSize: s.vocab, dim: s.hidden, weight: emb },
    layers,
    finalNorm: norm('final_norm', s.hidden),
    head: { kind: 'head', tied: true, weight: emb },
  };
}

/**
 * A model of a preset's shape with the parameters its RTL embeds set (every weight scale 1, every
 * norm gain 1) and its weights and tables absent: enough to generate and lint the whole-model RTL
 * of a shape whose weights and tables stream from DRAM (generateWhole(..., {images: false})) with
 * no checkpoint at hand. A checkpoint of the shape gives the same RTL with its own constants.
 */
export function shapeModel(s: ModelShape): Model {
  const ir = shapeIR(s);
  const tensors = new Map<string, StoredTensor>();
  const ones = (ref: TensorRef): void => {
    const n = ref.shape.reduce((a, b) => a * b, 1);
    tensors.set(ref.name, { dtype: 'f32', shape: ref.shape, data: new Float32Array(n).fill(1) });
  };
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (const y of x) walk(y);
      return;
    }
    if (x === null || typeof x !== 'object') return;
    const o = x as Record<string, unknown>;
    if (o['kind'] === 'norm') ones(o['weight'] as TensorRef);
    else if (o['kind'] === 'weight-scale') ones(o['tensor'] as TensorRef);
    for (const v of Object.values(o)) walk(v);
  };
  walk(ir);
  return { ir, tensors };
}
