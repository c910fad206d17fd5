/**
 * config.json -> a resolved architecture description, with every problem reported at once.
 *
 * Recognised formats (see ../../../ARCHITECTURE.md, "Checkpoint formats"):
 * - hf-packed:     quantization_config {quant_method: bitnet, quantization_mode: offline}
 * - hf-master:     quantization_config {quant_method: bitnet, quantization_mode: online}
 * - paper-binary:  quantization_config {quant_method: bitnet, weight_kind: binary, groups?: G,
 *                  activation_scale?: pow2|qmax}; full-precision weights, optional norm_type layernorm
 * - llama-1bitllm: model_type llama, no quantization_config; full-precision weights
 */
import { z } from 'zod';
import { BitnetError, diag, type Diagnostic } from '../../util/diagnostics.js';
import type { FfnActivation, NormType, QuantScaleNumerator, ScaleConvention, SourceFormat } from '../types.js';

const posInt = z.number().int().positive();
/**
 * Upper bounds on sizes: far above any released model (2B4T: hidden 2560, 30 layers, vocab
 * 128,256, context 4,096), they stop a corrupt config from allocating or looping for minutes.
 */
export const CONFIG_LIMITS = {
  hidden_size: 65_536,
  intermediate_size: 262_144,
  num_hidden_layers: 1_024,
  num_attention_heads: 1_024,
  num_key_value_heads: 1_024,
  head_dim: 4_096,
  vocab_size: 4_194_304,
  max_position_embeddings: 4_194_304,
  groups: 65_536,
} as const;
const bounded = (k: keyof typeof CONFIG_LIMITS) => posInt.max(CONFIG_LIMITS[k]);

const QuantConfig = z
  .object({
    quant_method: z.string(),
    linear_class: z.enum(['autobitlinear', 'bitlinear']).optional(),
    quantization_mode: z.enum(['offline', 'online']).optional(),
    weight_kind: z.enum(['ternary', 'binary']).optional(),
    groups: bounded('groups').optional(),
    activation_scale: z.enum(['pow2', 'qmax']).optional(),
  })
  .loose();

const Config = z
  .object({
    model_type: z.string().optional(),
    hidden_size: bounded('hidden_size'),
    intermediate_size: bounded('intermediate_size'),
    num_hidden_layers: bounded('num_hidden_layers'),
    num_attention_heads: bounded('num_attention_heads'),
    num_key_value_heads: bounded('num_key_value_heads').optional(),
    head_dim: bounded('head_dim').optional(),
    vocab_size: bounded('vocab_size'),
    max_position_embeddings: bounded('max_position_embeddings').optional(),
    hidden_act: z.string().optional(),
    rms_norm_eps: z.number().nonnegative().max(1).optional(),
    layer_norm_eps: z.number().nonnegative().max(1).optional(),
    norm_type: z.enum(['rmsnorm', 'layernorm']).optional(),
    rope_theta: z.number().positive().max(1e12).optional(),
    tie_word_embeddings: z.boolean().optional(),
    bos_token_id: z.number().int().nonnegative().nullable().optional(),
    eos_token_id: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullable().optional(),
    quantization_config: QuantConfig.optional(),
  })
  .loose();

export interface ResolvedConfig {
  readonly format: SourceFormat;
  readonly hidden: number;
  readonly ffnHidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
  readonly maxPositions: number;
  readonly activation: FfnActivation;
  readonly normType: NormType;
  readonly normEps: number;
  readonly ropeTheta: number;
  readonly tied: boolean;
  readonly bos: number | null;
  readonly eos: number | null;
  /** For hf-packed: how weight_scale is applied. */
  readonly convention: ScaleConvention;
  readonly weightGroups: number;
  readonly actScale: QuantScaleNumerator;
  readonly modelType: string;
}

const ACTS: Record<string, FfnActivation> = {
  relu2: 'relu2-gated',
  silu: 'swiglu',
  swish: 'swiglu',
  gelu: 'gelu',
};

