/**
 * The one IR validator. Reports every problem at once as coded diagnostics.
 *
 * Needs: an IR (already shaped like `ModelIR`, e.g. after the schema check) and optionally its
 * tensor store. Guarantees when it returns no errors: every size relation the reference, the
 * simulator and the generator rely on holds, every referenced tensor exists with the declared
 * dtype and shape, scales are finite and nonzero, and ternary weights contain no 0b11 code.
 */
import type { DenseLinearIR, Int8LinearIR, LinearIR, Model, ModelIR, NormIR, TensorRef, TensorStore } from './types.js';
import { packedBytesPerRow } from './types.js';
import { diag, type Diagnostic } from '../util/diagnostics.js';
import { maxExactInputs } from '../numerics/index.js';

const isPosInt = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

export function validateModel(model: Model): Diagnostic[] {
  return validateIR(model.ir, model.tensors);
}

export function validateIR(ir: ModelIR, tensors?: TensorStore): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const err = (code: string, path: string, message: string, hint: string, expected?: string): void => {
    ds.push(diag(code, path, message, hint, expected));
  };
  const seenRefs = new Map<string, TensorRef>();

  const checkRef = (path: string, ref: TensorRef, dtypes: readonly string[], shape: readonly number[]): void => {
    if (!dtypes.includes(ref.dtype)) {
      err('IR010', path, `tensor ${ref.name} has dtype ${ref.dtype}`, 'convert the tensor at import', dtypes.join(' or '));
    }
    if (ref.shape.length !== shape.length || ref.shape.some((d, i) => d !== shape[i])) {
      err('IR011', path, `tensor ${ref.name} has shape [${ref.shape.join(', ')}]`, 'the tensor does not match the sizes in the config; fix the config or the tensor', `[${shape.join(', ')}]`);
    }
    const prev = seenRefs.get(ref.name);
    if (prev && (prev.dtype !== ref.dtype || prev.shape.join() !== ref.shape.join())) {
      err('IR012', path, `tensor ${ref.name} is referenced with two different types`, 'use one TensorRef per tensor');
    }
    seenRefs.set(ref.name, ref);
    if (!tensors) return;
    const st = tensors.get(ref.name);
    if (!st) {
      err('IR013', path, `tensor ${ref.name} is missing from the tensor store`, 'the checkpoint lacks this tensor; re-export it');
      return;
    }
    if (st.dtype !== ref.dtype || st.shape.join() !== ref.shape.join()) {
      err('IR014', path, `stored tensor ${ref.name} is ${st.dtype}[${st.shape.join(', ')}], IR says ${ref.dtype}[${ref.shape.join(', ')}]`, 're-import the model');
    }
  };

  const checkNorm = (path: string, n: NormIR, dim: number): void => {
    if (n.dim !== dim) err('IR020', path, `norm dim ${n.dim} does not match the ${dim} features it normalizes`, 'fix the norm weight size', `${dim}`);
    if (!(Number.isFinite(n.eps) && n.eps >= 0)) err('IR021', `${path}.eps`, `eps ${n.eps} is not a finite non-negative number`, 'use e.g. 1e-5', '>= 0');
    checkRef(`${path}.weight`, n.weight, ['f32', 'bf16', 'f16'], [n.dim]);
    checkFinite(`${path}.weight`, n.weight);
    if (n.bias) {
      checkRef(`${path}.bias`, n.bias, ['f32', 'bf16', 'f16'], [n.dim]);
      checkFinite(`${path}.bias`, n.bias);
    }
  };

  const finiteChecked = new Set<string>();
  /** NaN or infinite values in a float tensor poison every logit; report the first and the count. */
  const checkFinite = (path: string, ref: TensorRef): void => {
    if (!tensors || finiteChecked.has(ref.name)) return;
    finiteChecked.add(ref.name);
    const st = tensors.get(ref.name);
    if (!st) return;
    const bad = countNonFinite(st.dtype, st.data);
    if (bad.count > 0) {
      err('IR042', path, `${bad.count} values of ${ref.name} are NaN or infinite (first at flat index ${bad.first})`, 'the checkpoint is corrupt (or overflowed when it was exported); re-export it', 'finite values');
    }
  };

  const names = new Set<string>();
  const checkDense = (path: string, d: DenseLinearIR, inF: number, outF: number): void => {
    if (d.inFeatures !== inF || d.outFeatures !== outF) {
      err('IR031', path, `linear ${d.name} is ${d.outFeatures}x${d.inFeatures}`, 'the projection sizes disagree with the config (hidden, heads, head_dim, kv heads, intermediate size)', `${outF}x${inF}`);
    }
    checkRef(`${path}.weight`, d.weight, ['f32', 'bf16', 'f16'], [d.outFeatures, d.inFeatures]);
    checkFinite(`${path}.weight`, d.weight);
    if (d.bias) {
      checkRef(`${path}.bias`, d.bias, ['f32'], [d.outFeatures]);
      checkFinite(`${path}.bias`, d.bias);
    }
  };
  const checkInt8 = (path: string, l: Int8LinearIR, inF: number, outF: number): void => {
    if (l.inFeatures !== inF || l.outFeatures !== outF) {
      err('IR031', path, `linear ${l.name} is ${l.outFeatures}x${l.inFeatures}`, 'the projection sizes disagree with the config (hidden, heads, head_dim, kv heads, intermediate size)', `${outF}x${inF}`);
    }
    checkRef(`${path}.weight`, l.weight, ['i8'], [l.outFeatures, l.inFeatures]);
    checkRef(`${path}.scale`, l.scale, ['f32'], [1]);
    const st = tensors?.get(l.scale.name);
    if (st && st.data instanceof Float32Array && !(Number.isFinite(st.data[0]!) && st.data[0]! > 0)) {
      err('IR040', `${path}.scale`, `weight scale ${l.scale.name} is ${st.data[0]}`, 'an int8 weight scale is absmax / 127, always positive; re-export the checkpoint', 'a finite scale > 0');
    }
    if (l.actQuant.bits !== 8) err('IR036', `${path}.actQuant.bits`, `activation bits ${l.actQuant.bits} for an int8 layer`, 'W8A8 quantizes activations to 8 bits', '8');
  };
  const checkBitLinear = (path: string, lin: LinearIR, inF: number, outF: number): void => {
    if (names.has(lin.name)) err('IR030', path, `linear layer name ${lin.name} is used twice`, 'give every linear layer a unique name');
    names.add(lin.name);
    if (lin.kind === 'dense-linear') {
      checkDense(path, lin, inF, outF);
      return;
    }
    if (lin.kind === 'int8-linear') {
      checkInt8(path, lin, inF, outF);
      return;
    }
    const bl = lin;
    if (bl.inFeatures !== inF || bl.outFeatures !== outF) {
      err('IR031', path, `BitLinear ${bl.name} is ${bl.outFeatures}x${bl.inFeatures}`, 'the projection sizes disagree with the config (hidden, heads, head_dim, kv heads, intermediate size)', `${outF}x${inF}`);
    }
    if (!isPosInt(bl.inFeatures) || !isPosInt(bl.outFeatures)) {
      err('IR032', path, 'feature counts must be positive integers', 'fix the config');
      return;
    }
    if (bl.inFeatures > maxExactInputs(bl.actQuant.bits)) {
      err('IR033', path, `${bl.inFeatures} inputs exceed the ${maxExactInputs(bl.actQuant.bits)} the hw dequantizer handles exactly`, 'split the layer (group quantization) or reduce activation bits', `<= ${maxExactInputs(bl.actQuant.bits)}`);
    }
    const w = bl.weight;
    const packingOk = (w.weightKind === 'ternary' && w.packing === 'ternary-2bit-rowmajor') || (w.weightKind === 'binary' && w.packing === 'binary-1bit-rowmajor');
    if (!packingOk) err('IR034', `${path}.weight`, `packing ${w.packing} cannot hold ${w.weightKind} weights`, 'use ternary-2bit-rowmajor for ternary, binary-1bit-rowmajor for binary');
    checkRef(`${path}.weight`, w.tensor, ['u8'], [bl.outFeatures, packedBytesPerRow(w.weightKind, bl.inFeatures)]);
    const s = bl.scale;
    if (!isPosInt(s.groups) || bl.outFeatures % s.groups !== 0) {
      err('IR035', `${path}.scale.groups`, `${s.groups} weight groups do not divide ${bl.outFeatures} output rows`, 'choose a group count that divides the output size', `a divisor of ${bl.outFeatures}`);
    } else checkRef(`${path}.scale`, s.tensor, ['f32'], [s.groups]);
    const aq = bl.actQuant;
    if (!(Number.isInteger(aq.bits) && aq.bits >= 2 && aq.bits <= 8)) {
      err('IR036', `${path}.actQuant.bits`, `activation bits ${aq.bits} unsupported`, 'use 8 (or 2..8)', '2..8');
    }
    const G = aq.granularity === 'per-group' ? aq.groups : 1;
    if (aq.granularity !== 'per-group' && aq.groups !== 1) {
      err('IR037', `${path}.actQuant.groups`, `groups=${aq.groups} with ${aq.granularity} granularity`, 'set groups to 1 or use per-group granularity', '1');
    }
    if (!isPosInt(G) || bl.inFeatures % G !== 0) {
      err('IR038', `${path}.actQuant.groups`, `${G} activation groups do not divide ${bl.inFeatures} inputs`, 'choose a group count that divides the input size', `a divisor of ${bl.inFeatures}`);
    }
    if (!(Number.isFinite(aq.epsilon) && aq.epsilon > 0)) {
      err('IR039', `${path}.actQuant.epsilon`, `epsilon ${aq.epsilon} must be finite and > 0`, 'use 1e-5', '> 0');
    }
    if (bl.bias) {
      checkRef(`${path}.bias`, bl.bias, ['f32'], [bl.outFeatures]);
      checkFinite(`${path}.bias`, bl.bias);
    }
    if (!tensors) return;
    const st = tensors.get(s.tensor.name);
    if (st && st.data instanceof Float32Array) {
      st.data.forEach((v, i) => {
        if (!Number.isFinite(v) || !(v > 0)) {
          err('IR040', `${path}.scale[${i}]`, `weight scale ${s.tensor.name}[${i}] is ${v}`, 'weight scales are mean|W| (or its reciprocal), always positive; the checkpoint has a corrupt weight_scale; re-export it', 'a finite scale > 0');
        }
      });
    }
    const wt = tensors.get(w.tensor.name);
    if (wt && wt.data instanceof Uint8Array && w.weightKind === 'ternary' && wt.shape.join() === w.tensor.shape.join()) {
      const bad = countInvalidTernary(wt.data);
      if (bad.count > 0) {
        const row = Math.floor(bad.first / w.tensor.shape[1]!);
        err('IR041', `${path}.weight`, `${bad.count} weights of ${w.tensor.name} use the unused 2-bit code 0b11 (first in row ${row})`, 'the packed weights are corrupt; re-export them', 'codes 00 (-1), 01 (0), 10 (+1)');
      }
    }
  };

  if (ir.kind !== 'model') err('IR001', 'kind', `root kind is ${String(ir.kind)}`, 'this is not a bitnet-hw model IR', 'model');
  if (!isPosInt(ir.hidden)) err('IR002', 'hidden', `hidden size ${ir.hidden} is not a positive integer`, 'fix hidden_size in config.json');
  if (!isPosInt(ir.maxPositions)) err('IR003', 'maxPositions', `context ${ir.maxPositions} is not a positive integer`, 'fix max_position_embeddings');
  const V = ir.embedding.vocabSize;
  if (!isPosInt(V)) err('IR004', 'embedding.vocabSize', `vocab ${V} is not a positive integer`, 'fix vocab_size');
  if (ir.embedding.dim !== ir.hidden) err('IR005', 'embedding.dim', `embedding dim ${ir.embedding.dim} != hidden ${ir.hidden}`, 'fix hidden_size or the embedding');
  checkRef('embedding.weight', ir.embedding.weight, ['f32', 'bf16', 'f16'], [V, ir.hidden]);
  checkFinite('embedding.weight', ir.embedding.weight);
  for (const [k, tok] of [['bosToken', ir.bosToken], ['eosToken', ir.eosToken]] as const) {
    if (tok !== null && !(Number.isInteger(tok) && tok >= 0 && tok < V)) err('IR006', k, `token id ${tok} outside the vocabulary`, 'fix bos/eos token ids', `0 <= id < ${V}`);
  }
  if (ir.layers.length === 0) err('IR007', 'layers', 'the model has no layers', 'a BitNet needs at least one decoder layer', '>= 1 layer');

  ir.layers.forEach((l, i) => {
    const p = `layers[${i}]`;
    if (l.index !== i) err('IR008', `${p}.index`, `layer index ${l.index} at position ${i}`, 'layers must be numbered in order', `${i}`);
    const a = l.attention;
    if (!isPosInt(a.heads) || !isPosInt(a.kvHeads) || !isPosInt(a.headDim)) {
      err('IR050', `${p}.attention`, 'heads, kvHeads and headDim must be positive integers', 'fix num_attention_heads / num_key_value_heads');
      return;
    }
    if (a.heads % a.kvHeads !== 0) err('IR051', `${p}.attention.kvHeads`, `${a.heads} heads are not a multiple of ${a.kvHeads} KV heads`, 'num_attention_heads must be divisible by num_key_value_heads');
    if (a.heads * a.headDim !== ir.hidden) err('IR052', `${p}.attention.heads`, `hidden ${ir.hidden} is not divisible into ${a.heads} heads of ${a.headDim}`, 'hidden_size must equal heads x head_dim', `${a.heads * a.headDim}`);
    if (a.rope) {
      if (a.headDim % 2 !== 0) err('IR053', `${p}.attention.rope`, `RoPE needs an even head dim, got ${a.headDim}`, 'use an even head dimension');
      if (!(Number.isFinite(a.rope.theta) && a.rope.theta > 0)) err('IR054', `${p}.attention.rope.theta`, `rope theta ${a.rope.theta} invalid`, 'use e.g. 10000 or 500000', '> 0');
    }
    checkNorm(`${p}.attnNorm`, l.attnNorm, ir.hidden);
    const qd = a.heads * a.headDim;
    const kvd = a.kvHeads * a.headDim;
    checkBitLinear(`${p}.attention.q`, a.q, ir.hidden, qd);
    checkBitLinear(`${p}.attention.k`, a.k, ir.hidden, kvd);
    checkBitLinear(`${p}.attention.v`, a.v, ir.hidden, kvd);
    if (a.subNorm) checkNorm(`${p}.attention.subNorm`, a.subNorm, qd);
    checkBitLinear(`${p}.attention.o`, a.o, qd, ir.hidden);
    checkNorm(`${p}.ffnNorm`, l.ffnNorm, ir.hidden);
    const f = l.ffn;
    if (!isPosInt(f.hidden)) err('IR060', `${p}.ffn.hidden`, `FFN size ${f.hidden} invalid`, 'fix intermediate_size');
    const gated = f.activation !== 'gelu';
    if (gated && !f.gate) err('IR061', `${p}.ffn.gate`, `${f.activation} needs a gate projection`, 'add gate_proj weights');
    if (!gated && f.gate) err('IR062', `${p}.ffn.gate`, 'gelu FFN has a gate projection', 'remove gate_proj or use a gated activation');
    if (f.gate) checkBitLinear(`${p}.ffn.gate`, f.gate, ir.hidden, f.hidden);
    checkBitLinear(`${p}.ffn.up`, f.up, ir.hidden, f.hidden);
    if (f.subNorm) checkNorm(`${p}.ffn.subNorm`, f.subNorm, f.hidden);
    checkBitLinear(`${p}.ffn.down`, f.down, f.hidden, ir.hidden);
  });
  checkNorm('finalNorm', ir.finalNorm, ir.hidden);
  if (ir.head.tied && ir.head.weight.name !== ir.embedding.weight.name) {
    err('IR070', 'head.weight', 'a tied head must reference the embedding tensor', 'set tied=false or point the head at the embedding');
  }
  checkRef('head.weight', ir.head.weight, ['f32', 'bf16', 'f16'], [V, ir.hidden]);
  checkFinite('head.weight', ir.head.weight);
  return ds;
}

export function countInvalidTernary(data: Uint8Array): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    // A 2-bit field is 0b11 iff both of its bits are set.
    const both = b & (b >> 1) & 0x55;
    if (both) {
      if (first < 0) first = i;
      count += ((both & 1) + ((both >> 2) & 1) + ((both >> 4) & 1) + ((both >> 6) & 1));
    }
  }
  return { count, first };
}

/** Count NaN/infinite values of a float tensor (f32, or bf16/f16 bit patterns). */
export function countNonFinite(dtype: string, data: ArrayBufferView): { count: number; first: number } {
  let count = 0;
  let first = -1;
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v - v !== 0) {
        if (first < 0) first = i;
        count++;
      }
    }
  } else if (data instanceof Uint16Array && (dtype === 'bf16' || dtype === 'f16')) {
    const mask = dtype === 'bf16' ? 0x7f80 : 0x7c00;
    for (let i = 0; i < data.length; i++) {
      if ((data[i]! & mask) === mask) {
        if (first < 0) first = i;
        count++;
      }
    }
  }
  return { count, first };
}
