import { describe, expect, it } from 'vitest';
import { activityEnergy, partOf, priceActions } from '../../src/energy/activity.js';
import { loadEnergyTable } from '../../src/energy/tables.js';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { MODEL_PRESETS } from '../../src/ir/presets.js';
import { simulateModel } from '../../src/sim/model.js';
import { codesOf } from '../helpers.js';

describe('activity energy', () => {
  const shape = MODEL_PRESETS['2b4t']!;
  const sim = simulateModel(shape, ARCH_PRESETS['default']!, { prefill: 3, tokens: 2 });
  const e = activityEnergy(sim, shape, loadEnergyTable('7nm'), 0.3);
  it('keeps prompt and decode apart, and the parts of the model add up to the decoded token', () => {
    expect(e.prefill_J + e.decode_J).toBeCloseTo(e.total_J, 12);
    expect(e.per_decoded_token_J!).toBeCloseTo(e.decode_J / 2, 12);
    expect(e.per_prompt_token_J!).toBeCloseTo(e.prefill_J / 3, 12);
    const parts = Object.values(e.per_part_per_decoded_token_J).reduce((a, b) => a + b, 0);
    expect(parts).toBeCloseTo(e.per_decoded_token_J!, 12);
    expect(e.per_part_per_decoded_token_J.attention_bitlinears + e.per_part_per_decoded_token_J.ffn_bitlinears).toBeCloseTo(e.bitlinear_per_decoded_token_J!, 12);
  });
  it('splits the BitLinears between attention and FFN as their weights (the same engine per weight)', () => {
    const p = shape.perLayer;
    const w = (re: RegExp) => p.filter((x) => re.test(x.kind)).reduce((a, x) => a + x.n * x.out, 0);
    const weightRatio = w(/ffn/) / w(/attn/);
    const energyRatio = e.per_part_per_decoded_token_J.ffn_bitlinears / e.per_part_per_decoded_token_J.attention_bitlinears;
    expect(energyRatio / weightRatio).toBeGreaterThan(0.95);
    expect(energyRatio / weightRatio).toBeLessThan(1.05);
  });
  it('an action nobody prices, or that no part of the model owns, is an error', () => {
    expect(codesOf(() => priceActions([{ component: 'warp', action: 'drive', bits: 1, count: 1 }], loadEnergyTable('7nm')))).toEqual(['EN010']);
    expect(codesOf(() => partOf('warp', 'drive'))).toEqual(['EN011']);
  });
});
