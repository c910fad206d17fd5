/**
 * Activity-based energy: the simulator's action counts priced with an energy table. The mapping
 * from (component, action) to table entries is the one place that decides what an action costs;
 * an action it does not know is an error, so a new simulator component cannot go unpriced.
 */
import { expGraph } from '../ir/exp-pipeline.js';
import type { ActionCount } from '../sim/engine.js';
import type { SimClock, SimReport } from '../sim/model.js';
import type { ModelShape } from '../ir/presets.js';
import { fail } from '../util/diagnostics.js';
import { floorBitsPerWeight } from '../ir/engine-plan.js';
import type { EnergyTable } from './tables.js';

const EXP_OPS = ((): { fmul: number; fadd: number; steps: number } => {
  const g = expGraph();
  const n = (k: string): number => g.filter((x) => x.kind === k).length;
  return { fmul: n('fmul'), fadd: n('fadd'), steps: n('step') };
})();

type Price = (t: EnergyTable, a: ActionCount) => number;

const perBit = (k: keyof EnergyTable['memory']): Price => (t, a) => t.memory[k] * a.bits;
const op = (...ks: (keyof EnergyTable['ops'])[]): Price => (t) => ks.reduce((s, k) => s + t.ops[k], 0);

/** pJ per single action. */
const PRICES: Readonly<Record<string, Price>> = {
  'mac_array.tree_add': op('int8_add'),
  'mac_array.accumulate': op('int32_add'),
  'wmem.read': perBit('sram_1mb_bit'),
  // the 16-word FIFO weights streamed from DRAM pass through
  'wfifo.write': perBit('sram_8kb_bit'),
  'wfifo.read': perBit('sram_8kb_bit'),
  // the head unit's FIFO of table lines streamed from DRAM (two groups' lines)
  'tfifo.write': perBit('sram_1mb_bit'),
  'tfifo.read': perBit('sram_1mb_bit'),
  'qbuf.read': perBit('sram_8kb_bit'),
  'qbuf.write': perBit('sram_8kb_bit'),
  'xbuf.read': perBit('sram_32kb_bit'),
  'xbuf.write': perBit('sram_32kb_bit'),
  'rbuf.write': perBit('sram_8kb_bit'),
  'quantizer.quantize': op('int32_mul', 'int32_add'),
  'divider.iteration': op('int32_add'),
  'dequant.multiply': op('int32_mul', 'int32_add'),
  'b3dec.decode': op('int8_add'),
  'output.beat': () => 0, // a wire to the next unit; its storage is counted where it lands
  'dram.read': perBit('dram_bit'),
  'dram.read_head': perBit('dram_bit'),
  'dram.read_embedding': perBit('dram_bit'),
  'kv_cache.read': perBit('sram_1mb_bit'),
  'kv_cache.write': perBit('sram_1mb_bit'),
  'kv_dram.read': perBit('dram_bit'),
  'kv_dram.write': perBit('dram_bit'),
  'embedding.read': perBit('sram_1mb_bit'),
  // The scratchpad is banked per vector lane into small macros.
  'scratchpad.read': perBit('sram_32kb_bit'),
  'scratchpad.write': perBit('sram_32kb_bit'),
  'rope_table.read': perBit('sram_32kb_bit'),
  'vector.fp32_add': op('fp32_add'),
  'vector.fp32_mul': op('fp32_mul'),
  // Digit recurrence, one quotient (root) bit per step: 26 steps of a 26-bit add/subtract.
  'sfu.fp32_div': (t) => 26 * t.ops.int32_add,
  // The vector unit's own divider (vmean's divide by n): the same digit recurrence.
  'vector.fp32_div': (t) => 26 * t.ops.int32_add,
  'sfu.fp32_sqrt': (t) => 26 * t.ops.int32_add,
  'sfu.fp32_add': op('fp32_add'),
  // The exp unit as built (src/ir/exp-pipeline.ts): its fp32 multiplies and adds, and its small
  // integer steps (k's rounding, k as fp32, the -104 cut, the scale by 2^k) as 8-bit adds.
  'sfu.fp32_exp': (t) => EXP_OPS.fmul * t.ops.fp32_mul + EXP_OPS.fadd * t.ops.fp32_add + EXP_OPS.steps * t.ops.int8_add,
  'attention.fp32_mac': op('fp32_mul', 'fp32_add'),
  // The attention unit's own multipliers, adder, exp, divider and score compares.
  'attention.fp32_mul': op('fp32_mul'),
  'attention.fp32_add': op('fp32_add'),
  'attention.fp32_exp': (t) => EXP_OPS.fmul * t.ops.fp32_mul + EXP_OPS.fadd * t.ops.fp32_add + EXP_OPS.steps * t.ops.int8_add,
  'attention.fp32_div': (t) => 26 * t.ops.int32_add,
  'attention.compare': op('fp32_add'),
  'head.fp32_mac': op('fp32_mul', 'fp32_add'),
  'head.compare': op('fp32_add'),
  // The tied embedding table read by the head, where it sits with the weights on chip.
  'head.table_read': perBit('sram_1mb_bit'),
};

