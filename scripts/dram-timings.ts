/**
 * The whole-model accelerator with its weights and tables in DRAM, at three memory timings, RTL
 * against the simulator: the shipped model on `tiny` with `weightMemory: "dram"` (the suite's
 * DRAM machine, DRAM_MUTANT_ARCH), 12 held-out positions after a 4-token block, with input stalls
 * and output back-pressure. The timings are the `system` block's bandwidth and latency, turned into
 * each port's cycles by dramTiming at the architecture's clock:
 *   fast   12.8 GB/s, 600 ns: a weight word and a table line every cycle, 60 cycles after a request
 *   suite  0.4 GB/s, 600 ns: a word every 2 cycles, a line every 4 (the suite's test)
 *   slow   0.05 GB/s, 30 ns: a word every 16 cycles, a line every 32, 3 cycles after a request
 * Prints, per timing, the runs, logits, mismatches and cycles of RTL and simulator; exits 1 unless
 * every run is bit-exact and cycle-exact. One Verilator build per timing (the ports' timing is a
 * harness argument, but the architecture's hash names the build), a few minutes each.
 *
 * usage: node dist/scripts/dram-timings.js [fast|suite|slow ...]
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArch, type ArchSpec } from '../src/ir/arch.js';
import { loadModel } from '../src/ir/load.js';
import { defaultModelDir, heldoutTextPath } from '../src/util/paths.js';
import { generateWhole } from '../src/codegen/whole.js';
import { sequenceRuns, verifyWhole } from '../src/verify/whole.js';
import { DRAM_MUTANT_ARCH } from './mutate-whole.js';

export const DRAM_TIMINGS: Readonly<Record<string, { readonly dramGBps: number; readonly dramLatencyNs: number }>> = {
  fast: { dramGBps: 12.8, dramLatencyNs: 600 },
  suite: { dramGBps: 0.4, dramLatencyNs: 600 },
  slow: { dramGBps: 0.05, dramLatencyNs: 30 },
};

export function dramTimingArch(name: string): ArchSpec {
  const t = DRAM_TIMINGS[name];
  if (!t) throw new Error(`unknown timing ${name}: one of ${Object.keys(DRAM_TIMINGS).join(', ')}`);
  return parseArch({ ...DRAM_MUTANT_ARCH, name: `tiny-dram-${name}`, system: { ...DRAM_MUTANT_ARCH.system, ...t } }, `dram-timings ${name}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(DRAM_TIMINGS);
  const model = loadModel(defaultModelDir());
  const text = fs.readFileSync(heldoutTextPath());
  const tokens = [model.ir.bosToken!, ...text.subarray(3000, 3011)];
  let ok = true;
  for (const name of names) {
    const arch = dramTimingArch(name);
    const design = generateWhole(model, arch, { actions: true });
    const w = design.manifest.dram!;
    const t = design.manifest.tablesDram!;
    const r = verifyWhole(model, arch, sequenceRuns(tokens, 4), { seed: 2045, inStall: 20, outStall: 30, design });
    const rtl = r.rtlCycles.reduce((a, b) => a + b, 0);
    const sim = r.simCycles.reduce((a, b) => a + b, 0);
    const good = r.passed && r.simEqualsRef && rtl === sim;
    ok &&= good;
    console.log(`${name.padEnd(5)} ${DRAM_TIMINGS[name]!.dramGBps} GB/s, ${DRAM_TIMINGS[name]!.dramLatencyNs} ns (${w.wordBits}-bit weight words every ${w.interval} cycles, ${t.lineBits}-bit table lines every ${t.interval}, ${w.latency} and ${t.latency} cycles after a request): ${r.runs} runs, ${r.logitsChecked} logits, ${r.mismatches} mismatches; cycles RTL ${rtl}, simulator ${sim}: ${good ? 'PASS' : `FAIL${r.where ? `: ${r.where}` : ''}`}`);
  }
  process.exitCode = ok ? 0 : 1;
}
