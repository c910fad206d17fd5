/**
 * Import a Hugging Face-style BitNet checkpoint folder into the IR.
 *
 * Needs: a folder with config.json and safetensors weights in one of the four formats that
 * config.ts recognises. Guarantees: all header, config, name, dtype and shape problems are reported
 * together before any tensor byte is read; tensors are then read and converted one at a time
 * (peak memory ~ the model's in-memory size plus one source tensor); the result passes
 * `validateModel`, or a `BitnetError` lists everything wrong with it. Nothing is written.
 */
import { BitnetError, diag, type Diagnostic } from '../../util/diagnostics.js';
import { bf16ToF32, f16ToF32 } from '../../util/float.js';
import {
  binarizePaper,
  hfPackedToCanonical,
  packBinaryRowMajor,
  packTernaryRowMajor,
  ternarizeAbsmean,
} from '../pack.js';
import { readTensorBytes, type StDType, type StTensorInfo } from '../safetensors.js';
import type {
  ActQuantIR,
  BitLinearIR,
  DenseLinearIR,
  Int8LinearIR,
  LinearIR,
  DType,
  DecoderLayerIR,
  Model,
  ModelIR,
  NormIR,
  StoredTensor,
  TensorRef,
} from '../types.js';
import { IR_VERSION, packedBytesPerRow } from '../types.js';
import { countNonFinite, validateModel } from '../validate.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { resolveConfig, type ResolvedConfig } from './config.js';

const FLOAT_ST: Partial<Record<StDType, DType>> = { F32: 'f32', BF16: 'bf16', F16: 'f16' };

type ProjKind = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';

interface ProjPlan {
  readonly kind: ProjKind;
  readonly layer: number;
  readonly name: string; // IR BitLinear name
  readonly weightName: string; // checkpoint tensor name
  readonly scaleName: string | null;
  readonly inF: number;
  readonly outF: number;
}

interface NormPlan {
  readonly weightName: string;
  readonly biasName: string | null;
  readonly dim: number;
}

function projPlans(c: ResolvedConfig): ProjPlan[] {
  const qd = c.heads * c.headDim;
  const kvd = c.kvHeads * c.headDim;
  const out: ProjPlan[] = [];
  const packed = c.format === 'hf-packed' || c.format === 'hf-int8';
  for (let i = 0; i < c.layers; i++) {
    const specs: [ProjKind, string, number, number][] = [
      ['q', `self_attn.q_proj`, c.hidden, qd],
      ['k', `self_attn.k_proj`, c.hidden, kvd],
      ['v', `self_attn.v_proj`, c.hidden, kvd],
      ['o', `self_attn.o_proj`, qd, c.hidden],
    ];
    if (c.activation !== 'gelu') specs.push(['gate', 'mlp.gate_proj', c.hidden, c.ffnHidden]);
    specs.push(['up', 'mlp.up_proj', c.hidden, c.ffnHidden], ['down', 'mlp.down_proj', c.ffnHidden, c.hidden]);
    for (const [kind, n, inF, outF] of specs) {
      const base = `model.layers.${i}.${n}`;
      out.push({
        kind,
        layer: i,
        name: `layers.${i}.${kind === 'q' || kind === 'k' || kind === 'v' || kind === 'o' ? 'attn' : 'ffn'}.${kind}`,
        weightName: `${base}.weight`,
        scaleName: packed ? `${base}.weight_scale` : null,
        inF,
        outF,
      });
    }
  }
  return out;
}

function subNormNames(c: ResolvedConfig): { attn: string; ffn: string } {
  return c.format === 'llama-1bitllm'
    ? { attn: 'self_attn.inner_attn_ln', ffn: 'mlp.ffn_layernorm' }
    : { attn: 'self_attn.attn_sub_norm', ffn: 'mlp.ffn_sub_norm' };
}

/** Names the format allows but the IR does not use. */
const IGNORED = /(^|\.)rotary_emb\.inv_freq$/;

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

export function importCheckpoint(dir: string): Model {
  const ck = openCheckpoint(dir);
  const cfg = resolveConfig(ck.config, `${dir}/config.json`);
  return importResolved(ck, cfg);
}

