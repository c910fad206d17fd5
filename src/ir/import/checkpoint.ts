/**
 * A checkpoint folder as a set of named tensors: `config.json` plus either `model.safetensors` or a
 * sharded `model.safetensors.index.json`. Only headers are read here; tensor bytes are read later,
 * one tensor at a time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BitnetError, diag, fail, type Diagnostic } from '../../util/diagnostics.js';
import { openSafetensors, type StTensorInfo } from '../safetensors.js';
import { readJsonInput } from '../../util/jsonfile.js';

export interface Checkpoint {
  readonly dir: string;
  readonly config: Record<string, unknown>;
  readonly tensors: ReadonlyMap<string, StTensorInfo>;
  readonly files: readonly string[];
  readonly totalBytes: number;
}

/** config.json and the shard index (kept as a name for the importers' callers). */
export const readJsonFile = readJsonInput;

export function openCheckpoint(dir: string): Checkpoint {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    fail('CK001', dir, 'model folder not found', 'pass a folder holding config.json and model.safetensors', 'a directory');
  }
  const cfgRaw = readJsonFile(path.join(dir, 'config.json'), 'CK002', 'config.json');
  if (typeof cfgRaw !== 'object' || cfgRaw === null || Array.isArray(cfgRaw)) {
    fail('CK002', path.join(dir, 'config.json'), 'config.json is not a JSON object', 'write the Hugging Face config as an object');
  }
  const single = path.join(dir, 'model.safetensors');
  const index = path.join(dir, 'model.safetensors.index.json');
  const tensors = new Map<string, StTensorInfo>();
  const files: string[] = [];
  if (fs.existsSync(index)) {
    const idx = readJsonFile(index, 'IX001', 'model.safetensors.index.json') as Record<string, unknown> | null;
    const wm = idx && typeof idx === 'object' ? idx['weight_map'] : undefined;
    if (typeof wm !== 'object' || wm === null || Array.isArray(wm) || Object.values(wm).some((v) => typeof v !== 'string')) {
      fail('IX002', index, 'weight_map is missing or not a map of tensor name to shard file', 'regenerate the index', '{"weight_map": {"tensor": "model-00001-of-00002.safetensors"}}');
    }
    const map = wm as Record<string, string>;
    const shards = [...new Set(Object.values(map))].sort();
    const ds: Diagnostic[] = [];
    const byShard = new Map<string, ReadonlyMap<string, StTensorInfo>>();
    for (const s of shards) {
      const f = path.join(dir, s);
      if (s === '' || s === '.' || s === '..' || path.basename(s) !== s || s.includes('\0')) {
        ds.push(diag('IX003', index, `shard name ${JSON.stringify(s)} is not a plain file name`, 'shards must sit beside the index, named like model-00001-of-00002.safetensors'));
        continue;
      }
      if (!fs.existsSync(f)) {
        ds.push(diag('IX003', f, 'shard listed in the index is missing', 'copy every shard into the model folder'));
        continue;
      }
      if (!fs.statSync(f).isFile()) {
        ds.push(diag('IX003', f, 'shard listed in the index is not a regular file', 'copy every shard into the model folder'));
        continue;
      }
      try {
        byShard.set(s, openSafetensors(f).tensors);
        files.push(f);
      } catch (e) {
        if (e instanceof BitnetError) ds.push(...e.diagnostics);
        else throw e;
      }
    }
    if (ds.length) throw new BitnetError(ds);
    for (const [name, s] of Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const info = byShard.get(s)?.get(name);
      if (!info) ds.push(diag('IX004', `${s}:${name}`, 'tensor listed in the index is not in its shard', 'regenerate the index from the shards'));
      else tensors.set(name, info);
    }
    for (const [s, ts] of byShard) {
      for (const name of ts.keys()) {
        if (map[name] !== s) ds.push(diag('IX005', `${s}:${name}`, 'tensor in a shard is not listed in the index (or listed under another shard)', 'regenerate the index from the shards'));
      }
    }
    if (ds.length) throw new BitnetError(ds);
  } else if (fs.existsSync(single)) {
    if (!fs.statSync(single).isFile()) fail('CK004', single, 'model.safetensors is not a regular file', 'put the weights file itself in the model folder');
    const st = openSafetensors(single);
    for (const [k, v] of st.tensors) tensors.set(k, v);
    files.push(single);
  } else {
    fail('CK003', dir, 'no model.safetensors or model.safetensors.index.json', 'export the weights as safetensors into the model folder');
  }
  const totalBytes = files.reduce((a, f) => a + fs.statSync(f).size, 0);
  return { dir, config: cfgRaw as Record<string, unknown>, tensors, files, totalBytes };
}
