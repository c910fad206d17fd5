/**
 * Synthetic checkpoints written with the project's own safetensors writer, in every layout the
 * importers read. Used for test fixtures, the default demo model (until a trained one ships) and
 * 2B4T-shaped benchmark models. Nothing is ever downloaded.
 *
 * Weights come from a seeded generator, so a (spec, seed) pair always gives byte-identical files.
 * For the packed layout the full-precision weights are ternarized with the importer's own
 * `ternarizeAbsmean`, so the master and packed checkpoints of one spec describe the same model and
 * import to identical IR.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../util/prng.js';
import { f32ToBf16, f32ToF16 } from '../../util/float.js';
import { canonicalToHfPacked, packTernaryRowMajor, roundToDType, ternarizeAbsmean } from '../pack.js';
import { writeSafetensors, type StDType, type StTensorOut } from '../safetensors.js';
import type { FfnActivation, NormType } from '../types.js';

export type SyntheticFormat = 'hf-packed' | 'hf-master' | 'llama-1bitllm' | 'paper-binary';

export interface SyntheticSpec {
  readonly format: SyntheticFormat;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ffnHidden: number;
  readonly vocab: number;
  readonly maxPositions?: number;
  readonly activation?: FfnActivation;
  readonly normType?: NormType;
  readonly tied?: boolean;
  /** Full-precision storage dtype (master, llama, paper formats, embeddings). */
  readonly dtype?: 'f32' | 'bf16' | 'f16';
  readonly seed?: number;
  readonly groups?: number;
  readonly linearClass?: 'autobitlinear' | 'bitlinear';
  readonly ropeTheta?: number;
  /** Split the weights over this many shards with an index file. */
  readonly shards?: number;
  /**
   * Packed format only: draw ternary codes directly (uniform over {-1,0,+1}) and skip the
   * full-precision weights. Used for 2B4T-sized benchmark checkpoints.
   */
  readonly randomCodes?: boolean;
}

const ST: Record<'f32' | 'bf16' | 'f16', StDType> = { f32: 'F32', bf16: 'BF16', f16: 'F16' };

function encodeFloat(values: Float32Array, dtype: 'f32' | 'bf16' | 'f16'): ArrayBufferView {
  if (dtype === 'f32') return values;
  const out = new Uint16Array(values.length);
  const enc = dtype === 'bf16' ? f32ToBf16 : f32ToF16;
  for (let i = 0; i < values.length; i++) out[i] = enc(values[i]!);
  return out;
}

export function syntheticConfig(spec: SyntheticSpec): Record<string, unknown> {
  const act = spec.activation ?? (spec.format === 'llama-1bitllm' ? 'swiglu' : 'relu2-gated');
  const hiddenAct = act === 'relu2-gated' ? 'relu2' : act === 'swiglu' ? 'silu' : 'gelu';
  const cfg: Record<string, unknown> = {
    architectures: [spec.format === 'llama-1bitllm' ? 'LlamaForCausalLM' : 'BitNetForCausalLM'],
    model_type: spec.format === 'llama-1bitllm' ? 'llama' : 'bitnet',
    hidden_size: spec.hidden,
    intermediate_size: spec.ffnHidden,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    vocab_size: spec.vocab,
    max_position_embeddings: spec.maxPositions ?? 256,
    hidden_act: hiddenAct,
    rope_theta: spec.ropeTheta ?? 500000,
    tie_word_embeddings: spec.tied ?? true,
    bos_token_id: 0,
    eos_token_id: 1,
    torch_dtype: { f32: 'float32', bf16: 'bfloat16', f16: 'float16' }[spec.dtype ?? 'bf16'],
  };
  if ((spec.normType ?? 'rmsnorm') === 'layernorm') {
    cfg['norm_type'] = 'layernorm';
    cfg['layer_norm_eps'] = 1e-5;
  } else cfg['rms_norm_eps'] = 1e-5;
  if (spec.format === 'hf-packed' || spec.format === 'hf-master') {
    cfg['quantization_config'] = {
      quant_method: 'bitnet',
      linear_class: spec.linearClass ?? 'autobitlinear',
      quantization_mode: spec.format === 'hf-packed' ? 'offline' : 'online',
    };
  } else if (spec.format === 'paper-binary') {
    cfg['quantization_config'] = { quant_method: 'bitnet', weight_kind: 'binary', quantization_mode: 'online', groups: spec.groups ?? 1 };
  }
  return cfg;
}