export interface EnergyLine {
  readonly component: string;
  readonly action: string;
  readonly bits: number;
  readonly count: number;
  readonly pJ_each: number;
  readonly J: number;
}

/**
 * Energy of one simulated run. "Per decoded token" is the decode part of the run over its decoded
 * tokens; "per prompt token" the prefill part over its prompt tokens; totals say over how many
 * tokens they are. Power needs a clock: it is the decode energy rate at the run's clock, whose
 * source (achieved by place and route, or only a target) is carried along.
 */
export interface ActivityEnergy {
  readonly method: 'activity';
  readonly node: string;
  readonly table: string;
  readonly model: string;
  readonly arch: string;
  readonly clock: SimClock;
  readonly prefill_tokens: number;
  readonly decoded_tokens: number;
  /** Over all `total_tokens` (prompt and decoded). */
  readonly total_J: number;
  readonly total_tokens: number;
  readonly prefill_J: number;
  readonly decode_J: number;
  readonly per_decoded_token_J: number | null;
  readonly per_prompt_token_J: number | null;
  /** Decode energy rate at the clock, and decoded tokens per second per watt (= 1 / J per decoded token). */
  readonly decode_power_W: number | null;
  readonly tokens_per_second_per_W: number | null;
  /** Every priced action over the whole run. */
  readonly per_op: readonly EnergyLine[];
  readonly per_component_total_J: Readonly<Record<string, number>>;
  readonly per_component_per_decoded_token_J: Readonly<Record<string, number>>;
  /** Per decoded token by part of the model: the BitLinears, attention (scores, softmax, values, KV cache), norms and other vector work, the head, the embedding. */
  readonly per_part_per_decoded_token_J: Readonly<Record<EnergyPart, number>>;
  /** Per decoded token of one layer (all layers of these models share one shape): everything but the head and the embedding, over the layers. */
  readonly per_layer_per_decoded_token_J: number | null;
  /** Weight bits moved (log2 3 per ternary weight, 1 per binary) x per-bit energy + one int8 add per nonzero weight: the least one decoded token can cost. */
  readonly floor_per_decoded_token_J: number;
  readonly bitlinear_per_decoded_token_J: number | null;
  /** The decode BitLinear energy over its floor. */
  readonly design_over_floor: number | null;
}

/**
 * Parts of the model: the attention and the FFN BitLinears (engine and weight traffic), attention
 * itself (scores, softmax, value sums, KV cache), norms, residuals, RoPE and the FFN activation
 * on the vector unit and SFU, the head, the embedding lookup.
 */
export const ENERGY_PARTS = ['attention_bitlinears', 'ffn_bitlinears', 'attention_core', 'norms_vector', 'head', 'embedding'] as const;
export type EnergyPart = (typeof ENERGY_PARTS)[number];
type ActionPart = 'bitlinear' | Exclude<EnergyPart, 'attention_bitlinears' | 'ffn_bitlinears'>;

const BITLINEAR_COMPONENTS = new Set(['mac_array', 'wmem', 'wfifo', 'qbuf', 'xbuf', 'rbuf', 'quantizer', 'divider', 'dequant', 'b3dec', 'output']);

/** Which part of the model an action belongs to (every component the simulator emits has one). */
export function partOf(component: string, action: string): ActionPart {
  if (BITLINEAR_COMPONENTS.has(component)) return 'bitlinear';
  switch (component) {
    case 'dram':
      return action === 'read_head' ? 'head' : action === 'read_embedding' ? 'embedding' : 'bitlinear';
    case 'attention':
    case 'kv_cache':
    case 'kv_dram':
      return 'attention_core';
    case 'vector':
    case 'sfu':
    case 'scratchpad':
    case 'rope_table':
      return 'norms_vector';
    case 'head':
    case 'tfifo':
      return 'head';
    case 'embedding':
      return 'embedding';
    default:
      return fail('EN011', `${component}.${action}`, 'the simulator emitted a component no part of the model owns', 'add it to partOf in src/energy/activity.ts');
  }
}