export function resolveConfig(raw: Record<string, unknown>, where: string): ResolvedConfig {
  const parsed = Config.safeParse(raw);
  const ds: Diagnostic[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path.join('.') || '(root)';
      ds.push(diag('CK010', `${where}:${p}`, `config field ${p}: ${issue.message}`, `set ${p} to a valid value in config.json`));
    }
    throw new BitnetError(ds);
  }
  const c = parsed.data;
  const qc = c.quantization_config;
  let format: SourceFormat;
  if (qc && qc.quant_method === 'bitnet') {
    if (qc.weight_kind === 'binary') {
      format = 'paper-binary';
      if (qc.quantization_mode === 'offline') {
        ds.push(diag('CK011', `${where}:quantization_config.quantization_mode`, 'binary weights are read from full-precision (online) checkpoints only', 'store latent full-precision weights and set quantization_mode to online', 'online'));
      }
    } else format = qc.quantization_mode === 'online' ? 'hf-master' : 'hf-packed';
  } else if (qc && qc.quant_method === 'int8') {
    // W8A8: int8 weights per tensor, int8 activations per token (bitnet-hw ptq --method int8).
    format = 'hf-int8';
  } else if (qc) {
    ds.push(diag('CK012', `${where}:quantization_config.quant_method`, `quant_method ${qc.quant_method} is not supported`, 'use quant_method "bitnet" (or "int8" for a W8A8 model written by `bitnet-hw ptq`)', 'bitnet | int8'));
    format = 'hf-packed';
  } else if (c.model_type === 'llama') {
    format = 'llama-1bitllm';
  } else if (c.model_type === 'bitnet-fp-baseline') {
    // The full-precision baseline of the same architecture (python/bitnet_train): dense linears.
    format = 'hf-dense';
  } else {
    ds.push(diag('CK013', `${where}:model_type`, `cannot tell the checkpoint format (model_type ${String(c.model_type)}, no quantization_config)`, 'add quantization_config {quant_method: "bitnet", ...}, use a llama-type 1bitLLM checkpoint, or model_type "bitnet-fp-baseline" for a full-precision baseline'));
    format = 'hf-packed';
  }
  const heads = c.num_attention_heads;
  const kvHeads = c.num_key_value_heads ?? heads;
  const headDim = c.head_dim ?? c.hidden_size / heads;
  if (c.head_dim !== undefined && c.head_dim * heads !== c.hidden_size) {
    ds.push(diag('CK014', `${where}:head_dim`, `head_dim ${c.head_dim} x ${heads} heads = ${c.head_dim * heads}, not hidden_size ${c.hidden_size}`, 'set head_dim to hidden_size / num_attention_heads, or remove it', `${c.hidden_size / heads}`));
  } else if (!Number.isInteger(headDim)) {
    ds.push(diag('CK014', `${where}:num_attention_heads`, `hidden_size ${c.hidden_size} is not divisible into ${heads} heads`, 'hidden_size must equal num_attention_heads x head_dim', `a divisor of ${c.hidden_size}`));
  }
  if (heads % kvHeads !== 0) {
    ds.push(diag('CK015', `${where}:num_key_value_heads`, `${heads} heads are not a multiple of ${kvHeads} KV heads`, 'num_attention_heads must be divisible by num_key_value_heads'));
  }
  const actName = c.hidden_act ?? (format === 'llama-1bitllm' ? 'silu' : 'relu2');
  const activation = ACTS[actName];
  if (!activation) {
    ds.push(diag('CK016', `${where}:hidden_act`, `activation ${actName} is not supported`, 'use relu2 (gated ReLU^2), silu (SwiGLU) or gelu', Object.keys(ACTS).join(', ')));
  }
  const groups = qc?.groups ?? 1;
  if (format !== 'paper-binary' && groups !== 1) {
    ds.push(diag('CK017', `${where}:quantization_config.groups`, 'weight groups are only defined for binary paper-style checkpoints', 'remove groups or set weight_kind binary'));
  }
  if (ds.length) throw new BitnetError(ds);
  const normType: NormType = c.norm_type ?? 'rmsnorm';
  const eos = Array.isArray(c.eos_token_id) ? (c.eos_token_id[0] ?? null) : (c.eos_token_id ?? null);
  return {
    format,
    hidden: c.hidden_size,
    ffnHidden: c.intermediate_size,
    layers: c.num_hidden_layers,
    heads,
    kvHeads,
    headDim,
    vocab: c.vocab_size,
    maxPositions: c.max_position_embeddings ?? 2048,
    activation: activation!,
    normType,
    normEps: (normType === 'layernorm' ? c.layer_norm_eps : c.rms_norm_eps) ?? (normType === 'layernorm' ? 1e-5 : 1e-6),
    ropeTheta: c.rope_theta ?? 10000,
    tied: c.tie_word_embeddings ?? (format === 'hf-packed' || format === 'hf-master'),
    bos: c.bos_token_id ?? null,
    eos,
    convention: qc?.linear_class === 'bitlinear' ? 'divide' : 'multiply',
    weightGroups: groups,
    actScale: qc?.activation_scale ?? (format === 'paper-binary' ? 'pow2' : 'qmax'),
    modelType: c.model_type ?? 'unknown',
  };
}
