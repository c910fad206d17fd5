/**
 * Resource report: Yosys synth_xilinx of the generated MAC array for each preset (and the whole
 * tiny engine), printing LUT, FF and CARRY4 per MAC (one weight x int8 product) and per lane.
 * usage: node dist/scripts/synth-report.js [model-dir]
 */
import { generateRtl } from '../src/codegen/verilog.js';
import { ARCH_PRESETS } from '../src/ir/arch.js';
import { writeSyntheticCheckpoint } from '../src/ir/export/synthetic.js';
import { loadModel } from '../src/ir/load.js';
import { syntheticModelDir } from '../src/util/paths.js';
import { macArrayReport, synthesize } from '../src/verify/synth.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ternary = loadModel(process.argv[2] ?? syntheticModelDir());
const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-synth-'));
writeSyntheticCheckpoint(binDir, { format: 'paper-binary', hidden: 128, layers: 1, heads: 4, kvHeads: 2, ffnHidden: 320, vocab: 64, seed: 3 });
const binary = loadModel(binDir);
console.log('Yosys synth_xilinx (xc7), MAC array only; per MAC = one weight x int8 product of the P x S array');
console.log('arch            kind     P   S  acc  LUT    FF    CARRY4  LUT/MAC  FF/MAC  CARRY4/MAC  LUT/lane');
for (const [name, m] of [['tiny', ternary], ['tiny-binary', binary], ['default', ternary], ['default-binary', binary]] as const) {
  const r = macArrayReport(generateRtl(m, ARCH_PRESETS[name]!));
  console.log(
    `${name.padEnd(15)} ${r.weightKind.padEnd(8)} ${String(r.P).padStart(2)} ${String(r.S).padStart(3)} ${String(r.accBits).padStart(4)} ${String(r.mac.luts).padStart(5)} ${String(r.mac.ffs).padStart(5)} ${String(r.mac.carry4).padStart(8)} ${r.lutsPerMac.toFixed(2).padStart(8)} ${r.ffsPerMac.toFixed(2).padStart(7)} ${r.carry4PerMac.toFixed(2).padStart(11)} ${r.lutsPerLane.toFixed(1).padStart(9)}`,
  );
}
const tinyDesign = generateRtl(ternary, ARCH_PRESETS['tiny']!);
const eng = synthesize(tinyDesign, 'bnhw_engine', tinyDesign.manifest.sources);
console.log(`whole tiny engine: ${eng.luts} LUT, ${eng.ffs} FF, ${eng.carry4} CARRY4, ${eng.bram} BRAM, ${eng.warnings.length} Yosys warnings about the design (+${eng.libraryWarnings.length} about Yosys 0.23's own RAMB36 map)`);
fs.rmSync(binDir, { recursive: true, force: true });
