/**
 * The BitNet IR: plain readonly data describing a whole trained BitNet.
 *
 * Every node has a `kind`; every number that reaches hardware has an explicit type. Tensors are
 * referenced by name (`TensorRef`) and their bytes live beside the IR in a `TensorStore`, so the IR
 * itself stays small, printable and comparable. Behaviour (validation, dumping, execution) lives
 * in functions elsewhere, never on nodes.
 *
 * Canonical weight layouts (whatever the source checkpoint used):
 * - ternary: `u8 [out, ceil(in/4)]`, row-major, 4 weights per byte along the input dimension,
 *   weight for input column c in bits 2*(c%4)..2*(c%4)+1, code = w + 1 (0b11 is invalid).
 * - binary:  `u8 [out, ceil(in/8)]`, row-major, 8 weights per byte along the input dimension,
 *   bit c%8 set means +1, clear means -1 (the paper's Sign with Sign(0) = -1).
 * Padding weights past `in` are zero codes (ternary 0b01, binary bit 0) and never used.
 */

import { fail } from '../util/diagnostics.js';

export const IR_VERSION = 1 as const;

/** Element types of stored tensors. */
export type DType = 'f32' | 'bf16' | 'f16' | 'u8' | 'i8' | 'i32';

export interface TensorRef {
  readonly kind: 'tensor';
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export type NormType = 'rmsnorm' | 'layernorm';

export interface NormIR {
  readonly kind: 'norm';
  readonly type: NormType;
  readonly dim: number;
  /** Added to the variance (or mean square) before the reciprocal square root. */
  readonly eps: number;
  readonly weight: TensorRef;
  readonly bias: TensorRef | null;
}

export type WeightKind = 'binary' | 'ternary';
export type WeightPacking = 'ternary-2bit-rowmajor' | 'binary-1bit-rowmajor';

export interface PackedWeightIR {
  readonly kind: 'packed-weight';
  readonly weightKind: WeightKind;
  readonly packing: WeightPacking;
  readonly tensor: TensorRef;
}

/**
 * How the integer product is rescaled: `multiply` means real W = scale * T (autobitlinear,
 * paper beta); `divide` means real W = T / scale (HF `bitlinear` class).
 */
export type ScaleConvention = 'multiply' | 'divide';

export interface WeightScaleIR {
  readonly kind: 'weight-scale';
  readonly convention: ScaleConvention;
  /** Output rows are split into `groups` equal contiguous blocks, one f32 scale each. */
  readonly groups: number;
  /** f32 [groups]. */
  readonly tensor: TensorRef;
}

export type QuantGranularity = 'per-token' | 'per-tensor' | 'per-group';
/** `qmax` scales by 2^(b-1)-1 = 127 (released checkpoints); `pow2` by 2^(b-1) = 128 (the paper's Qb). */
export type QuantScaleNumerator = 'qmax' | 'pow2';
export type RoundingRule = 'half-even' | 'half-away';

export interface ActQuantIR {
  readonly kind: 'act-quant';
  readonly bits: number;
  readonly granularity: QuantGranularity;
  /** Number of equal input groups for `per-group` (1 otherwise). */
  readonly groups: number;
  readonly scaleNumerator: QuantScaleNumerator;
  readonly rounding: RoundingRule;
  /** Lower clamp on absmax before the division (1e-5 in released code). */
  readonly epsilon: number;
}

export interface BitLinearIR {
  readonly kind: 'bitlinear';
  /** Stable, unique name such as `layers.3.attn.q`. */
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: PackedWeightIR;
  readonly scale: WeightScaleIR;
  readonly actQuant: ActQuantIR;
  /** f32 [out] or null. */
  readonly bias: TensorRef | null;
}

/**
 * A full-precision linear layer `y = W x (+ b)`: the dense baseline a BitNet is compared against.
 * Only the float reference runs it; the hardware numerics and every hardware command refuse it.
 */
export interface DenseLinearIR {
  readonly kind: 'dense-linear';
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [out, in], f32, bf16 or f16. */
  readonly weight: TensorRef;
  /** f32 [out] or null. */
  readonly bias: TensorRef | null;
}

/**
 * An int8 linear layer (W8A8): `y = (Wq . xq) / s * w_scale`, weights int8 per tensor
 * (`w_scale = absmax / 127`), activations quantized per token like a BitLinear's. The float
 * reference runs it (the comparison point of the papers); the hardware is adder trees and
 * refuses it.
 */
export interface Int8LinearIR {
  readonly kind: 'int8-linear';
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** i8 [out, in]. */
  readonly weight: TensorRef;
  /** f32 [1]: real W = scale * Wq. */
  readonly scale: TensorRef;
  readonly actQuant: ActQuantIR;
  readonly bias: TensorRef | null;
}

/** A linear layer of attention or the FFN. */
export type LinearIR = BitLinearIR | DenseLinearIR | Int8LinearIR;

export interface RopeIR {
  readonly kind: 'rope';
  readonly theta: number;
  /** Llama-style rotate-half over the whole head dimension. */
  readonly style: 'rotate-half';
}

export interface AttentionIR {
  readonly kind: 'attention';
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly rope: RopeIR | null;
  readonly q: LinearIR;
  readonly k: LinearIR;
  readonly v: LinearIR;
  readonly o: LinearIR;
  /** SubLN before o_proj (`attn_sub_norm`, `inner_attn_ln`), or null. */
  readonly subNorm: NormIR | null;
}

export type FfnActivation = 'relu2-gated' | 'swiglu' | 'gelu';

export interface FfnIR {
  readonly kind: 'ffn';
  readonly activation: FfnActivation;
  readonly hidden: number;
  /** Present for gated kinds (relu2-gated, swiglu), null for gelu. */
  readonly gate: LinearIR | null;
  readonly up: LinearIR;
  readonly down: LinearIR;
  /** SubLN before down_proj (`ffn_sub_norm`, `ffn_layernorm`), or null. */
  readonly subNorm: NormIR | null;
}

export interface DecoderLayerIR {
  readonly kind: 'decoder-layer';
  readonly index: number;
  /** Pre-norm before q/k/v; the residual adds around attention. */
  readonly attnNorm: NormIR;
  readonly attention: AttentionIR;
  /** Pre-norm before gate/up. */
  readonly ffnNorm: NormIR;
  readonly ffn: FfnIR;
}

export interface EmbeddingIR {
  readonly kind: 'embedding';
  readonly vocabSize: number;
  readonly dim: number;
  /** [vocab, dim], full precision (f32, bf16 or f16): embeddings are never quantized. */
  readonly weight: TensorRef;
}

export interface HeadIR {
  readonly kind: 'head';
  /** Tied heads reuse the embedding tensor. */
  readonly tied: boolean;
  readonly weight: TensorRef;
}

export type SourceFormat = 'hf-packed' | 'hf-master' | 'llama-1bitllm' | 'paper-binary' | 'hf-dense' | 'hf-int8' | 'synthetic';

export interface ModelIR {
  readonly kind: 'model';
  readonly irVersion: typeof IR_VERSION;
  readonly name: string;
  readonly source: SourceFormat;
  readonly hidden: number;
  readonly maxPositions: number;
  readonly bosToken: number | null;
  readonly eosToken: number | null;
  readonly embedding: EmbeddingIR;
  readonly layers: readonly DecoderLayerIR[];
  readonly finalNorm: NormIR;
  readonly head: HeadIR;
}

/** Tensor bytes, keyed by `TensorRef.name`. */
export interface StoredTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Uint16Array | Uint8Array | Int8Array | Int32Array;
}

