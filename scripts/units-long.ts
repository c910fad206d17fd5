/**
 * Every whole-model unit bench at full size on both simulators: the adder, multiplier, divider and
 * square root (edge pairs + N random pairs each), the exp (edge arguments + N) and the reduction
 * lanes (edge sums + N random terms each), and the vector unit (random instructions over N
 * operands per instruction kind, on the shipped model's program), the special-function unit's
 * rsqrt (N rows), the head unit (N operands per embed, head and argmax, on random tables) and the
 * KV and attention units (N cache words written, N multiply-adds), on Verilator and on Icarus, with the seeds the test
 * suite uses. The suite runs N = 1e5 on Verilator and fewer on Icarus (tests/verify/suite-counts.ts);
 * this is where the README's 1e5-on-both figures come from. Prints a table; exits 1 on any
 * mismatch or unchecked vector.
 *
 * usage: node dist/scripts/units-long.js [arch] [N]   (about 15 minutes on two cores, default 1e5)
 */
import { loadArch } from '../src/ir/arch.js';
import { generateFpUnits } from '../src/codegen/fpu.js';
import { runFpBench } from '../src/verify/fpu.js';
import { runLaneBench } from '../src/verify/lanes.js';
import { runAttnBench, runHeadBench, runSfuBench, runVecBench } from '../src/verify/vec.js';
import { compileProgram } from '../src/ir/compile.js';
import { loadModel } from '../src/ir/load.js';
import { defaultModelDir } from '../src/util/paths.js';
import type { Sim } from '../src/verify/cocotb.js';

const arch = loadArch(process.argv[2] ?? 'default');
const n = Number(process.argv[3] ?? 100_000);
if (!Number.isInteger(n) || n < 1) throw new Error('N is a positive integer');
const design = generateFpUnits(arch);
const rows: string[] = [];
let ok = true;
for (const sim of ['verilator', 'icarus'] as const satisfies readonly Sim[]) {
  let t0 = Date.now();
  const fp = runFpBench(arch, sim, { count: n, seed: 2026, stall: 20, units: ['add', 'mul', 'div', 'sqrt'] }, design);
  const fpSec = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const exp = runFpBench(arch, sim, { count: n, seed: 2027, stall: 20, units: ['exp'] }, design);
  const expSec = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const lanes = runLaneBench(arch, sim, { terms: n, seed: 2028, stall: 20 }, design);
  const laneSec = (Date.now() - t0) / 1000;
  ok &&= fp.passed && exp.passed && lanes.passed;
  for (const [op, u] of Object.entries({ ...fp.units, ...exp.units })) {
    rows.push(`| ${op} | ${sim} | ${u.vectors.toLocaleString('en-US')} operations | ${u.checked.toLocaleString('en-US')} | ${u.mismatches} | ${u.contractCycles} | ${(op === 'exp' ? expSec : fpSec).toFixed(0)} |`);
  }
  for (const [lane, u] of Object.entries(lanes.lanes)) {
    rows.push(`| ${lane} lane | ${sim} | ${u.reductions.toLocaleString('en-US')} sums of ${u.terms.toLocaleString('en-US')} terms | ${u.checked.toLocaleString('en-US')} | ${u.mismatches} | ${u.afterLast} after the last term | ${laneSec.toFixed(0)} |`);
  }
  t0 = Date.now();
  // the vector unit on the shipped model's program (the suite's seed)
  // The scratchpad units on Icarus on `tiny`'s four lanes: Icarus interprets the sixteen lanes'
  // crossbars too slowly for 1e5 operands per instruction in its run's time limit.
  const unitArch = sim === 'icarus' ? loadArch('tiny') : arch;
  const program = compileProgram(loadModel(defaultModelDir()).ir, unitArch);
  const vec = runVecBench(program, unitArch, sim, { operands: n, seed: 2029 });
  const vecSec = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const sfu = runSfuBench(program, unitArch, sim, { operations: n, seed: 2030 });
  const sfuSec = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const head = runHeadBench(program, unitArch, sim, { operands: n, seed: 2031 });
  const headSec = (Date.now() - t0) / 1000;
  t0 = Date.now();
  // attention: on Icarus within a few dozen positions and four rows a run (the context's end is Verilator's)
  const attn = runAttnBench(program, unitArch, sim, sim === 'icarus' ? { operands: n, seed: 2033, long: false, maxRows: 4 } : { operands: n, seed: 2033 });
  const attnSec = (Date.now() - t0) / 1000;
  ok &&= vec.passed && sfu.passed && head.passed && attn.passed;
  rows.push(`| KV and attention units (\`${unitArch.name}\`) | ${sim} | ${attn.cases.toLocaleString('en-US')} instructions over ${Object.entries(attn.operands).map(([o, k]) => `${k.toLocaleString('en-US')} ${o}`).join(', ')} operands | ${attn.checked.toLocaleString('en-US')} | ${attn.mismatches} | units.ts cycles, every instruction | ${attnSec.toFixed(0)} |`);
  rows.push(`| head unit (\`${unitArch.name}\`) | ${sim} | ${head.cases.toLocaleString('en-US')} instructions over ${Object.entries(head.operands).map(([o, k]) => `${k.toLocaleString('en-US')} ${o}`).join(', ')} operands | ${head.checked.toLocaleString('en-US')} | ${head.mismatches} | units.ts cycles, every instruction | ${headSec.toFixed(0)} |`);
  rows.push(`| special-function unit (rsqrt, \`${unitArch.name}\`) | ${sim} | ${sfu.cases.toLocaleString('en-US')} instructions over ${(sfu.operands['rsqrt'] ?? 0).toLocaleString('en-US')} rows | ${sfu.checked.toLocaleString('en-US')} | ${sfu.mismatches} | units.ts cycles, every instruction | ${sfuSec.toFixed(0)} |`);
  rows.push(`| vector unit (\`${unitArch.name}\`) | ${sim} | ${vec.cases.toLocaleString('en-US')} instructions over ${Object.entries(vec.operands).map(([o, k]) => `${k.toLocaleString('en-US')} ${o}`).join(', ')} operands | ${vec.checked.toLocaleString('en-US')} | ${vec.mismatches} | units.ts cycles, every instruction | ${vecSec.toFixed(0)} |`);
  for (const m of [...fp.firstMismatches, ...exp.firstMismatches, ...lanes.firstMismatches, ...vec.firstMismatches, ...sfu.firstMismatches, ...head.firstMismatches, ...attn.firstMismatches].slice(0, 8)) console.log(JSON.stringify(m));
}
console.log(`whole-model units of \`${arch.name}\` (${design.configHash}), ${n.toLocaleString('en-US')} random operands or terms per unit after its edge cases`);
console.log('');
console.log('| unit | simulator | vectors | checked | mismatches | contract cycles | bench run (s) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
process.exitCode = ok ? 0 : 1;