/** Write config.json and weights for `spec` into `dir` (created if needed). */
export function writeSyntheticCheckpoint(dir: string, spec: SyntheticSpec): void {
  fs.mkdirSync(dir, { recursive: true });
  const rng = new Rng(spec.seed ?? 1);
  const dtype = spec.dtype ?? 'bf16';
  const act = spec.activation ?? (spec.format === 'llama-1bitllm' ? 'swiglu' : 'relu2-gated');
  const layernorm = (spec.normType ?? 'rmsnorm') === 'layernorm';
  const tensors: StTensorOut[] = [];
  const fp = (name: string, shape: number[], gen: () => number): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = gen();
    tensors.push({ name, dtype: ST[dtype], shape, data: encodeFloat(v, dtype) });
  };
  const normT = (name: string, dim: number): void => {
    fp(`${name}.weight`, [dim], () => 1 + 0.1 * rng.normal());
    if (layernorm) fp(`${name}.bias`, [dim], () => 0.02 * rng.normal());
  };
  const h = spec.hidden;
  const hd = h / spec.heads;
  fp('model.embed_tokens.weight', [spec.vocab, h], () => rng.normal());
  normT('model.norm', h);
  if (!(spec.tied ?? true)) fp('lm_head.weight', [spec.vocab, h], () => rng.normal() / Math.sqrt(h));
  const sub =
    spec.format === 'llama-1bitllm' ? { attn: 'self_attn.inner_attn_ln', ffn: 'mlp.ffn_layernorm' } : { attn: 'self_attn.attn_sub_norm', ffn: 'mlp.ffn_sub_norm' };
  for (let i = 0; i < spec.layers; i++) {
    const p = `model.layers.${i}`;
    normT(`${p}.input_layernorm`, h);
    normT(`${p}.post_attention_layernorm`, h);
    normT(`${p}.${sub.attn}`, spec.heads * hd);
    normT(`${p}.${sub.ffn}`, spec.ffnHidden);
    const projs: [string, number, number][] = [
      ['self_attn.q_proj', h, spec.heads * hd],
      ['self_attn.k_proj', h, spec.kvHeads * hd],
      ['self_attn.v_proj', h, spec.kvHeads * hd],
      ['self_attn.o_proj', spec.heads * hd, h],
    ];
    if (act !== 'gelu') projs.push(['mlp.gate_proj', h, spec.ffnHidden]);
    projs.push(['mlp.up_proj', h, spec.ffnHidden], ['mlp.down_proj', spec.ffnHidden, h]);
    for (const [n, inF, outF] of projs) {
      const name = `${p}.${n}.weight`;
      if (spec.format === 'hf-packed' && spec.randomCodes) {
        const hf = new Uint8Array((outF / 4) * inF);
        rng.fillBytes(hf);
        // Map the unused code 0b11 of every field to 0b01 (weight 0).
        for (let j = 0; j < hf.length; j++) {
          const b = hf[j]!;
          const both = b & (b >> 1) & 0x55;
          hf[j] = b & ~(both << 1);
        }
        tensors.push({ name, dtype: 'U8', shape: [outF / 4, inF], data: hf });
        tensors.push({ name: `${p}.${n}.weight_scale`, dtype: 'BF16', shape: [1], data: Uint16Array.of(f32ToBf16(0.5 + rng.float())) });
        continue;
      }
      const w = new Float32Array(outF * inF);
      const std = 1 / Math.sqrt(inF);
      // Round through the storage dtype so the weights we ternarize are exactly the stored ones.
      for (let j = 0; j < w.length; j++) w[j] = roundToDType(std * rng.normal(), dtype);
      if (spec.format === 'hf-packed') {
        const { codes, scale } = ternarizeAbsmean(w, dtype);
        const packed = canonicalToHfPacked(packTernaryRowMajor(codes, outF, inF), outF, inF);
        tensors.push({ name, dtype: 'U8', shape: [outF / 4, inF], data: packed });
        // autobitlinear multiplies by weight_scale; bitlinear divides by it.
        const s = (spec.linearClass ?? 'autobitlinear') === 'autobitlinear' ? scale : 1 / scale;
        tensors.push({ name: `${p}.${n}.weight_scale`, dtype: ST[dtype], shape: [1], data: encodeFloat(Float32Array.of(s), dtype) });
      } else tensors.push({ name, dtype: ST[dtype], shape: [outF, inF], data: encodeFloat(w, dtype) });
    }
  }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(syntheticConfig(spec), null, 2) + '\n');
  const shards = spec.shards ?? 1;
  if (shards <= 1) {
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    return;
  }
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : 1));
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = sorted.filter((_, i) => i % shards === s);
    for (const t of part) weightMap[t.name] = file;
    writeSafetensors(path.join(dir, file), part);
  }
  const total = tensors.reduce((a, t) => a + t.data.byteLength, 0);
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + '\n');
}
