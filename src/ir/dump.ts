/**
 * Canonical text dump of a model, for tests and humans: one line per node in execution order,
 * each tensor with dtype, shape and a content hash. Equal models give equal dumps, byte for byte.
 * Also the parameter accounting behind `bitnet-hw inspect`.
 */
import { createHash } from 'node:crypto';
import type { BitLinearIR, LinearIR, Model, NormIR, TensorRef } from './types.js';
import { allLinears, allNorms, DTYPE_BYTES, layerLinears } from './types.js';

function hashOf(model: Model, ref: TensorRef): string {
  const t = model.tensors.get(ref.name);
  if (!t) return 'missing';
  return createHash('sha256').update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).digest('hex').slice(0, 16);
}

function tensorText(model: Model, ref: TensorRef): string {
  return `${ref.name}: ${ref.dtype}[${ref.shape.join('x')}] #${hashOf(model, ref)}`;
}

function normText(model: Model, n: NormIR): string {
  return `norm ${n.type} dim=${n.dim} eps=${n.eps} weight=${tensorText(model, n.weight)}${n.bias ? ` bias=${tensorText(model, n.bias)}` : ''}`;
}

function blText(model: Model, b: LinearIR): string {
  if (b.kind === 'int8-linear') return `int8 ${b.name} ${b.outFeatures}x${b.inFeatures} weight=${tensorText(model, b.weight)} scale=${tensorText(model, b.scale)} act=int${b.actQuant.bits} ${b.actQuant.granularity} ${b.actQuant.scaleNumerator} ${b.actQuant.rounding}`;
  if (b.kind === 'dense-linear') return `dense ${b.name} ${b.outFeatures}x${b.inFeatures} weight=${tensorText(model, b.weight)}${b.bias ? ` bias=${tensorText(model, b.bias)}` : ''}`;
  const a = b.actQuant;
  return (
    `bitlinear ${b.name} ${b.outFeatures}x${b.inFeatures} ${b.weight.weightKind} ${b.weight.packing} ` +
    `weight=${tensorText(model, b.weight.tensor)} scale(${b.scale.convention}, groups=${b.scale.groups})=${tensorText(model, b.scale.tensor)} ` +
    `act=int${a.bits} ${a.granularity}${a.granularity === 'per-group' ? `(${a.groups})` : ''} ${a.scaleNumerator} ${a.rounding} eps=${a.epsilon}` +
    (b.bias ? ` bias=${tensorText(model, b.bias)}` : '')
  );
}

export function dumpModel(model: Model): string {
  const ir = model.ir;
  const L: string[] = [];
  L.push(`bitnet-ir v${ir.irVersion} name=${ir.name} source=${ir.source}`);
  L.push(`hidden=${ir.hidden} layers=${ir.layers.length} vocab=${ir.embedding.vocabSize} maxPositions=${ir.maxPositions} bos=${ir.bosToken} eos=${ir.eosToken}`);
  L.push(`embedding ${tensorText(model, ir.embedding.weight)}`);
  for (const l of ir.layers) {
    const a = l.attention;
    L.push(`layer ${l.index}`);
    L.push(`  attn_norm ${normText(model, l.attnNorm)}`);
    L.push(`  attention heads=${a.heads} kv_heads=${a.kvHeads} head_dim=${a.headDim} rope=${a.rope ? `${a.rope.style}(theta=${a.rope.theta})` : 'none'}`);
    for (const b of [a.q, a.k, a.v]) L.push(`    ${blText(model, b)}`);
    if (a.subNorm) L.push(`    sub_norm ${normText(model, a.subNorm)}`);
    L.push(`    ${blText(model, a.o)}`);
    L.push(`  ffn_norm ${normText(model, l.ffnNorm)}`);
    L.push(`  ffn ${l.ffn.activation} hidden=${l.ffn.hidden}`);
    for (const b of layerLinears(l).slice(4, l.ffn.gate ? 6 : 5)) L.push(`    ${blText(model, b)}`);
    if (l.ffn.subNorm) L.push(`    sub_norm ${normText(model, l.ffn.subNorm)}`);
    L.push(`    ${blText(model, l.ffn.down)}`);
  }
  L.push(`final_norm ${normText(model, ir.finalNorm)}`);
  L.push(`head tied=${ir.head.tied} ${tensorText(model, ir.head.weight)}`);
  return L.join('\n') + '\n';
}

