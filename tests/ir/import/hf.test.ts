import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/ir/load.js';
import { dumpModel, summarizeModel } from '../../../src/ir/dump.js';
import { loadIRFile, saveIRFile } from '../../../src/ir/irfile.js';
import { runSequence } from '../../../src/ref/model.js';
import { allBitLinears } from '../../../src/ir/types.js';
import { fixture, TINY, tmpDir } from '../../helpers.js';

const TOKENS = [3, 17, 5, 39, 0, 22];

describe('checkpoint import', () => {
  it('the bf16 master and the packed checkpoint of the same weights give identical IR and logits', () => {
    const master = loadModel(fixture({ format: 'hf-master' }));
    const packed = loadModel(fixture({ format: 'hf-packed' }));
    expect(master.ir.source).toBe('hf-master');
    expect(packed.ir.source).toBe('hf-packed');
    for (const numerics of ['float', 'hw'] as const) {
      const a = runSequence(master, TOKENS, { numerics });
      const b = runSequence(packed, TOKENS, { numerics });
      expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    }
    // Same weights and scales tensor by tensor.
    for (const [bm, bp] of allBitLinears(master.ir).map((b, i) => [b, allBitLinears(packed.ir)[i]!] as const)) {
      expect(Buffer.from(master.tensors.get(bm.weight.tensor.name)!.data.buffer).equals(Buffer.from(packed.tensors.get(bp.weight.tensor.name)!.data.buffer))).toBe(true);
    }
  });
  it('fp32 master, layernorm + gelu variants and untied heads import and run', () => {
    for (const spec of [
      { format: 'hf-master' as const, dtype: 'f32' as const },
      { format: 'hf-master' as const, dtype: 'f16' as const, tied: false },
      { format: 'paper-binary' as const, activation: 'gelu' as const, normType: 'layernorm' as const, groups: 4 },
      { format: 'llama-1bitllm' as const, dtype: 'f32' as const },
      { format: 'hf-packed' as const, linearClass: 'bitlinear' as const },
    ]) {
      const m = loadModel(fixture(spec));
      const r = runSequence(m, TOKENS, { numerics: 'hw' });
      expect(r.logits.every(Number.isFinite)).toBe(true);
      expect(r.argmax.length).toBe(TOKENS.length);
    }
  });
  it('paper binary: binary weights, per-group betas, 2^(b-1) activation scaling', () => {
    const m = loadModel(fixture({ format: 'paper-binary', groups: 2 }));
    const bl = allBitLinears(m.ir);
    expect(bl.every((b) => b.weight.weightKind === 'binary' && b.scale.groups === 2 && b.actQuant.scaleNumerator === 'pow2')).toBe(true);
    expect(summarizeModel(m).weightKind).toBe('binary');
  });
  it('1bitLLM llama layout: SwiGLU with inner_attn_ln / ffn_layernorm sub-norms', () => {
    const m = loadModel(fixture({ format: 'llama-1bitllm' }));
    expect(m.ir.layers[0]!.ffn.activation).toBe('swiglu');
    expect(m.ir.layers[0]!.attention.subNorm?.weight.name).toBe('model.layers.0.self_attn.inner_attn_ln.weight');
    expect(m.ir.layers[0]!.ffn.subNorm?.weight.name).toBe('model.layers.0.mlp.ffn_layernorm.weight');
  });
  it('sharded checkpoints import to the same model as a single file', () => {
    const one = loadModel(fixture({ format: 'hf-packed' }));
    const sharded = loadModel(fixture({ format: 'hf-packed', shards: 3 }));
    expect(dumpModel(sharded)).toBe(dumpModel(one));
  });
  it('inspect counts parameters like the 2B4T report does (embedding + linear + norms)', () => {
    const s = summarizeModel(loadModel(fixture({ format: 'hf-packed' })));
    const h = TINY.hidden;
    const linear = TINY.layers * (h * h * 2 + 2 * h * (h / 2) + 3 * h * TINY.ffnHidden);
    expect(s.parameters.linear).toBe(linear);
    expect(s.parameters.norms).toBe(TINY.layers * (3 * h + TINY.ffnHidden) + h);
    expect(s.parameters.total).toBe(linear + TINY.vocab * h + s.parameters.norms);
  });
});

describe('IR file', () => {
  it('round-trips losslessly and deterministically', () => {
    const m = loadModel(fixture({ format: 'paper-binary', groups: 2, normType: 'layernorm', activation: 'gelu' }));
    const dir = tmpDir();
    const f1 = path.join(dir, 'a.safetensors');
    const f2 = path.join(dir, 'b.safetensors');
    saveIRFile(m, f1);
    const back = loadIRFile(f1);
    saveIRFile(back, f2);
    expect(back.ir).toEqual(m.ir);
    expect(dumpModel(back)).toBe(dumpModel(m));
    expect(fs.readFileSync(f1).equals(fs.readFileSync(f2))).toBe(true);
    const r1 = runSequence(m, TOKENS, { numerics: 'hw' });
    const r2 = runSequence(back, TOKENS, { numerics: 'hw' });
    expect(Array.from(r2.logits)).toEqual(Array.from(r1.logits));
  });
  it('a folder holding model.bitnet.safetensors loads as IR', () => {
    const m = loadModel(fixture({ format: 'hf-packed' }));
    const dir = tmpDir();
    saveIRFile(m, path.join(dir, 'model.bitnet.safetensors'));
    expect(dumpModel(loadModel(dir))).toBe(dumpModel(m));
  });
});