export type TensorStore = ReadonlyMap<string, StoredTensor>;

export interface Model {
  readonly ir: ModelIR;
  readonly tensors: TensorStore;
}

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  f32: 4,
  bf16: 2,
  f16: 2,
  u8: 1,
  i8: 1,
  i32: 4,
};

/** All linear layers of a layer in execution order. */
export function layerLinears(layer: DecoderLayerIR): LinearIR[] {
  const a = layer.attention;
  const f = layer.ffn;
  const out = [a.q, a.k, a.v, a.o];
  if (f.gate) out.push(f.gate);
  out.push(f.up, f.down);
  return out;
}

export function allLinears(ir: ModelIR): LinearIR[] {
  return ir.layers.flatMap(layerLinears);
}

/** Whether every linear layer is a BitLinear (what the hardware numerics and commands need). */
export function isBitNet(ir: ModelIR): boolean {
  return allLinears(ir).every((l) => l.kind === 'bitlinear');
}

/** A linear layer as a BitLinear; a dense one is a coded error (hardware paths need a BitNet). */
export function asBitLinear(l: LinearIR): BitLinearIR {
  if (l.kind === 'bitlinear') return l;
  return fail('IR080', l.name, `${l.kind === 'dense-linear' ? 'a full-precision (dense)' : 'an int8 (W8A8)'} linear layer: the hardware numerics and every hardware command need a BitNet`, 'use a ternary or binary BitNet checkpoint; full-precision and int8 models run on the float reference only (inspect, validate, run, generate, eval with --numerics float)');
}

/** All BitLinears of a layer in execution order (a dense layer is error IR030). */
export function layerBitLinears(layer: DecoderLayerIR): BitLinearIR[] {
  return layerLinears(layer).map(asBitLinear);
}

export function allBitLinears(ir: ModelIR): BitLinearIR[] {
  return ir.layers.flatMap(layerBitLinears);
}

export function allNorms(ir: ModelIR): NormIR[] {
  const out: NormIR[] = [];
  for (const l of ir.layers) {
    out.push(l.attnNorm);
    if (l.attention.subNorm) out.push(l.attention.subNorm);
    out.push(l.ffnNorm);
    if (l.ffn.subNorm) out.push(l.ffn.subNorm);
  }
  out.push(ir.finalNorm);
  return out;
}

export function packedBytesPerRow(kind: WeightKind, inFeatures: number): number {
  return kind === 'ternary' ? Math.ceil(inFeatures / 4) : Math.ceil(inFeatures / 8);
}
