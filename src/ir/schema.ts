/**
 * Runtime schema of the IR JSON (zod), used when an IR comes from disk. It checks structure and
 * types only; size relations are the validator's job (validate.ts), which reports them all.
 */
import { z } from 'zod';
import type { ModelIR } from './types.js';

const num = z.number();
const int = z.number().int();
const Tensor = z.object({
  kind: z.literal('tensor'),
  name: z.string().min(1),
  dtype: z.enum(['f32', 'bf16', 'f16', 'u8', 'i8', 'i32']),
  shape: z.array(int.nonnegative()),
});
const Norm = z.object({
  kind: z.literal('norm'),
  type: z.enum(['rmsnorm', 'layernorm']),
  dim: int,
  eps: num,
  weight: Tensor,
  bias: Tensor.nullable(),
});
const BitLinear = z.object({
  kind: z.literal('bitlinear'),
  name: z.string().min(1),
  inFeatures: int,
  outFeatures: int,
  weight: z.object({
    kind: z.literal('packed-weight'),
    weightKind: z.enum(['binary', 'ternary']),
    packing: z.enum(['ternary-2bit-rowmajor', 'binary-1bit-rowmajor']),
    tensor: Tensor,
  }),
  scale: z.object({ kind: z.literal('weight-scale'), convention: z.enum(['multiply', 'divide']), groups: int, tensor: Tensor }),
  actQuant: z.object({
    kind: z.literal('act-quant'),
    bits: int,
    granularity: z.enum(['per-token', 'per-tensor', 'per-group']),
    groups: int,
    scaleNumerator: z.enum(['qmax', 'pow2']),
    rounding: z.enum(['half-even', 'half-away']),
    epsilon: num,
  }),
  bias: Tensor.nullable(),
});
const Dense = z.object({
  kind: z.literal('dense-linear'),
  name: z.string(),
  inFeatures: int,
  outFeatures: int,
  weight: Tensor,
  bias: Tensor.nullable(),
});
const Int8 = z.object({
  kind: z.literal('int8-linear'),
  name: z.string(),
  inFeatures: int,
  outFeatures: int,
  weight: Tensor,
  scale: Tensor,
  actQuant: BitLinear.shape.actQuant,
  bias: Tensor.nullable(),
});
const Linear = z.discriminatedUnion('kind', [BitLinear, Dense, Int8]);
const Layer = z.object({
  kind: z.literal('decoder-layer'),
  index: int,
  attnNorm: Norm,
  attention: z.object({
    kind: z.literal('attention'),
    heads: int,
    kvHeads: int,
    headDim: int,
    rope: z.object({ kind: z.literal('rope'), theta: num, style: z.literal('rotate-half') }).nullable(),
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    subNorm: Norm.nullable(),
  }),
  ffnNorm: Norm,
  ffn: z.object({
    kind: z.literal('ffn'),
    activation: z.enum(['relu2-gated', 'swiglu', 'gelu']),
    hidden: int,
    gate: Linear.nullable(),
    up: Linear,
    down: Linear,
    subNorm: Norm.nullable(),
  }),
});
export const ModelSchema = z.object({
  kind: z.literal('model'),
  irVersion: z.literal(1),
  name: z.string(),
  source: z.enum(['hf-packed', 'hf-master', 'llama-1bitllm', 'paper-binary', 'hf-dense', 'hf-int8', 'synthetic']),
  hidden: int,
  maxPositions: int,
  bosToken: int.nullable(),
  eosToken: int.nullable(),
  embedding: z.object({ kind: z.literal('embedding'), vocabSize: int, dim: int, weight: Tensor }),
  layers: z.array(Layer),
  finalNorm: Norm,
  head: z.object({ kind: z.literal('head'), tied: z.boolean(), weight: Tensor }),
});

// Compile-time guard: the schema's output must be a ModelIR (types.ts stays the source of truth).
type Parsed = z.infer<typeof ModelSchema>;
const _check: (p: Parsed) => ModelIR = (p) => p;
void _check;