export function importResolved(ck: Checkpoint, cfg: ResolvedConfig): Model {
  const ds: Diagnostic[] = [];
  const used = new Set<string>();
  const where = (n: string): string => `${ck.dir}:${n}`;
  const need = (name: string, check: (t: StTensorInfo) => void, optional = false): StTensorInfo | null => {
    const t = ck.tensors.get(name);
    if (!t) {
      if (!optional) ds.push(diag('WT001', where(name), 'required tensor is missing', 'the checkpoint does not match its config.json; re-export it or fix num_hidden_layers / hidden_act', 'present'));
      return null;
    }
    used.add(name);
    check(t);
    return t;
  };
  const expectFloat = (t: StTensorInfo, shape: readonly number[]): void => {
    if (!FLOAT_ST[t.dtype]) ds.push(diag('WT005', where(t.name), `dtype ${t.dtype} is not a floating-point type`, 'store this tensor as F32, BF16 or F16', 'F32, BF16 or F16'));
    if (fmtShape(t.shape) !== fmtShape(shape)) ds.push(diag('WT003', where(t.name), `shape ${fmtShape(t.shape)} disagrees with config.json`, 'fix hidden_size / intermediate_size / heads in config.json or re-export', fmtShape(shape)));
  };

  const h = cfg.hidden;
  const V = cfg.vocab;
  need('model.embed_tokens.weight', (t) => expectFloat(t, [V, h]));
  need('model.norm.weight', (t) => expectFloat(t, [h]));
  const layernorm = cfg.normType === 'layernorm';
  if (layernorm) need('model.norm.bias', (t) => expectFloat(t, [h]), true);
  if (!cfg.tied) need('lm_head.weight', (t) => expectFloat(t, [V, h]));
  const sub = subNormNames(cfg);
  const subRequired = cfg.format === 'hf-packed' || cfg.format === 'hf-master';
  const qd = cfg.heads * cfg.headDim;
  for (let i = 0; i < cfg.layers; i++) {
    const p = `model.layers.${i}`;
    for (const [n, dim, opt] of [
      ['input_layernorm', h, false],
      ['post_attention_layernorm', h, false],
      [sub.attn, qd, !subRequired],
      [sub.ffn, cfg.ffnHidden, !subRequired],
    ] as const) {
      need(`${p}.${n}.weight`, (t) => expectFloat(t, [dim]), opt);
      if (layernorm) need(`${p}.${n}.bias`, (t) => expectFloat(t, [dim]), true);
    }
  }
  const plans = projPlans(cfg);
  for (const pl of plans) {
    if (cfg.format === 'hf-packed') {
      if (pl.outF % 4 !== 0) {
        ds.push(diag('WT004', where(pl.weightName), `output size ${pl.outF} is not a multiple of 4, so it cannot be packed 4 rows per byte`, 'check the config sizes'));
      }
      need(pl.weightName, (t) => {
        if (t.dtype !== 'U8') ds.push(diag('WT005', where(t.name), `packed weights stored as ${t.dtype}`, 'packed BitNet weights are uint8, 4 ternary values per byte', 'U8'));
        if (t.shape.length !== 2 || t.shape[1] !== pl.inF) ds.push(diag('WT003', where(t.name), `shape ${fmtShape(t.shape)} has the wrong input size`, 'the packed tensor must be [out/4, in]', fmtShape([pl.outF / 4, pl.inF])));
        else if (t.shape[0] !== pl.outF / 4) ds.push(diag('WT004', where(t.name), `${t.shape[0]} packed rows, but ${pl.outF} outputs need out/4 = ${pl.outF / 4}`, 'the weights are not in the 2B4T packed layout, or config.json has the wrong size', fmtShape([pl.outF / 4, pl.inF])));
      });
      need(pl.scaleName!, (t) => {
        if (!FLOAT_ST[t.dtype]) ds.push(diag('WT005', where(t.name), `weight_scale stored as ${t.dtype}`, 'store weight_scale as BF16 or F32', 'BF16, F16 or F32'));
        if (t.shape.reduce((a, b) => a * b, 1) !== 1) ds.push(diag('WT006', where(t.name), `weight_scale has shape ${fmtShape(t.shape)}`, 'weight_scale is one scalar per tensor', '[] or [1]'));
      });
    } else if (cfg.format === 'hf-int8') {
      need(pl.weightName, (t) => {
        if (t.dtype !== 'I8') ds.push(diag('WT005', where(t.name), `int8 weights stored as ${t.dtype}`, 'store W8A8 weights as I8 [out, in]', 'I8'));
        if (t.shape.length !== 2 || t.shape[0] !== pl.outF || t.shape[1] !== pl.inF) ds.push(diag('WT003', where(t.name), `shape ${fmtShape(t.shape)}`, 'int8 weights are [out, in]', fmtShape([pl.outF, pl.inF])));
      });
      need(pl.scaleName!, (t) => {
        if (t.dtype !== 'F32' || t.shape.reduce((a, b) => a * b, 1) !== 1) ds.push(diag('WT006', where(t.name), `weight_scale is ${t.dtype} ${fmtShape(t.shape)}`, 'an int8 weight_scale is one F32 scalar per tensor', 'F32 [1]'));
      });
    } else {
      need(pl.weightName, (t) => expectFloat(t, [pl.outF, pl.inF]));
      if (cfg.format === 'paper-binary' && pl.outF % cfg.weightGroups !== 0) {
        ds.push(diag('WT009', where(pl.weightName), `${cfg.weightGroups} weight groups do not divide ${pl.outF} output rows`, 'choose quantization_config.groups dividing every projection size'));
      }
    }
  }
  for (const name of ck.tensors.keys()) {
    if (!used.has(name) && !IGNORED.test(name)) {
      ds.push(diag('WT002', where(name), 'unexpected tensor (not used by this config)', 'remove it, or fix config.json (layers, hidden_act, tie_word_embeddings, format)', 'only the tensors of the declared architecture'));
    }
  }
  if (ds.length) throw new BitnetError(ds);

  // Second pass: read and convert, one tensor at a time.
  const store = new Map<string, StoredTensor>();
  const refOf = (name: string): TensorRef => {
    const s = store.get(name)!;
    return { kind: 'tensor', name, dtype: s.dtype, shape: s.shape };
  };
  const loadFloat = (name: string): TensorRef => {
    if (!store.has(name)) {
      const t = ck.tensors.get(name)!;
      const bytes = readTensorBytes(t);
      const dtype = FLOAT_ST[t.dtype]!;
      const data = dtype === 'f32' ? new Float32Array(bytes.buffer, 0, bytes.length / 4) : new Uint16Array(bytes.buffer, 0, bytes.length / 2);
      store.set(name, { dtype, shape: [...t.shape], data });
    }
    return refOf(name);
  };
  /** Norm weights and scales are tiny: keep them f32 so the reference never widens per call. */
  const loadF32 = (name: string): TensorRef => {
    if (!store.has(name)) {
      const t = ck.tensors.get(name)!;
      store.set(name, { dtype: 'f32', shape: [...t.shape], data: toF32(readTensorBytes(t), t.dtype) });
    }
    return refOf(name);
  };
  const norm = (wName: string, dim: number): NormIR => ({
    kind: 'norm',
    type: cfg.normType,
    dim,
    eps: cfg.normEps,
    weight: loadF32(wName),
    bias: layernorm && ck.tensors.has(wName.replace(/weight$/, 'bias')) ? loadF32(wName.replace(/weight$/, 'bias')) : null,
  });
  const optNorm = (wName: string, dim: number): NormIR | null => (ck.tensors.has(wName) ? norm(wName, dim) : null);

  const actQuant: ActQuantIR = {
    kind: 'act-quant',
    bits: 8,
    granularity: 'per-token',
    groups: 1,
    scaleNumerator: cfg.actScale,
    rounding: 'half-even',
    epsilon: 1e-5,
  };
  const weightKind = cfg.format === 'paper-binary' ? 'binary' : 'ternary';
  const dense = (pl: ProjPlan): DenseLinearIR => {
    const w = loadFloat(pl.weightName);
    const bad = countNonFinite(w.dtype, store.get(pl.weightName)!.data);
    if (bad.count > 0) throw new BitnetError([diag('WT010', where(pl.weightName), `${bad.count} weights are NaN or infinite (first at flat index ${bad.first})`, 'the checkpoint is corrupt; re-export it', 'finite weights')]);
    return { kind: 'dense-linear', name: pl.name, inFeatures: pl.inF, outFeatures: pl.outF, weight: w, bias: null };
  };
  const int8 = (pl: ProjPlan): Int8LinearIR => {
    const t = ck.tensors.get(pl.weightName)!;
    const raw = readTensorBytes(t);
    store.set(pl.weightName, { dtype: 'i8', shape: [pl.outF, pl.inF], data: new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength) });
    const st = ck.tensors.get(pl.scaleName!)!;
    store.set(pl.scaleName!, { dtype: 'f32', shape: [1], data: toF32(readTensorBytes(st), st.dtype) });
    return { kind: 'int8-linear', name: pl.name, inFeatures: pl.inF, outFeatures: pl.outF, weight: refOf(pl.weightName), scale: refOf(pl.scaleName!), actQuant, bias: null };
  };
  const bitlinear = (pl: ProjPlan): BitLinearIR => {
    const t = ck.tensors.get(pl.weightName)!;
    const raw = readTensorBytes(t);
    let packed: Uint8Array;
    let scales: Float32Array;
    let convention = cfg.convention;
    if (cfg.format === 'hf-packed') {
      packed = hfPackedToCanonical(raw, pl.outF, pl.inF);
      const st = ck.tensors.get(pl.scaleName!)!;
      scales = toF32(readTensorBytes(st), st.dtype);
    } else {
      const w = toF32(raw, t.dtype);
      const bad = countNonFinite('f32', w);
      if (bad.count > 0) {
        throw new BitnetError([diag('WT010', where(pl.weightName), `${bad.count} latent weights are NaN or infinite (first at flat index ${bad.first})`, 'the checkpoint is corrupt; re-export it', 'finite weights')]);
      }
      convention = 'multiply';
      if (weightKind === 'binary') {
        const { signs, betas } = binarizePaper(w, pl.outF, pl.inF, cfg.weightGroups);
        packed = packBinaryRowMajor(signs, pl.outF, pl.inF);
        scales = betas;
      } else {
        const { codes, scale } = ternarizeAbsmean(w, FLOAT_ST[t.dtype]!);
        packed = packTernaryRowMajor(codes, pl.outF, pl.inF);
        scales = Float32Array.of(scale);
      }
    }
    const wName = pl.weightName;
    store.set(wName, { dtype: 'u8', shape: [pl.outF, packedBytesPerRow(weightKind, pl.inF)], data: packed });
    const sName = pl.scaleName ?? `${pl.weightName}_scale`;
    store.set(sName, { dtype: 'f32', shape: [scales.length], data: scales });
    return {
      kind: 'bitlinear',
      name: pl.name,
      inFeatures: pl.inF,
      outFeatures: pl.outF,
      weight: {
        kind: 'packed-weight',
        weightKind,
        packing: weightKind === 'ternary' ? 'ternary-2bit-rowmajor' : 'binary-1bit-rowmajor',
        tensor: refOf(wName),
      },
      scale: { kind: 'weight-scale', convention, groups: scales.length, tensor: refOf(sName) },
      actQuant,
      bias: null,
    };
  };

  const embedding = loadFloat('model.embed_tokens.weight');
  const byLayer = new Map<number, Map<ProjKind, ProjPlan>>();
  for (const pl of plans) {
    if (!byLayer.has(pl.layer)) byLayer.set(pl.layer, new Map());
    byLayer.get(pl.layer)!.set(pl.kind, pl);
  }
  const layers: DecoderLayerIR[] = [];
  for (let i = 0; i < cfg.layers; i++) {
    const p = `model.layers.${i}`;
    const pls = byLayer.get(i)!;
    const get = (k: ProjKind): LinearIR => (cfg.format === 'hf-dense' ? dense(pls.get(k)!) : cfg.format === 'hf-int8' ? int8(pls.get(k)!) : bitlinear(pls.get(k)!));
    const attnNorm = norm(`${p}.input_layernorm.weight`, h);
    const q = get('q');
    const k = get('k');
    const v = get('v');
    const attnSub = optNorm(`${p}.${sub.attn}.weight`, qd);
    const o = get('o');
    const ffnNorm = norm(`${p}.post_attention_layernorm.weight`, h);
    const gate = pls.has('gate') ? get('gate') : null;
    const up = get('up');
    const ffnSub = optNorm(`${p}.${sub.ffn}.weight`, cfg.ffnHidden);
    const down = get('down');
    layers.push({
      kind: 'decoder-layer',
      index: i,
      attnNorm,
      attention: {
        kind: 'attention',
        heads: cfg.heads,
        kvHeads: cfg.kvHeads,
        headDim: cfg.headDim,
        rope: { kind: 'rope', theta: cfg.ropeTheta, style: 'rotate-half' },
        q,
        k,
        v,
        o,
        subNorm: attnSub,
      },
      ffnNorm,
      ffn: { kind: 'ffn', activation: cfg.activation, hidden: cfg.ffnHidden, gate, up, down, subNorm: ffnSub },
    });
  }
  const finalNorm = norm('model.norm.weight', h);
  const head = cfg.tied ? embedding : loadFloat('lm_head.weight');
  const ir: ModelIR = {
    kind: 'model',
    irVersion: IR_VERSION,
    name: cfg.modelType,
    source: cfg.format,
    hidden: h,
    maxPositions: cfg.maxPositions,
    bosToken: cfg.bos,
    eosToken: cfg.eos,
    embedding: { kind: 'embedding', vocabSize: V, dim: h, weight: embedding },
    layers,
    finalNorm,
    head: { kind: 'head', tied: cfg.tied, weight: head },
  };
  const model: Model = { ir, tensors: store };
  const problems = validateModel(model).filter((d) => d.severity === 'error');
  if (problems.length) throw new BitnetError(problems);
  return model;
}

/** Widen little-endian F32/BF16/F16 bytes to a Float32Array. */
export function toF32(bytes: Uint8Array, dtype: StDType): Float32Array {
  if (dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const u = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const out = new Float32Array(u.length);
  const conv = dtype === 'BF16' ? bf16ToF32 : f16ToF32;
  for (let i = 0; i < u.length; i++) out[i] = conv(u[i]!);
  return out;
}
