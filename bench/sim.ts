/**
 * Simulator speed, measured side by side in one run:
 *  1. one 2B4T-shaped decode token (30 layers, random weights not needed) in timing mode;
 *  2. simulated cycles per second on the same generated design: Verilator (the RTL, through the
 *     C++ harness), the cycle-level engine model stepping every cycle, and the model-level
 *     simulator (exact engine segments, memoized) over a multi-token run;
 *  3. the accelerator program on the machine with values (every unit computing in the hw
 *     numerics) against the hw reference on the same tokens: tokens per second and their ratio.
 * usage: node dist/bench/sim.js
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateRtl } from '../src/codegen/verilog.js';
import { ARCH_PRESETS } from '../src/ir/arch.js';
import { loadModel } from '../src/ir/load.js';
import { MODEL_PRESETS, shapeOfModel } from '../src/ir/presets.js';
import { createMachine, simulateModel } from '../src/sim/model.js';
import { createKvCache, forward } from '../src/ref/model.js';
import { packageRoot } from '../src/util/paths.js';
import { runStream } from '../src/sim/stream.js';
import { syntheticModelDir } from '../src/util/paths.js';
import { writeVectorsForPlan } from '../src/verify/vectors.js';
import { buildHarness, runHarness } from '../src/verify/verilator.js';

function time<T>(f: () => T): { value: T; s: number } {
  const t0 = performance.now();
  const value = f();
  return { value, s: (performance.now() - t0) / 1000 };
}

export function benchSim(): void {
  simulateModel(MODEL_PRESETS['2b4t']!, ARCH_PRESETS['default']!, { prefill: 0, tokens: 1 }); // warm-up (JIT)
  const tok = time(() => simulateModel(MODEL_PRESETS['2b4t']!, ARCH_PRESETS['default']!, { prefill: 0, tokens: 1 }));
  console.log(`2B4T decode token, timing mode (fresh memo each run): ${(tok.s * 1000).toFixed(0)} ms for ${tok.value.decode_cycles.toLocaleString('en-US')} simulated cycles (goal <= 1000 ms)`);

  const model = loadModel(syntheticModelDir());
  for (const archName of ['tiny', 'default'] as const) {
    const arch = ARCH_PRESETS[archName]!;
    const d = generateRtl(model, arch);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-bench-'));
    const file = path.join(dir, 'v.bin');
    writeVectorsForPlan(model, d.plan, 2000, 1, file);
    buildHarness(d);
    const rtl = time(() => runHarness(d, file, { seed: 1, inStall: 0, outStall: 0 }));
    const buf = fs.readFileSync(file);
    const u = new Uint32Array(buf.buffer, buf.byteOffset + 8, (buf.length - 8) / 4);
    const toks: { layer: number; x: Uint32Array }[] = [];
    for (let p = 0; p < u.length; ) {
      toks.push({ layer: u[p]!, x: u.subarray(p + 3, p + 3 + u[p + 1]!) });
      p += 3 + u[p + 1]! + u[p + 2]!;
    }
    const eng = time(() => runStream(d.plan, toks, { seed: 1, inStall: 0, outStall: 0 }));
    if (eng.value.cycles !== rtl.value.cycles) throw new Error('engine model and RTL disagree on cycles');
    const shape = shapeOfModel(model);
    const ms = time(() => simulateModel(shape, arch, { prefill: 0, tokens: 64 }));
    const vr = rtl.value.cycles / rtl.s;
    console.log(
      `${archName.padEnd(8)} Verilator ${(vr / 1e6).toFixed(2)} Mcycles/s | engine model (every cycle) ${(eng.value.cycles / eng.s / 1e6).toFixed(2)} Mcycles/s = ${(eng.value.cycles / eng.s / vr).toFixed(2)}x | model-level simulator ${(ms.value.decode_cycles / ms.s / 1e6).toFixed(1)} Mcycles/s = ${(ms.value.decode_cycles / ms.s / vr).toFixed(0)}x`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Machine with values vs the hw reference, tokens per second on one 256-token sequence. */
export function benchMachine(): void {
  for (const [name, dir, archName] of [['synthetic-tiny', syntheticModelDir(), 'tiny'], ['bitnet-b158', path.join(packageRoot(), 'models', 'bitnet-b158'), 'tiny']] as const) {
    const model = loadModel(dir);
    const N = 256;
    const toks = Array.from({ length: N }, (_, i) => (i * 37 + 11) % Math.min(256, model.ir.embedding.vocabSize));
    const runMachine = (): void => {
      const m = createMachine(model.ir, ARCH_PRESETS[archName]!, 100, model);
      for (const t of toks) m.token(t);
    };
    const runRefDecode = (): void => {
      const cache = createKvCache(model, N);
      for (const t of toks) forward(model, [t], cache, { numerics: 'hw', logits: 'last' });
    };
    runMachine(); // warm-up (JIT)
    runRefDecode();
    const mach = time(runMachine);
    const dec = time(runRefDecode);
    const seq = time(() => forward(model, toks, createKvCache(model, N), { numerics: 'hw', logits: 'all' }));
    console.log(
      `${name.padEnd(15)} machine with values ${(N / mach.s).toFixed(0)} tokens/s | hw reference, one token at a time ${(N / dec.s).toFixed(0)} tokens/s (machine ${(dec.s / mach.s).toFixed(2)}x) | hw reference, whole sequence ${(N / seq.s).toFixed(0)} tokens/s (machine ${(seq.s / mach.s).toFixed(2)}x) (goal >= 1000 tokens/s)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchSim();
  benchMachine();
}
