/**
 * Property: no mutation of config.json crashes the importer. Each run replaces, deletes or adds
 * one field (top level or inside quantization_config) with an arbitrary JSON value; the import
 * must either succeed or throw a coded BitnetError, and must do so quickly (sizes are bounded).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/ir/load.js';
import { BitnetError } from '../../../src/util/diagnostics.js';
import { fixture } from '../../helpers.js';

const KEYS = [
  'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim',
  'vocab_size', 'max_position_embeddings', 'hidden_act', 'rms_norm_eps', 'layer_norm_eps', 'norm_type', 'rope_theta',
  'tie_word_embeddings', 'bos_token_id', 'eos_token_id', 'model_type', 'quantization_config',
];
const QKEYS = ['quant_method', 'linear_class', 'quantization_mode', 'weight_kind', 'groups', 'activation_scale'];

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: -2, max: 2 ** 31 }),
  fc.constantFrom(0, 1, -1, 1e308, 2 ** 53, 0.5, 4096, 1_000_000, 'relu2', 'silu', 'gelu', 'bitnet', 'offline', 'online', 'binary', 'ternary', 'layernorm', null, [], {}),
);

const mutation = fc.record({
  where: fc.constantFrom('top', 'quant'),
  op: fc.constantFrom('set', 'delete', 'add'),
  key: fc.constantFrom(...KEYS, ...QKEYS),
  extra: fc.string({ maxLength: 8 }),
  value,
});

describe('config.json mutations never crash the importer', () => {
  const base = fixture({ format: 'hf-packed' });
  const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8')) as Record<string, unknown>;
  const dir = fixture({ format: 'hf-packed' });
  it('300 random single-field mutations: success or a coded error, never a crash', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
        const c = structuredClone(cfg);
        for (const m of muts) {
          const target = m.where === 'quant' && c['quantization_config'] && typeof c['quantization_config'] === 'object' && !Array.isArray(c['quantization_config']) ? (c['quantization_config'] as Record<string, unknown>) : c;
          if (m.op === 'delete') delete target[m.key];
          else if (m.op === 'set') target[m.key] = m.value;
          else target[`${m.key}${m.extra}`] = m.value;
        }
        fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
        try {
          loadModel(dir);
          accepted++;
        } catch (e) {
          if (!(e instanceof BitnetError)) throw e;
          expect(e.diagnostics.length).toBeGreaterThan(0);
          expect(e.diagnostics.every((d) => /^[A-Z]+\d{3}$/.test(d.code) && d.hint.length > 0)).toBe(true);
          rejected++;
        }
      }),
      { numRuns: 300, seed: 9009 },
    );
    console.log(`config fuzz (seed 9009): ${accepted} accepted, ${rejected} rejected with coded errors`);
    expect(rejected).toBeGreaterThan(0);
  }, 120_000);
});
