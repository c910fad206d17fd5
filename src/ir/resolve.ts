/**
 * A model given by name or path, as the simulator and the energy model see it: a weightless
 * preset shape, or an imported model's shape (named after its folder) with its IR and measured
 * zero-weight fraction.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarizeModel } from './dump.js';
import { loadModel } from './load.js';
import { MODEL_PRESETS, shapeOfModel, type ModelShape } from './presets.js';
import type { ModelIR } from './types.js';
import { fail } from '../util/diagnostics.js';

/**
 * Zero fraction assumed for random-weight presets: absmean ternarization of Gaussian weights zeroes
 * |w| < mean|w|/2 = 0.399 sigma, i.e. P(|z| < 0.399) = 0.31.
 */
export const TERNARY_ZERO_FRACTION = 0.31;

export function resolveShape(spec: string): { shape: ModelShape; zeroFraction: number; ir?: ModelIR } {
  const preset = MODEL_PRESETS[spec];
  if (preset) return { shape: preset, zeroFraction: preset.weightKind === 'ternary' ? TERNARY_ZERO_FRACTION : 0 };
  if (!fs.existsSync(spec)) fail('CK001', spec, 'not a model preset or an existing model path', `pass a model folder or one of the presets ${Object.keys(MODEL_PRESETS).join(', ')}`);
  const model = loadModel(spec);
  // Name imported models after their folder (model_type is the same for every BitNet).
  const name = path.basename(path.resolve(spec)).replace(/\.bitnet\.safetensors$|\.safetensors$/, '');
  return { shape: { ...shapeOfModel(model), name }, zeroFraction: summarizeModel(model).zeroWeightFraction ?? 0, ir: model.ir };
}
