/**
 * Activity-based energy: the simulator's action counts priced with an energy table. The mapping
 * from (component, action) to table entries is the one place that decides what an action costs;
 * an action it does not know is an error, so a new simulator component cannot go unpriced.
 */
import type { ActionCount } from '../sim/engine.js';
import type { SimReport } from '../sim/model.js';
import type { ModelShape } from '../ir/presets.js';
import { fail } from '../util/diagnostics.js';
import { floorBitsPerWeight } from '../ir/engine-plan.js';
import type { EnergyTable } from './tables.js';

type Price = (t: EnergyTable, a: ActionCount) => number;

const perBit = (k: keyof EnergyTable['memory']): Price => (t, a) => t.memory[k] * a.bits;
const op = (...ks: (keyof EnergyTable['ops'])[]): Price => (t) => ks.reduce((s, k) => s + t.ops[k], 0);

/** pJ per single action. */
const PRICES: Readonly<Record<string, Price>> = {
  'mac_array.tree_add': op('int8_add'),
  'mac_array.accumulate': op('int32_add'),
  'wmem.read': perBit('sram_1mb_bit'),
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
  'sfu.fp32_sqrt': (t) => 26 * t.ops.int32_add,
  // numerics/model.ts expHw: range reduction (1 mul, 1 sub), six Horner steps (6 mul, 6 add),
  // the exponent scaling (an 8-bit add).
  'sfu.fp32_exp': (t) => 7 * t.ops.fp32_mul + 7 * t.ops.fp32_add + t.ops.int8_add,
  'attention.fp32_mac': op('fp32_mul', 'fp32_add'),
  'head.fp32_mac': op('fp32_mul', 'fp32_add'),
  'head.compare': op('fp32_add'),
};

export interface EnergyLine {
  readonly component: string;
  readonly action: string;
  readonly bits: number;
  readonly count: number;
  readonly pJ_each: number;
  readonly J: number;
}

export interface ActivityEnergy {
  readonly method: 'activity';
  readonly node: string;
  readonly table: string;
  readonly model: string;
  readonly arch: string;
  readonly tokens: number;
  readonly prefill: number;
  readonly total_J: number;
  readonly per_token_J: number;
  readonly per_op: readonly EnergyLine[];
  readonly per_component: Readonly<Record<string, number>>;
  /** Decode energy of one layer (all layers of these models share one shape). */
  readonly per_layer_J: number;
  /** Weight bits moved (log2 3 per ternary weight, 1 per binary) x per-bit energy + one int8 add per nonzero weight, per token. */
  readonly floor_per_token_J: number;
  readonly design_over_floor: number;
  readonly bitlinear_per_token_J: number;
}

export function priceActions(actions: readonly ActionCount[], table: EnergyTable): EnergyLine[] {
  return actions.map((a) => {
    const p = PRICES[`${a.component}.${a.action}`];
    if (!p) fail('EN010', `${a.component}.${a.action}`, 'the simulator emitted an action the energy model cannot price', 'add it to PRICES in src/energy/activity.ts');
    const each = p(table, a);
    return { component: a.component, action: a.action, bits: a.bits, count: a.count, pJ_each: each, J: (each * a.count) / 1e12 };
  });
}

const BITLINEAR_COMPONENTS = new Set(['mac_array', 'wmem', 'qbuf', 'xbuf', 'rbuf', 'quantizer', 'divider', 'dequant', 'b3dec', 'output']);

export function activityEnergy(sim: SimReport, shape: ModelShape, table: EnergyTable, zeroFraction: number): ActivityEnergy {
  const lines = priceActions(sim.actions, table);
  const total = lines.reduce((a, l) => a + l.J, 0);
  const perComponent: Record<string, number> = {};
  for (const l of lines) perComponent[l.component] = (perComponent[l.component] ?? 0) + l.J;
  const tokens = sim.tokens + sim.prefill;
  const perToken = tokens ? total / tokens : 0;
  const linearWeights = shape.layers * shape.perLayer.reduce((a, p) => a + p.n * p.out, 0);
  // The floor moves as few bits as the information allows: log2(3) per ternary weight.
  const bitsPerWeight = floorBitsPerWeight(shape.weightKind);
  const moveBit = sim.weights_on_chip ? table.memory.sram_1mb_bit : table.memory.dram_bit;
  const floor = (linearWeights * bitsPerWeight * moveBit + linearWeights * (1 - zeroFraction) * table.ops.int8_add) / 1e12;
  const bitlinear = lines.filter((l) => BITLINEAR_COMPONENTS.has(l.component) || (l.component === 'dram' && l.action === 'read')).reduce((a, l) => a + l.J, 0);
  return {
    method: 'activity',
    node: table.node,
    table: table.version,
    model: sim.model,
    arch: sim.arch,
    tokens: sim.tokens,
    prefill: sim.prefill,
    total_J: total,
    per_token_J: perToken,
    per_op: lines,
    per_component: perComponent,
    per_layer_J: shape.layers ? (perToken - (perComponent['head'] ?? 0) / Math.max(tokens, 1)) / shape.layers : 0,
    floor_per_token_J: floor,
    design_over_floor: floor > 0 ? (tokens ? bitlinear / tokens : 0) / floor : 0,
    bitlinear_per_token_J: tokens ? bitlinear / tokens : 0,
  };
}
