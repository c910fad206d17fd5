/**
 * Versioned energy-per-action tables (picojoules). Sources: Horowitz, ISSCC 2014 (45nm) and the
 * BitNet papers' 7nm figures, as collected in shared/bitnet-spec.md section 5. Entries not given by
 * those sources are marked in `derived` with how they were obtained. A user table (JSON file of
 * the same shape) replaces these; it is validated with the same schema.
 */
import * as fs from 'node:fs';
import { readJsonInput } from '../util/jsonfile.js';
import { z } from 'zod';
import { BitnetError, diag, fail } from '../util/diagnostics.js';

export const OP_KEYS = ['int8_add', 'int8_mul', 'int32_add', 'int32_mul', 'fp16_add', 'fp16_mul', 'fp32_add', 'fp32_mul'] as const;
export const MEM_KEYS = ['sram_8kb_bit', 'sram_32kb_bit', 'sram_1mb_bit', 'dram_bit'] as const;

export const EnergyTableSchema = z
  .object({
    version: z.string().min(1),
    node: z.string().min(1),
    ops: z.object(Object.fromEntries(OP_KEYS.map((k) => [k, z.number().nonnegative()])) as Record<(typeof OP_KEYS)[number], z.ZodNumber>).strict(),
    memory: z.object(Object.fromEntries(MEM_KEYS.map((k) => [k, z.number().nonnegative()])) as Record<(typeof MEM_KEYS)[number], z.ZodNumber>).strict(),
    derived: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type EnergyTable = z.infer<typeof EnergyTableSchema>;

export const TABLES: Readonly<Record<string, EnergyTable>> = {
  '45nm': {
    version: 'horowitz-isscc2014-45nm/1',
    node: '45nm',
    ops: { int8_add: 0.03, int8_mul: 0.2, int32_add: 0.1, int32_mul: 3.1, fp16_add: 0.4, fp16_mul: 1.1, fp32_add: 0.9, fp32_mul: 3.7 },
    // 64-bit reads: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ; DRAM 1.3-2.6 nJ per 64-bit access (low end).
    memory: { sram_8kb_bit: 10 / 64, sram_32kb_bit: 20 / 64, sram_1mb_bit: 100 / 64, dram_bit: 1300 / 64 },
    derived: { 'memory.*': 'per-bit = per-64-bit-access energy / 64', 'memory.dram_bit': 'low end of the 1.3-2.6 nJ range' },
  },
  '7nm': {
    version: 'bitnet-7nm/1',
    node: '7nm',
    ops: { int8_add: 0.007, int8_mul: 0.07, int32_add: 0.1 * (0.007 / 0.03), int32_mul: 3.1 * (0.07 / 0.2), fp16_add: 0.16, fp16_mul: 0.34, fp32_add: 0.38, fp32_mul: 1.31 },
    memory: { sram_8kb_bit: 10 / 64, sram_32kb_bit: 20 / 64, sram_1mb_bit: 100 / 64, dram_bit: 1300 / 64 },
    derived: {
      'ops.int32_add': '45nm INT32 add scaled by the 7nm/45nm INT8 add ratio',
      'ops.int32_mul': '45nm INT32 mul scaled by the 7nm/45nm INT8 mul ratio',
      'memory.*': 'no 7nm memory figures in the sources: the 45nm values are carried over unchanged',
    },
  },
};

/** `45nm`, `7nm`, or a path to a JSON table. */
export function loadEnergyTable(spec: string): EnergyTable {
  const t = TABLES[spec];
  if (t) return t;
  if (!fs.existsSync(spec)) fail('EN001', spec, 'not a node name or an existing table file', `use ${Object.keys(TABLES).join(' or ')}, or a JSON table`);
  const json = readJsonInput(spec, 'EN002', 'energy table');
  const r = EnergyTableSchema.safeParse(json);
  if (!r.success) throw new BitnetError(r.error.issues.map((i) => diag('EN003', `${spec}:${i.path.join('.')}`, `energy table: ${i.message}`, 'see src/energy/tables.ts for the shape')));
  return r.data;
}
