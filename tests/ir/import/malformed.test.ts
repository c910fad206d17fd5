/**
 * Malformed checkpoints: each case corrupts a valid fixture in one way and expects a specific
 * diagnostic code, from the library and from the CLI (exit 2, no stack trace, nothing written).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/ir/load.js';
import { openSafetensors, readTensorBytes, writeSafetensors, type StDType } from '../../../src/ir/safetensors.js';
import { codesOf, fixture, readRaw, repoRoot, tmpDir, writeRaw } from '../../helpers.js';

type Mutate = (dir: string) => void;
const ST = (dir: string): string => path.join(dir, 'model.safetensors');
const cfgPath = (dir: string): string => path.join(dir, 'config.json');
const editConfig = (f: (c: Record<string, unknown>) => void): Mutate => (dir) => {
  const c = JSON.parse(fs.readFileSync(cfgPath(dir), 'utf8')) as Record<string, unknown>;
  f(c);
  fs.writeFileSync(cfgPath(dir), JSON.stringify(c));
};
const editHeader = (f: (h: Record<string, Record<string, unknown>>) => void): Mutate => (dir) => {
  const { header, data } = readRaw(ST(dir));
  f(header as Record<string, Record<string, unknown>>);
  writeRaw(ST(dir), header, data);
};
const editTensorBytes = (name: string, f: (bytes: Buffer) => void): Mutate => (dir) => {
  const raw = fs.readFileSync(ST(dir));
  const n = Number(raw.readBigUInt64LE(0));
  const h = JSON.parse(raw.subarray(8, 8 + n).toString()) as Record<string, { data_offsets: [number, number] }>;
  const [b, e] = h[name]!.data_offsets;
  f(raw.subarray(8 + n + b, 8 + n + e));
  fs.writeFileSync(ST(dir), raw);
};
const replaceTensor = (name: string, t: { dtype: StDType; shape: number[]; data: ArrayBufferView }): Mutate => (dir) => {
  const st = openSafetensors(ST(dir));
  const all = [...st.tensors.values()].map((i) => (i.name === name ? { name, ...t } : { name: i.name, dtype: i.dtype, shape: i.shape, data: readTensorBytes(i) }));
  writeSafetensors(ST(dir), all);
};
const Q = 'model.layers.0.self_attn.q_proj.weight';
const QS = 'model.layers.0.self_attn.q_proj.weight_scale';

const CASES: { name: string; code: string; format?: 'hf-packed' | 'hf-master'; shards?: number; mutate: Mutate }[] = [
  { name: 'file shorter than 8 bytes', code: 'ST001', mutate: (d) => fs.writeFileSync(ST(d), Buffer.from([1, 2, 3])) },
  { name: 'header length beyond the file', code: 'ST002', mutate: (d) => { const b = fs.readFileSync(ST(d)); b.writeBigUInt64LE(BigInt(b.length), 0); fs.writeFileSync(ST(d), b); } },
  { name: 'absurd header length', code: 'ST013', mutate: (d) => { const b = fs.readFileSync(ST(d)); b.writeBigUInt64LE(1n << 40n, 0); fs.writeFileSync(ST(d), b); } },
  { name: 'header is not JSON', code: 'ST003', mutate: (d) => { const { data } = readRaw(ST(d)); writeRaw(ST(d), null, data, '{"a": [1, 2'); } },
  { name: 'header is not UTF-8', code: 'ST003', mutate: (d) => { const { data } = readRaw(ST(d)); const len = Buffer.alloc(8); len.writeBigUInt64LE(2n); fs.writeFileSync(ST(d), Buffer.concat([len, Buffer.from([0xff, 0xfe]), data])); } },
  { name: 'header is a JSON array', code: 'ST004', mutate: (d) => { const { data } = readRaw(ST(d)); writeRaw(ST(d), [1, 2], data); } },
  { name: 'entry without dtype', code: 'ST005', mutate: editHeader((h) => { delete h[Q]!['dtype']; }) },
  { name: 'data_offsets of length 3', code: 'ST005', mutate: editHeader((h) => { h[Q]!['data_offsets'] = [0, 1, 2]; }) },
  { name: 'unknown dtype', code: 'ST006', mutate: editHeader((h) => { h[Q]!['dtype'] = 'Q4_K'; }) },
  { name: 'negative dimension', code: 'ST007', mutate: editHeader((h) => { h[Q]!['shape'] = [-8, 32]; }) },
  { name: 'truncated data section', code: 'ST008', mutate: (d) => { const b = fs.readFileSync(ST(d)); fs.writeFileSync(ST(d), b.subarray(0, b.length - 100)); } },
  { name: 'begin after end', code: 'ST008', mutate: editHeader((h) => { const o = h[Q]!['data_offsets'] as number[]; h[Q]!['data_offsets'] = [o[1], o[0]]; }) },
  { name: 'byte count disagrees with shape', code: 'ST009', mutate: editHeader((h) => { h[Q]!['shape'] = [9, 32]; }) },
  { name: 'overlapping tensors', code: 'ST010', mutate: editHeader((h) => { const o = h[Q]!['data_offsets'] as number[]; h[QS]!['data_offsets'] = [o[0], o[0]! + 2]; }) },
  { name: 'hole in the data section', code: 'ST011', mutate: (d) => { const { header, data } = readRaw(ST(d)); const h = header as Record<string, { data_offsets: number[] }>; for (const v of Object.values(h)) v.data_offsets = v.data_offsets.map((x) => x + 4); writeRaw(ST(d), h, Buffer.concat([Buffer.alloc(4), data])); } },
  { name: 'trailing bytes', code: 'ST011', mutate: (d) => fs.appendFileSync(ST(d), Buffer.alloc(16)) },
  { name: 'metadata with a non-string value', code: 'ST012', mutate: editHeader((h) => { (h as Record<string, unknown>)['__metadata__'] = { a: 1 }; }) },
  { name: 'model folder missing', code: 'CK001', mutate: (d) => fs.rmSync(d, { recursive: true }) },
  { name: 'config.json is not JSON', code: 'CK002', mutate: (d) => fs.writeFileSync(cfgPath(d), '{"hidden_size": ') },
  { name: 'no weights file', code: 'CK003', mutate: (d) => fs.rmSync(ST(d)) },
  { name: 'config lacks hidden_size', code: 'CK010', mutate: editConfig((c) => { delete c['hidden_size']; }) },
  { name: 'config hidden_size is a string', code: 'CK010', mutate: editConfig((c) => { c['hidden_size'] = '32'; }) },
  { name: 'hidden not divisible by heads', code: 'CK014', mutate: editConfig((c) => { c['num_attention_heads'] = 5; c['num_key_value_heads'] = 5; }) },
  { name: 'heads not a multiple of KV heads', code: 'CK015', mutate: editConfig((c) => { c['num_key_value_heads'] = 3; }) },
  { name: 'unsupported activation', code: 'CK016', mutate: editConfig((c) => { c['hidden_act'] = 'mish'; }) },
  { name: 'not a BitNet quant method', code: 'CK012', mutate: editConfig((c) => { c['quantization_config'] = { quant_method: 'gptq' }; }) },
  { name: 'unknown format', code: 'CK013', mutate: editConfig((c) => { delete c['quantization_config']; c['model_type'] = 'gpt2'; }) },
  { name: 'missing tensor', code: 'WT001', mutate: editHeader((h) => { const o = h[QS]!; delete h[QS]; h['zzz.pad'] = { dtype: 'U8', shape: [2], data_offsets: o['data_offsets'] }; }) },
  { name: 'unexpected tensor', code: 'WT002', mutate: editConfig((c) => { c['num_hidden_layers'] = 1; }) },
  { name: 'intermediate size disagrees with tensors', code: 'WT003', mutate: editConfig((c) => { c['intermediate_size'] = 64; }) },
  { name: 'packed rows not out/4', code: 'WT004', mutate: replaceTensor(Q, { dtype: 'U8', shape: [32, 32], data: new Uint8Array(32 * 32).fill(0x55) }) },
  { name: 'packed weights stored as I8', code: 'WT005', mutate: editHeader((h) => { h[Q]!['dtype'] = 'I8'; }) },
  { name: 'embedding stored as I16', code: 'WT005', mutate: editHeader((h) => { h['model.embed_tokens.weight']!['dtype'] = 'I16'; }) },
  { name: 'weight_scale with two values', code: 'WT006', mutate: replaceTensor(QS, { dtype: 'BF16', shape: [2], data: Uint16Array.of(0x3f80, 0x3f80) }) },
  { name: 'NaN weight scale', code: 'IR040', mutate: editTensorBytes(QS, (b) => b.writeUInt16LE(0x7fc0, 0)) },
  { name: 'infinite weight scale', code: 'IR040', mutate: editTensorBytes(QS, (b) => b.writeUInt16LE(0x7f80, 0)) },
  { name: 'zero weight scale', code: 'IR040', mutate: editTensorBytes(QS, (b) => b.writeUInt16LE(0, 0)) },
  { name: 'unused ternary code 0b11', code: 'IR041', mutate: editTensorBytes(Q, (b) => { b[5] = 0xff; }) },
  { name: 'index without weight_map', code: 'IX002', shards: 2, mutate: (d) => fs.writeFileSync(path.join(d, 'model.safetensors.index.json'), '{"metadata": {}}') },
  { name: 'index is not JSON', code: 'IX001', shards: 2, mutate: (d) => fs.writeFileSync(path.join(d, 'model.safetensors.index.json'), '{weight_map') },
  { name: 'shard missing', code: 'IX003', shards: 2, mutate: (d) => fs.rmSync(path.join(d, 'model-00002-of-00002.safetensors')) },
  { name: 'index names a tensor its shard lacks', code: 'IX004', shards: 2, mutate: (d) => { const f = path.join(d, 'model.safetensors.index.json'); const j = JSON.parse(fs.readFileSync(f, 'utf8')); j.weight_map['model.extra.weight'] = 'model-00001-of-00002.safetensors'; fs.writeFileSync(f, JSON.stringify(j)); } },
  { name: 'shard holds a tensor the index does not list', code: 'IX005', shards: 2, mutate: (d) => { const f = path.join(d, 'model.safetensors.index.json'); const j = JSON.parse(fs.readFileSync(f, 'utf8')); delete j.weight_map[Q]; fs.writeFileSync(f, JSON.stringify(j)); } },
  // Issue 9: inputs that used to crash or pass silently.
  { name: 'model.safetensors is a folder', code: 'CK004', mutate: (d) => { fs.rmSync(ST(d)); fs.mkdirSync(ST(d)); } },
  { name: 'config.json is a folder', code: 'CK002', mutate: (d) => { fs.rmSync(cfgPath(d)); fs.mkdirSync(cfgPath(d)); } },
  { name: 'index is a folder', code: 'IX001', shards: 2, mutate: (d) => { const f = path.join(d, 'model.safetensors.index.json'); fs.rmSync(f); fs.mkdirSync(f); } },
  ...['', '.', '..'].map((bad) => ({ name: `index shard named ${JSON.stringify(bad)}`, code: 'IX003', shards: 2, mutate: (d: string) => { const f = path.join(d, 'model.safetensors.index.json'); const j = JSON.parse(fs.readFileSync(f, 'utf8')); j.weight_map[Q] = bad; fs.writeFileSync(f, JSON.stringify(j)); } })),
  { name: 'index shard is a folder', code: 'IX003', shards: 2, mutate: (d) => { const f = path.join(d, 'model-00002-of-00002.safetensors'); fs.rmSync(f); fs.mkdirSync(f); } },
  { name: 'a million layers (bounded, fails fast)', code: 'CK010', mutate: editConfig((c) => { c['num_hidden_layers'] = 1_000_000; }) },
  { name: 'absurd vocabulary', code: 'CK010', mutate: editConfig((c) => { c['vocab_size'] = 2 ** 40; }) },
  { name: 'absurd context', code: 'CK010', mutate: editConfig((c) => { c['max_position_embeddings'] = 1e12; }) },
  { name: 'norm eps above 1', code: 'CK010', mutate: editConfig((c) => { c['rms_norm_eps'] = 5; }) },
  { name: 'infinite rope theta (1e999 in JSON)', code: 'CK010', mutate: (d) => { const t = fs.readFileSync(cfgPath(d), 'utf8'); fs.writeFileSync(cfgPath(d), t.replace(/\}\s*$/, ', "rope_theta": 1e999}')); } },
  { name: 'head_dim disagrees with hidden / heads', code: 'CK014', mutate: editConfig((c) => { c['head_dim'] = 16; }) },
  { name: 'negative weight scale', code: 'IR040', mutate: editTensorBytes(QS, (b) => b.writeUInt16LE(0xbf80, 0)) },
  { name: 'NaN in the embedding', code: 'IR042', mutate: editTensorBytes('model.embed_tokens.weight', (b) => b.writeUInt16LE(0x7fc0, 20)) },
  { name: 'infinity in a norm weight', code: 'IR042', mutate: editTensorBytes('model.norm.weight', (b) => b.writeUInt16LE(0xff80, 2)) },
  { name: 'NaN in a sub-norm weight', code: 'IR042', mutate: editTensorBytes('model.layers.1.mlp.ffn_sub_norm.weight', (b) => b.writeUInt16LE(0x7fc1, 0)) },
  { name: 'NaN in a latent master weight', code: 'WT010', format: 'hf-master', mutate: editTensorBytes(Q, (b) => b.writeUInt16LE(0x7fc0, 6)) },
  { name: 'master weights with a wrong shape', code: 'WT003', format: 'hf-master', mutate: editHeader((h) => { h[Q]!['shape'] = [16, 64]; }) },
];

describe('malformed checkpoints', () => {
  it(`covers at least 30 distinct malformed inputs (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of CASES) {
    it(`${c.code}: ${c.name}`, () => {
      const dir = fixture({ format: c.format ?? 'hf-packed', shards: c.shards ?? 1, hidden: 32, heads: 4, kvHeads: 2 });
      c.mutate(dir);
      const codes = codesOf(() => loadModel(dir));
      expect(codes).toContain(c.code);
    });
  }
  it('reports every problem at once', () => {
    const dir = fixture({ format: 'hf-packed' });
    editHeader((h) => {
      h[Q]!['dtype'] = 'Q4_K';
      h['model.norm.weight']!['shape'] = [-1];
    })(dir);
    expect(codesOf(() => loadModel(dir)).sort()).toEqual(['ST006', 'ST007']);
    const dir2 = fixture({ format: 'hf-packed' });
    editConfig((c) => {
      c['num_attention_heads'] = 5;
      c['hidden_act'] = 'mish';
    })(dir2);
    expect(codesOf(() => loadModel(dir2)).sort()).toEqual(['CK014', 'CK015', 'CK016']);
  });
});

describe('malformed checkpoints through the CLI', () => {
  const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
  it('exit 2, a coded error without a stack trace, and no output file, for every case', () => {
    const outDir = tmpDir();
    for (const c of CASES) {
      const dir = fixture({ format: c.format ?? 'hf-packed', shards: c.shards ?? 1 });
      c.mutate(dir);
      const out = path.join(outDir, 'out.safetensors');
      const r = spawnSync(process.execPath, [bin, 'convert', dir, '--out', out, '--json'], { encoding: 'utf8' });
      expect(r.status, c.name).toBe(2);
      expect(r.stderr).toContain(c.code);
      expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack frames
      const doc = JSON.parse(r.stdout) as { error: { diagnostics: { code: string; hint: string }[] } };
      expect(doc.error.diagnostics.map((d) => d.code)).toContain(c.code);
      expect(doc.error.diagnostics.every((d) => d.hint.length > 0)).toBe(true);
      expect(fs.readdirSync(outDir)).toEqual([]);
    }
  });
});
