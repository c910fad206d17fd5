/**
 * The README's table of every architecture preset implemented on LFE5U-85F: Yosys synth_ecp5,
 * nextpnr-ecp5 place and route (seed 1, each preset's own clock as the constraint), and the
 * decode speed of the model at the achieved clock from the whole-model simulator, and the MAC
 * array's utilisation with the engine streaming (every BitLinear of the model, 32 tokens each,
 * back to back) and in whole-model decode (the engine waits for attention, norms and the head).
 * usage: node dist/scripts/impl-table.js   (about 25 minutes on 2 cores; results are cached)
 */
import { generateRtl } from '../src/codegen/verilog.js';
import { ARCH_PRESETS } from '../src/ir/arch.js';
import { loadModel } from '../src/ir/load.js';
import { shapeOfModel } from '../src/ir/presets.js';
import { EngineTimer, simulateModel } from '../src/sim/model.js';
import { geometryOf } from '../src/ir/engine-plan.js';
import { allBitLinears } from '../src/ir/types.js';
import { packageRoot } from '../src/util/paths.js';
import { implement } from '../src/verify/impl.js';
import * as path from 'node:path';

const models = { ternary: path.join(packageRoot(), 'models', 'bitnet-b158'), binary: path.join(packageRoot(), 'models', 'bitnet-binary') };
const presets = process.argv.slice(2).length ? process.argv.slice(2) : ['tiny', 'tiny-base3', 'tiny-binary', 'default', 'default-base3', 'default-binary'];
console.log('| preset | lanes x SIMD | weights | LUT4 | FF | EBR | DSP | Fmax (MHz) | target | decode tokens/s at Fmax | MAC utilisation, engine streaming | MAC utilisation, whole-model decode |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const name of presets) {
  const arch = ARCH_PRESETS[name]!;
  const modelDir = arch.weightKind === 'binary' ? models.binary : models.ternary;
  const model = loadModel(modelDir);
  const design = generateRtl(model, arch);
  const r = implement(design, { target: 'ecp5-85k', seed: 1, targetMHz: arch.clockMHz });
  const seg = new EngineTimer(arch, geometryOf(design.plan)).segment(allBitLinears(model.ir).map((b) => ({ n: b.inFeatures, out: b.outFeatures })), 32);
  const f = Math.min(...Object.values(r.fmax_mhz));
  const sim = simulateModel({ ...shapeOfModel(model), name: path.basename(modelDir) }, arch, { prefill: 16, tokens: 8, clock: { mhz: f, source: 'achieved', note: 'nextpnr' }, ir: model.ir });
  const u = (k: string): string => (r.utilization[k]?.used ?? 0).toLocaleString('en-US');
  console.log(
    `| ${name} | ${arch.lanes} x ${arch.simd} | ${arch.weightKind}${arch.weightPacking === 'base3' ? ', base-3 (1.6 bit)' : ''} | ${u('TRELLIS_COMB')} | ${u('TRELLIS_FF')} | ${u('DP16KD')} | ${u('MULT18X18D')} | ${f.toFixed(1)} | ${r.target_mhz}${r.met ? ' (met)' : ' (missed)'} | ${sim.tokens_per_second.toFixed(0)} | ${((100 * seg.issueCycles) / seg.cycles).toFixed(1)}% | ${(100 * sim.utilization.mac_array).toFixed(1)}% |`,
  );
}
