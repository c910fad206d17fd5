/**
 * Load a model from a path: an IR file (`*.safetensors` with embedded IR), a folder holding
 * `model.bitnet.safetensors`, or a Hugging Face-style checkpoint folder (any supported format).
 * A folder holding both a checkpoint and an IR file uses the IR file only while the fingerprint
 * it recorded still matches the checkpoint; otherwise it is an error, never a silent stale model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/diagnostics.js';
import { fingerprintMatches, type SourceFile } from './fingerprint.js';
import { importCheckpoint } from './import/hf.js';
import { IR_FILE_NAME, irFileSource, loadIRFile } from './irfile.js';
import type { Model } from './types.js';

export function loadModel(p: string): Model {
  if (p === '') fail('CK001', '(model)', 'the model path is empty', 'pass a checkpoint folder or a .safetensors IR file');
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    fail('CK001', p, `model path not found (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'pass a checkpoint folder or a .safetensors IR file');
  }
  if (st.isFile()) return loadIRFile(p);
  if (!st.isDirectory()) fail('CK001', p, 'the model path is neither a file nor a folder', 'pass a checkpoint folder or a .safetensors IR file');
  const irFile = path.join(p, IR_FILE_NAME);
  if (!fs.existsSync(irFile)) return importCheckpoint(p);
  if (!fs.existsSync(path.join(p, 'config.json'))) return loadIRFile(irFile);
  const source = irFileSource(irFile);
  if (!source) {
    fail('CK020', irFile, 'the folder holds a checkpoint and an IR file that records no source, so it may be stale', `delete ${IR_FILE_NAME}, or regenerate it with \`bitnet-hw convert ${p} --out ${irFile} --force\``);
  }
  if (!fingerprintMatches(p, source as SourceFile[])) {
    fail('CK021', irFile, 'the IR file is stale: the checkpoint beside it changed since it was converted', `delete ${IR_FILE_NAME}, or regenerate it with \`bitnet-hw convert ${p} --out ${irFile} --force\``);
  }
  return loadIRFile(irFile);
}
