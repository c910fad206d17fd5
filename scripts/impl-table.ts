/**
 * The README's table of every architecture preset implemented on LFE5U-85F: Yosys synth_ecp5,
 * nextpnr-ecp5 place and route (seed 1, each preset's own clock as the constraint), and the
 * decode speed of the model at the achieved clock from the cycle-level simulator.
 * usage: node dist/scripts/impl-table.js   (about 25 minutes on 2 cores; results are cached)
 */
import { generateRtl } from '../src/codegen/verilog.js';
import { ARCH_PRESETS } from '../src/ir/arch.js';
import { loadModel } from '../src/ir/load.js';
import { shapeOfModel } from '../src/ir/presets.js';
import { simulateModel } from '../src/sim/model.js';
import { packageRoot } from '../src/util/paths.js';
import { implement } from '../src/verify/impl.js';
import * as path from 'node:path';

const models = { ternary: path.join(packageRoot(), 'models', 'bitnet-b158'), binary: path.join(packageRoot(), 'models', 'bitnet-binary') };
const presets = process.argv.slice(2).length ? process.argv.slice(2) : ['tiny', 'tiny-base3', 'tiny-binary', 'default', 'default-base3', 'default-binary'];
console.log('| preset | lanes x SIMD | weights | LUT4 | FF | EBR | DSP | Fmax (MHz) | target | decode tokens/s at Fmax | MAC utilisation (decode) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const name of presets) {
  const arch = ARCH_PRESETS[name]!;
  const modelDir = arch.weightKind === 'binary' ? models.binary : models.ternary;
  const model = loadModel(modelDir);
  const r = implement(generateRtl(model, arch), { target: 'ecp5-85k', seed: 1, targetMHz: arch.clockMHz });
  const f = Math.min(...Object.values(r.fmax_mhz));
  const sim = simulateModel({ ...shapeOfModel(model), name: path.basename(modelDir) }, arch, { prefill: 16, tokens: 8, clock: { mhz: f, source: 'achieved', note: 'nextpnr' } });
  const u = (k: string): string => (r.utilization[k]?.used ?? 0).toLocaleString('en-US');
  console.log(
    `| ${name} | ${arch.lanes} x ${arch.simd} | ${arch.weightKind}${arch.weightPacking === 'base3' ? ', base-3 (1.6 bit)' : ''} | ${u('TRELLIS_COMB')} | ${u('TRELLIS_FF')} | ${u('DP16KD')} | ${u('MULT18X18D')} | ${f.toFixed(1)} | ${r.target_mhz}${r.met ? ' (met)' : ' (missed)'} | ${sim.tokens_per_second.toFixed(0)} | ${(100 * sim.utilization.mac_array).toFixed(1)}% |`,
  );
}
