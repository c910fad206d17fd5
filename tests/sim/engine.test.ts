/**
 * The cycle-level engine model against the RTL: identical per-token cycle logs under the same
 * seeded stalls (serial and pipelined), functional outputs equal to the hw reference, and the
 * generated host driver running layers through the model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Project } from 'ts-morph';
import { generateRtl, writeRtl } from '../../src/codegen/verilog.js';
import { ARCH_PRESETS, parseArch, type ArchSpec } from '../../src/ir/arch.js';
import { loadModel } from '../../src/ir/load.js';
import { allBitLinears, type Model } from '../../src/ir/types.js';
import { syntheticModelDir } from '../../src/util/paths.js';
import { writeVectorsForPlan } from '../../src/verify/vectors.js';
import { runHarness } from '../../src/verify/verilator.js';
import { EngineSim } from '../../src/sim/engine.js';
import { weightImage } from '../../src/ir/engine-plan.js';
import { runStream, type StreamToken } from '../../src/sim/stream.js';
import { DramModel } from '../../src/sim/dram.js';
import { fixture, tmpDir } from '../helpers.js';

function readVectors(file: string): (StreamToken & { y: Uint32Array })[] {
  const buf = fs.readFileSync(file);
  const u = new Uint32Array(buf.buffer, buf.byteOffset + 8, (buf.length - 8) / 4);
  const out: (StreamToken & { y: Uint32Array })[] = [];
  for (let p = 0; p < u.length; ) {
    const [layer, n, m] = [u[p]!, u[p + 1]!, u[p + 2]!];
    out.push({ layer, x: u.slice(p + 3, p + 3 + n), y: u.slice(p + 3 + n, p + 3 + n + m) });
    p += 3 + n + m;
  }
  return out;
}

const model = loadModel(syntheticModelDir());
const binModel = loadModel(fixture({ format: 'paper-binary', groups: 2 }));
const odd: ArchSpec = parseArch({ name: 'odd', lanes: 3, simd: 5, weightKind: 'ternary', treePipeline: 1, weightMemory: 'rom', clockMHz: 50 }, 't');
const cases: [string, Model, ArchSpec][] = [
  ['tiny', model, ARCH_PRESETS['tiny']!],
  ['default', model, ARCH_PRESETS['default']!],
  ['tiny-binary', binModel, ARCH_PRESETS['tiny-binary']!],
  ['odd 3x5', model, odd],
  ['tiny-base3', model, ARCH_PRESETS['tiny-base3']!],
  ['load-port 5x7', model, parseArch({ name: 'lp', lanes: 5, simd: 7, weightKind: 'ternary', treePipeline: 0, weightMemory: 'load-port', clockMHz: 50 }, 't')],
];
const dramArch = parseArch({ name: 'dram', lanes: 4, simd: 8, weightKind: 'ternary', treePipeline: 2, weightMemory: 'dram', weightPacking: 'base3', clockMHz: 100 }, 't');

describe('engine model is cycle-exact with the RTL', () => {
  for (const [name, m, arch] of cases) {
    it(`${name}: same per-token cycles as Verilator for every stall pattern, outputs bit-exact`, () => {
      const d = generateRtl(m, arch);
      const file = path.join(tmpDir(), 'v.bin');
      writeVectorsForPlan(m, d.plan, 120, 17, file);
      const toks = readVectors(file);
      for (const [stall, serial] of [[0, true], [0, false], [35, false], [60, true]] as const) {
        const rtl = runHarness(d, file, { seed: 99, inStall: stall, outStall: stall, serial });
        const sim = runStream(d.plan, toks, { seed: 99, inStall: stall, outStall: stall, serial, values: { weights: weightImage(m, d.plan) } });
        expect(rtl.mismatches).toBe(0);
        expect(sim.cycles).toBe(rtl.cycles);
        expect(sim.tokens).toEqual(rtl.tokens);
        sim.outputs.forEach((y, i) => expect(Array.from(y)).toEqual(Array.from(toks[i]!.y)));
      }
    }, 300_000);
  }
});

describe('weights streamed from DRAM', () => {
  // The memory's timing is part of the run: a fast port (one word a cycle) and slow ones, where
  // the weight FIFO runs dry and the issuer waits, and one where the FIFO fills and holds the
  // memory off; the simulator and the Verilator harness implement the same memory.
  it('the engine model is cycle-exact with the RTL through the DRAM port, outputs bit-exact', () => {
    const d = generateRtl(model, dramArch);
    expect(d.manifest.dram).toEqual({ latency: 60, interval: 1, clockMHz: 100 });
    const file = path.join(tmpDir(), 'v.bin');
    writeVectorsForPlan(model, d.plan, 60, 23, file);
    const toks = readVectors(file);
    const runs = [
      { stall: 0, serial: true, dram: { latency: 60, interval: 1 } },
      { stall: 35, serial: false, dram: { latency: 3, interval: 1 } },
      { stall: 20, serial: false, dram: { latency: 17, interval: 3 } },
    ];
    const cycles: number[] = [];
    for (const r of runs) {
      const rtl = runHarness(d, file, { seed: 7, inStall: r.stall, outStall: r.stall, serial: r.serial, dram: r.dram });
      const sim = runStream(d.plan, toks, { seed: 7, inStall: r.stall, outStall: r.stall, serial: r.serial, dram: r.dram, values: { weights: weightImage(model, d.plan) } });
      expect(rtl.error).toBeUndefined();
      expect(rtl.mismatches).toBe(0);
      expect(sim.cycles).toBe(rtl.cycles);
      expect(sim.tokens).toEqual(rtl.tokens);
      sim.outputs.forEach((y, i) => expect(Array.from(y)).toEqual(Array.from(toks[i]!.y)));
      const words = toks.reduce((a, t) => a + d.plan.layers[t.layer]!.chunks * d.plan.layers[t.layer]!.tiles, 0);
      expect(sim.actions.find((a) => a.component === 'dram' && a.action === 'read')?.count).toBe(words);
      cycles.push(sim.cycles);
    }
    // A slower memory costs cycles (the runs differ in stalls too, so compare against the same stalls).
    const slow = runStream(d.plan, toks, { seed: 7, inStall: 20, outStall: 20, dram: { latency: 3, interval: 1 } });
    expect(cycles[2]!).toBeGreaterThan(slow.cycles);
  }, 300_000);
});

describe('generated host driver', () => {
  it('type-checks under strict settings and runs layers through the engine model', async () => {
    const d = generateRtl(model, ARCH_PRESETS['tiny']!);
    const dir = tmpDir('bnhw-host-');
    writeRtl(d, dir);
    const file = path.join(dir, 'bnhw_engine.generated.ts');
    const project = new Project({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true, target: 9, module: 199, moduleResolution: 99, noEmit: true, lib: ['lib.es2022.d.ts'] } });
    project.addSourceFileAtPath(file);
    expect(project.getPreEmitDiagnostics().map((x) => x.getMessageText())).toEqual([]);
    const drv = (await import(file)) as typeof import('../../src/codegen/host-driver-shape.js');
    // packWeights reproduces the RTL weight image from plain weight matrices.
    const weights: Record<string, Int8Array> = {};
    for (const l of drv.LAYERS) {
      const bl = allBitLinears(model.ir).find((b) => b.name === l.name)!;
      const packed = model.tensors.get(bl.weight.tensor.name)!.data as Uint8Array;
      const bpr = Math.ceil(l.n / 4);
      weights[l.name] = Int8Array.from({ length: l.out * l.n }, (_, i) => ((packed[Math.floor(i / l.n) * bpr + ((i % l.n) >> 2)]! >> (((i % l.n) & 3) * 2)) & 3) - 1);
    }
    expect(Buffer.from(drv.packWeights(weights)).equals(Buffer.from(d.weights!))).toBe(true);
    // The base-3 packing of the same weights, through that design's own driver.
    const d3 = generateRtl(model, ARCH_PRESETS['tiny-base3']!);
    const dir3 = tmpDir('bnhw-host3-');
    writeRtl(d3, dir3);
    const drv3 = (await import(path.join(dir3, 'bnhw_engine.generated.ts'))) as typeof import('../../src/codegen/host-driver-shape.js');
    expect(Buffer.from(drv3.packWeights(weights)).equals(Buffer.from(d3.weights!))).toBe(true);
    // runLayer over the cycle-level model gives the reference outputs and the isolated latency.
    const sim = new EngineSim(d.plan, { weights: d.weights! });
    const file2 = path.join(tmpDir(), 'v.bin');
    writeVectorsForPlan(model, d.plan, d.plan.layers.length, 3, file2);
    const toks = readVectors(file2);
    const lat = runHarness(d, file2, { seed: 1, inStall: 0, outStall: 0, serial: true });
    for (const [i, tok] of toks.entries()) {
      const r = drv.runLayer(sim, drv.LAYERS[tok.layer]!.name, new Float32Array(tok.x.buffer.slice(0)));
      expect(Array.from(new Uint32Array(r.y.buffer))).toEqual(Array.from(tok.y));
      expect(r.cycles).toBe(lat.tokens[i]![2] - lat.tokens[i]![1] + 1);
    }
    // A DRAM design's driver serves its weight port from a memory and the packed image.
    const dd = generateRtl(model, dramArch);
    const ddir = tmpDir('bnhw-host-dram-');
    writeRtl(dd, ddir);
    const dfile = path.join(ddir, 'bnhw_engine.generated.ts');
    const dp = new Project({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true, target: 9, module: 199, moduleResolution: 99, noEmit: true, lib: ['lib.es2022.d.ts'] } });
    dp.addSourceFileAtPath(dfile);
    expect(dp.getPreEmitDiagnostics().map((x) => x.getMessageText())).toEqual([]);
    const ddrv = (await import(dfile)) as typeof import('../../src/codegen/host-driver-shape.js');
    expect(ddrv.WEIGHTS_IN_DRAM).toBe(true);
    const image = ddrv.packWeights(weights);
    expect(Buffer.from(image).equals(Buffer.from(dd.weights!))).toBe(true);
    const dsim = new EngineSim(dd.plan, { weights: image });
    const dvec = path.join(tmpDir(), 'v.bin');
    writeVectorsForPlan(model, dd.plan, dd.plan.layers.length, 3, dvec);
    for (const tok of readVectors(dvec)) {
      const name = ddrv.LAYERS[tok.layer]!.name;
      expect(() => ddrv.runLayer(dsim, name, new Float32Array(tok.x.buffer.slice(0)))).toThrow(/weights in DRAM/);
      const r = ddrv.runLayer(dsim, name, new Float32Array(tok.x.buffer.slice(0)), 1_000_000, { memory: new DramModel(dd.manifest.dram!), image });
      expect(Array.from(new Uint32Array(r.y.buffer))).toEqual(Array.from(tok.y));
    }
  }, 120_000);
});
