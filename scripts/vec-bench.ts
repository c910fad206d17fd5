/**
 * The vector unit's bench on one simulator: `node dist/scripts/vec-bench.js <model> <arch>
 * <verilator|icarus> <operands per instruction> [seed]` (BNHW_UNIT=sfu: the special-function unit's
 * rsqrt, that many operations; BNHW_UNIT=head: the head unit, on random tables, BNHW_TABLE=bf16
 * and BNHW_UNTIED=1 for the other table kinds; BNHW_UNIT=attn: the KV and attention units,
 * BNHW_OPS=kvw or attn for one of them); prints the result as JSON (exit 1 on a
 * mismatch). `npm run verify:units` runs it at 1e5 on both simulators.
 */
import { loadModel } from '../src/ir/load.js';
import { loadArch } from '../src/ir/arch.js';
import { compileProgram } from '../src/ir/compile.js';
import { runAttnBench, runHeadBench, runSfuBench, runVecBench } from '../src/verify/vec.js';
import type { Sim } from '../src/verify/cocotb.js';

const [model, archName, sim, operands, seed] = process.argv.slice(2);
if (!model || !archName || (sim !== 'verilator' && sim !== 'icarus') || !operands) throw new Error('usage: vec-bench <model> <arch> <verilator|icarus> <operands> [seed]');
const arch = loadArch(archName);
const p = compileProgram(loadModel(model).ir, arch);
const unit = process.env.BNHW_UNIT ?? 'vec';
const s = Number(seed ?? 1);
const r =
  unit === 'sfu'
    ? runSfuBench(p, arch, sim as Sim, { operations: Number(operands), seed: s })
    : unit === 'head'
      ? runHeadBench(p, arch, sim as Sim, { operands: Number(operands), seed: s, format: process.env.BNHW_TABLE === 'bf16' ? 'bf16' : 'f32', tied: process.env.BNHW_UNTIED !== '1' })
      : unit === 'attn'
        ? runAttnBench(p, arch, sim as Sim, { operands: Number(operands), seed: s, ops: process.env.BNHW_OPS ? (process.env.BNHW_OPS.split(',') as ('kvw' | 'attn')[]) : undefined })
        : runVecBench(p, arch, sim as Sim, { operands: Number(operands), seed: s });
const { log, ...rest } = r;
console.log(JSON.stringify(rest, null, 1));
if (!r.passed) {
  console.log(log.slice(-3000));
  process.exit(1);
}
