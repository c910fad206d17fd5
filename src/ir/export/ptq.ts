/**
 * Post-training quantization of a full-precision baseline into a BitNet checkpoint, as the
 * papers compare QAT against: the trained dense weights quantized once, with no retraining.
 *
 * Needs: a model whose linear layers are all dense (`hf-dense`), and its config.json.
 * Guarantees: the checkpoint is one the importers read and every command accepts, with the
 * baseline's embedding, norms and head unchanged:
 * - `absmean-ternary` (W1.58A8): the 2B4T packed layout, weights `RoundClip(W / mean|W|)` per
 *   tensor with the importer's own `ternarizeAbsmean`, `weight_scale = mean|W|` (autobitlinear);
 * - `binary` (W1A8): the paper's binary BitNet, latent weights kept and read online, so the
 *   importer applies `Sign(W - alpha)` and `beta = mean|W|` per tensor, activations scaled by
 *   2^(b-1) as the paper's Qb;
 * - `int8` (W8A8): `Wq = clamp(round_half_even(W / s), -127, 127)` with `s = absmax(W) / 127` per
 *   tensor, activations per token (the float reference runs it; the hardware refuses it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../util/diagnostics.js';
import { readJsonInput } from '../../util/jsonfile.js';
import { canonicalToHfPacked, int8Absmax, packTernaryRowMajor, ternarizeAbsmean } from '../pack.js';
import { TO_ST } from '../irfile.js';
import { writeSafetensors, type StTensorOut } from '../safetensors.js';
import { getF32 } from '../../ref/tensors.js';
import { allLinears, type Model } from '../types.js';

export const PTQ_METHODS = ['absmean-ternary', 'binary', 'int8'] as const;
export type PtqMethod = (typeof PTQ_METHODS)[number];

export interface PtqResult {
  readonly method: PtqMethod;
  readonly layers: number;
  readonly weights: number;
  /** Fraction of ternary weights that became 0 (absmean-ternary only). */
  readonly zeroFraction: number | null;
}

/** Write the quantized checkpoint of `model` (read from `srcDir`) into the folder `dir`. */
export function writePtqCheckpoint(model: Model, srcDir: string, method: PtqMethod, dir: string): PtqResult {
  const lins = allLinears(model.ir);
  if (lins.some((l) => l.kind !== 'dense-linear')) fail('PTQ001', srcDir, 'the model is already a BitNet', 'quantize a full-precision baseline (model_type bitnet-fp-baseline)');
  const cfgPath = path.join(srcDir, 'config.json');
  if (!fs.existsSync(cfgPath)) fail('PTQ002', srcDir, 'post-training quantization reads a checkpoint folder (config.json beside the weights)', 'pass the baseline\'s checkpoint folder, not an IR file');
  const config = readJsonInput(cfgPath, 'PTQ002', 'config.json') as Record<string, unknown>;
  const linearNames = new Set(lins.map((l) => (l.kind === 'dense-linear' ? l.weight.name : '')));
  const tensors: StTensorOut[] = [];
  // Everything that is not a linear weight is copied as the importer stored it.
  for (const [name, t] of [...model.tensors.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (linearNames.has(name)) continue;
    tensors.push({ name, dtype: TO_ST[t.dtype], shape: [...t.shape], data: t.data });
  }
  let zeros = 0;
  let count = 0;
  for (const l of lins) {
    if (l.kind !== 'dense-linear') continue;
    const w = getF32(model.tensors, l.weight);
    const out = l.outFeatures;
    const inF = l.inFeatures;
    if (method === 'absmean-ternary') {
      if (out % 4 !== 0) fail('PTQ004', l.name, `${out} outputs cannot be packed 4 rows per byte`, 'use --method binary for this shape');
      const { codes, scale } = ternarizeAbsmean(w, 'f32');
      for (const c of codes) if (c === 0) zeros++;
      count += codes.length;
      tensors.push({ name: l.weight.name, dtype: 'U8', shape: [out / 4, inF], data: canonicalToHfPacked(packTernaryRowMajor(codes, out, inF), out, inF) });
      tensors.push({ name: l.weight.name.replace(/weight$/, 'weight_scale'), dtype: 'F32', shape: [1], data: Float32Array.of(scale) });
    } else if (method === 'int8') {
      const { q, scale } = int8Absmax(w);
      tensors.push({ name: l.weight.name, dtype: 'I8', shape: [out, inF], data: q });
      tensors.push({ name: l.weight.name.replace(/weight$/, 'weight_scale'), dtype: 'F32', shape: [1], data: Float32Array.of(scale) });
    } else {
      tensors.push({ name: l.weight.name, dtype: 'F32', shape: [out, inF], data: w });
    }
  }
  const quantization =
    method === 'absmean-ternary'
      ? { quant_method: 'bitnet', linear_class: 'autobitlinear', quantization_mode: 'offline' }
      : method === 'int8'
        ? { quant_method: 'int8', weight_granularity: 'per-tensor', activation_granularity: 'per-token' }
        : { quant_method: 'bitnet', weight_kind: 'binary', quantization_mode: 'online', groups: 1, activation_scale: 'pow2' };
  const outConfig = { ...config, model_type: 'bitnet', quantization_config: quantization, bitnet_hw_ptq: { method, source: path.basename(path.resolve(srcDir)) } };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(outConfig, null, 2) + '\n');
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return { method, layers: lins.length, weights: lins.reduce((a, l) => a + l.inFeatures * l.outFeatures, 0), zeroFraction: method === 'absmean-ternary' ? zeros / Math.max(count, 1) : null };
}