export function priceActions(actions: readonly ActionCount[], table: EnergyTable): EnergyLine[] {
  return actions.map((a) => {
    const p = PRICES[`${a.component}.${a.action}`];
    if (!p) fail('EN010', `${a.component}.${a.action}`, 'the simulator emitted an action the energy model cannot price', 'add it to PRICES in src/energy/activity.ts');
    const each = p(table, a);
    return { component: a.component, action: a.action, bits: a.bits, count: a.count, pJ_each: each, J: (each * a.count) / 1e12 };
  });
}

const sumJ = (lines: readonly EnergyLine[]): number => lines.reduce((a, l) => a + l.J, 0);

function byKey(lines: readonly EnergyLine[], key: (l: EnergyLine) => string, over = 1): Record<string, number> {
  const m: Record<string, number> = {};
  for (const l of lines) m[key(l)] = (m[key(l)] ?? 0) + l.J / over;
  return m;
}

export function activityEnergy(sim: SimReport, shape: ModelShape, table: EnergyTable, zeroFraction: number): ActivityEnergy {
  const lines = priceActions(sim.actions, table);
  const prefillLines = priceActions(sim.prefill_actions, table);
  const decodeLines = priceActions(sim.decode_actions, table);
  const total = sumJ(lines);
  const prefillJ = sumJ(prefillLines);
  const decodeJ = sumJ(decodeLines);
  const D = sim.tokens;
  const perDecoded = D > 0 ? decodeJ / D : null;
  const linearWeights = shape.layers * shape.perLayer.reduce((a, p) => a + p.n * p.out, 0);
  // The floor moves as few bits as the information allows: log2(3) per ternary weight.
  const bitsPerWeight = floorBitsPerWeight(shape.weightKind);
  const moveBit = sim.weights_on_chip ? table.memory.sram_1mb_bit : table.memory.dram_bit;
  const floor = (linearWeights * bitsPerWeight * moveBit + linearWeights * (1 - zeroFraction) * table.ops.int8_add) / 1e12;
  const parts = Object.fromEntries(ENERGY_PARTS.map((p) => [p, 0])) as Record<EnergyPart, number>;
  let bitlinearJ = 0;
  if (D > 0) {
    for (const l of decodeLines) {
      const part = partOf(l.component, l.action);
      if (part === 'bitlinear') bitlinearJ += l.J / D;
      else parts[part] += l.J / D;
    }
    parts.ffn_bitlinears = sumJ(priceActions(sim.decode_ffn_bitlinear_actions, table)) / D;
    parts.attention_bitlinears = bitlinearJ - parts.ffn_bitlinears;
  }
  const bitlinear = D > 0 ? bitlinearJ : null;
  const power = perDecoded !== null && sim.tokens_per_second > 0 ? perDecoded * sim.tokens_per_second : null;
  return {
    method: 'activity',
    node: table.node,
    table: table.version,
    model: sim.model,
    arch: sim.arch,
    clock: sim.clock,
    prefill_tokens: sim.prefill,
    decoded_tokens: D,
    total_J: total,
    total_tokens: sim.prefill + D,
    prefill_J: prefillJ,
    decode_J: decodeJ,
    per_decoded_token_J: perDecoded,
    per_prompt_token_J: sim.prefill > 0 ? prefillJ / sim.prefill : null,
    decode_power_W: power,
    tokens_per_second_per_W: perDecoded ? 1 / perDecoded : null,
    per_op: lines,
    per_component_total_J: byKey(lines, (l) => l.component),
    per_component_per_decoded_token_J: D > 0 ? byKey(decodeLines, (l) => l.component, D) : {},
    per_part_per_decoded_token_J: parts,
    per_layer_per_decoded_token_J: D > 0 && shape.layers ? (perDecoded! - parts.head - parts.embedding) / shape.layers : null,
    floor_per_decoded_token_J: floor,
    bitlinear_per_decoded_token_J: bitlinear,
    design_over_floor: bitlinear !== null && floor > 0 ? bitlinear / floor : null,
  };
}