export interface ModelSummary {
  readonly name: string;
  readonly source: string;
  readonly config: {
    hidden: number;
    layers: number;
    heads: number;
    kvHeads: number;
    headDim: number;
    ffnHidden: number;
    ffnActivation: string;
    vocab: number;
    maxPositions: number;
    norm: string;
    ropeTheta: number | null;
    tiedHead: boolean;
  };
  readonly weightKind: string;
  readonly parameters: { total: number; linear: number; embedding: number; head: number; norms: number };
  /** Bits of linear weights as stored by the IR (2 per ternary, 1 per binary weight, the dtype's width for dense). */
  readonly linearWeightBits: number;
  readonly zeroWeightFraction: number | null;
  readonly tensors: { name: string; dtype: string; shape: number[] }[];
}

export function summarizeModel(model: Model): ModelSummary {
  const ir = model.ir;
  const l0 = ir.layers[0]!;
  const lins = allLinears(ir);
  const bls = lins.filter((b): b is BitLinearIR => b.kind === 'bitlinear');
  const linear = lins.reduce((a, b) => a + b.inFeatures * b.outFeatures, 0);
  const emb = ir.embedding.vocabSize * ir.hidden;
  const head = ir.head.tied ? 0 : ir.embedding.vocabSize * ir.hidden;
  const norms = allNorms(ir).reduce((a, n) => a + n.dim * (n.bias ? 2 : 1), 0);
  const kinds = [...new Set(lins.map((b) => (b.kind === 'bitlinear' ? b.weight.weightKind : b.kind === 'int8-linear' ? 'int8' : 'full-precision')))].sort();
  let zeros = 0;
  let ternaryCount = 0;
  for (const b of bls) {
    if (b.weight.weightKind !== 'ternary') continue;
    const data = model.tensors.get(b.weight.tensor.name)?.data as Uint8Array | undefined;
    if (!data) continue;
    const bpr = b.weight.tensor.shape[1]!;
    for (let r = 0; r < b.outFeatures; r++) {
      for (let c = 0; c < b.inFeatures; c++) if (((data[r * bpr + (c >> 2)]! >> ((c & 3) * 2)) & 3) === 1) zeros++;
    }
    ternaryCount += b.inFeatures * b.outFeatures;
  }
  const tensors = [...model.tensors.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] }));
  return {
    name: ir.name,
    source: ir.source,
    config: {
      hidden: ir.hidden,
      layers: ir.layers.length,
      heads: l0.attention.heads,
      kvHeads: l0.attention.kvHeads,
      headDim: l0.attention.headDim,
      ffnHidden: l0.ffn.hidden,
      ffnActivation: l0.ffn.activation,
      vocab: ir.embedding.vocabSize,
      maxPositions: ir.maxPositions,
      norm: ir.finalNorm.type,
      ropeTheta: l0.attention.rope?.theta ?? null,
      tiedHead: ir.head.tied,
    },
    weightKind: kinds.join('+'),
    parameters: { total: emb + head + linear + norms, linear, embedding: emb, head, norms },
    linearWeightBits: lins.reduce((a, b) => a + b.inFeatures * b.outFeatures * (b.kind === 'dense-linear' ? 8 * DTYPE_BYTES[b.weight.dtype] : b.kind === 'int8-linear' ? 8 : b.weight.weightKind === 'ternary' ? 2 : 1), 0),
    zeroWeightFraction: ternaryCount ? zeros / ternaryCount : null,
    tensors,
  };
}
