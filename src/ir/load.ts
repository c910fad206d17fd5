/**
 * Load a model from a path: an IR file (`*.safetensors` with embedded IR), a folder holding
 * `model.bitnet.safetensors`, or a Hugging Face-style checkpoint folder (any supported format).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/diagnostics.js';
import { importCheckpoint } from './import/hf.js';
import { IR_FILE_NAME, loadIRFile } from './irfile.js';
import type { Model } from './types.js';

export function loadModel(p: string): Model {
  if (!fs.existsSync(p)) fail('CK001', p, 'model path not found', 'pass a checkpoint folder or a .safetensors IR file');
  if (fs.statSync(p).isFile()) return loadIRFile(p);
  const irFile = path.join(p, IR_FILE_NAME);
  if (fs.existsSync(irFile)) return loadIRFile(irFile);
  return importCheckpoint(p);
}
