import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { MODEL_PRESETS, shapeOfModel, bitlinearShapes } from '../../src/ir/presets.js';
import { loadModel } from '../../src/ir/load.js';
import { generateRtl } from '../../src/codegen/verilog.js';
import { geometryOf, planFromShapes } from '../../src/ir/engine-plan.js';
import { EngineTimer, simulateModel } from '../../src/sim/model.js';
import { runStream } from '../../src/sim/stream.js';
import { defaultModelDir, syntheticModelDir } from '../../src/util/paths.js';
import { allBitLinears } from '../../src/ir/types.js';
import { writeVectorsForPlan } from '../../src/verify/vectors.js';
import { runHarness } from '../../src/verify/verilator.js';
import { repoRoot, tmpDir } from '../helpers.js';

describe('model-level simulation', () => {
  const arch = ARCH_PRESETS['tiny']!;
  const shape = shapeOfModel(loadModel(syntheticModelDir()));

  it('engine segments: steady-state extension equals a full cycle-level run', () => {
    const timer = new EngineTimer(arch);
    const shapes = shape.perLayer.slice(0, 3);
    for (const T of [7, 9, 13]) {
      const fast = timer.segment(shapes, T);
      const plan = planFromShapes(shapes.map((s, i) => ({ name: `s${i}`, ...s })), arch);
      const toks = shapes.flatMap((s, li) => Array.from({ length: T }, () => ({ layer: li, x: new Uint32Array(s.n) })));
      const full = runStream(plan, toks, { seed: 1, inStall: 0, outStall: 0 });
      expect(fast.cycles).toBe(full.cycles);
      const wm = full.actions.find((a) => a.component === 'wmem')!;
      expect(fast.weightBits).toBe(wm.count * wm.bits);
    }
  });
  it('decode cycles of every BitLinear equal the RTL latency recorded by verification', () => {
    const model = loadModel(syntheticModelDir());
    const d = generateRtl(model, arch);
    const file = path.join(tmpDir(), 'v.bin');
    writeVectorsForPlan(model, d.plan, d.plan.layers.length, 1, file);
    const rtl = runHarness(d, file, { seed: 1, inStall: 0, outStall: 0, serial: true });
    const timer = new EngineTimer(arch, geometryOf(d.plan));
    d.plan.layers.forEach((l, i) => {
      const t = rtl.tokens[i]!;
      // The segment runs from cycle 0 (first beat) to the last output beat inclusive.
      expect(timer.segment([{ n: l.n, out: l.out }], 1).cycles).toBe(t[2] - t[1] + 1);
    });
  });
  it('reports cycles per token and per layer, utilisation, stalls and actions; prefill attends causally', () => {
    const r = simulateModel(shape, arch, { prefill: 4, tokens: 3 });
    expect(r.per_layer.length).toBe(shape.layers);
    expect(r.cycles_per_token).toBeGreaterThan(0);
    expect(r.utilization.mac_array).toBeGreaterThan(0);
    expect(r.utilization.mac_array).toBeLessThan(1);
    const adds = r.actions.find((a) => a.component === 'mac_array' && a.action === 'tree_add')!;
    // One int8 add per weight per token: the tree has P*(S-1) adders plus P root corrections.
    const padded = bitlinearShapes(shape).reduce((a, s) => a + Math.ceil(s.n / arch.simd) * arch.simd * Math.ceil(s.out / arch.lanes) * arch.lanes, 0);
    expect(adds.count).toBe(padded * (4 + 3));
    const kvReads = r.actions.find((a) => a.component === 'kv_cache' && a.action === 'read')!.count;
    // prefill: 1+2+3+4 positions; decode: 5, 6, 7; K and V; every query head reads its K/V
    // head's rows (the attention unit takes one query head at a time); every layer.
    expect(kvReads).toBe(2 * shape.hidden * (10 + 18) * shape.layers);
    expect(r.program_instructions).toBeGreaterThan(7 * shape.layers);
    // Every unit of the machine did work, and per layer the engine ran all seven BitLinears.
    for (const u of ['engine', 'vector', 'sfu', 'attention', 'head', 'kv']) expect(r.per_unit[u]!).toBeGreaterThan(0);
    for (const l of r.per_layer) expect(l.engine).toBeGreaterThan(0);
  });
  // (2B4T prefill: 85.4% under the attention contract before the attention unit's RTL; its real
  // schedule, one head at a time on 32 lanes, is slower: 83.3%)
  it('busy MACs: the engine streaming the default model\'s BitLinears >= 90%; 2B4T prefill of 128 on default >= 82%', () => {
    const m = loadModel(defaultModelDir());
    const d = generateRtl(m, arch);
    const seg = new EngineTimer(arch, geometryOf(d.plan)).segment(allBitLinears(m.ir).map((b) => ({ n: b.inFeatures, out: b.outFeatures })), 32);
    expect(seg.issueCycles / seg.cycles).toBeGreaterThanOrEqual(0.9);
    const p = simulateModel(MODEL_PRESETS['2b4t']!, ARCH_PRESETS['default']!, { prefill: 128, tokens: 1 });
    console.log(`MAC utilisation: tiny engine streaming the default model ${(100 * seg.issueCycles / seg.cycles).toFixed(1)}%, 2B4T prefill 128 on default ${(100 * p.utilization.mac_array).toFixed(1)}%`);
    expect(p.utilization.mac_array).toBeGreaterThanOrEqual(0.82);
  });
  it('streams weights from DRAM when they do not fit and says so; a slower DRAM stalls the engine', () => {
    const big = simulateModel(MODEL_PRESETS['2b4t']!, ARCH_PRESETS['default']!, { prefill: 0, tokens: 1 });
    expect(big.weights_on_chip).toBe(false);
    expect(big.actions.find((a) => a.component === 'dram' && a.action === 'read')!.count).toBeGreaterThan(0);
    const slow = simulateModel(MODEL_PRESETS['2b4t']!, { ...ARCH_PRESETS['default']!, system: { dramGBps: 3.2 } }, { prefill: 0, tokens: 1 });
    expect(slow.stalls['dram_bandwidth']).toBeGreaterThan(0);
    expect(slow.cycles_per_token).toBeGreaterThan(big.cycles_per_token);
    const small = simulateModel(shape, arch, { prefill: 0, tokens: 1 });
    expect(small.weights_on_chip).toBe(true);
    expect(small.stalls['dram_bandwidth']).toBe(0);
  });
});

describe('sim and energy commands', () => {
  const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
  const cli = (...a: string[]) => spawnSync(process.execPath, [bin, ...a], { encoding: 'utf8' });
  it('sim --json has cycles_per_token, per_layer, utilization, actions', () => {
    const r = cli('sim', 'paper-125m', '--arch', 'default-binary', '--decode', '2', '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    for (const k of ['cycles_per_token', 'per_layer', 'utilization', 'actions']) expect(doc).toHaveProperty(k);
    expect(cli('sim', '2b4t', '--arch', 'tiny-binary').status).toBe(2);
  });
  it('energy --method paper matches the published 2B4T figure (0.028 J at 7nm) and orders the baselines', () => {
    const r = cli('energy', '--method', 'paper', '--model', '2b4t', '--node', '7nm', '--seq', '512', '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc).sort()).toEqual(['method', 'model', 'node', 'results', 'schema', 'seq']);
    expect(doc.schema).toBe('bitnet-hw/energy/1');
    const by = Object.fromEntries(doc.results.map((x: { arch: string; total_J: number }) => [x.arch, x]));
    expect(by.bitnet.total_J).toBeCloseTo(0.028, 3);
    expect(by.fp16.total_J).toBeGreaterThan(10 * by.bitnet.total_J);
    expect(by.fp32.total_J).toBeGreaterThan(by.fp16.total_J);
    for (const x of doc.results) expect(x.total_J).toBeCloseTo(x.mul_J + x.add_J, 12);
  });
  it('energy --method activity prices every action and reports the floor', () => {
    const r = cli('energy', '--method', 'activity', syntheticModelDir(), '--arch', 'tiny', '--node', '45nm', '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.per_decoded_token_J).toBeGreaterThan(0);
    expect(doc.design_over_floor).toBeGreaterThanOrEqual(1);
    const sum = doc.per_op.reduce((a: number, l: { J: number }) => a + l.J, 0);
    expect(sum).toBeCloseTo(doc.total_J, 15);
    // One meaning of per token: the parts add up, per decoded token and per prompt token are the
    // decode and prompt energies over their own token counts, and report says the same figure.
    expect(doc.prefill_tokens).toBe(16);
    expect(doc.decoded_tokens).toBe(4);
    expect(doc.total_tokens).toBe(20);
    expect(doc.prefill_J + doc.decode_J).toBeCloseTo(doc.total_J, 15);
    expect(doc.per_decoded_token_J).toBeCloseTo(doc.decode_J / 4, 15);
    expect(doc.per_prompt_token_J).toBeCloseTo(doc.prefill_J / 16, 15);
    const parts = Object.values(doc.per_part_per_decoded_token_J as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(parts).toBeCloseTo(doc.per_decoded_token_J, 15);
    const comps = Object.values(doc.per_component_per_decoded_token_J as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(comps).toBeCloseTo(doc.per_decoded_token_J, 15);
    expect(doc.tokens_per_second_per_W).toBeCloseTo(1 / doc.per_decoded_token_J, 9);
    const out = path.join(tmpDir('bnhw-rep-'), 'r');
    const rep = JSON.parse(cli('report', syntheticModelDir(), '--arch', 'tiny', '--node', '45nm', '--out', out, '--json').stdout);
    expect(rep.per_decoded_token_J).toBe(doc.per_decoded_token_J);
    expect(rep.per_prompt_token_J).toBe(doc.per_prompt_token_J);
    expect(cli('energy', '--method', 'paper', '--model', 'nope', '--json').status).toBe(2);
  });
});

describe('functional mode', () => {
  it('the accelerator program on the machine (values from its own unit models) equals the hw reference bit for bit', async () => {
    const { simulateFunctional } = await import('../../src/sim/functional.js');
    const { fixture } = await import('../helpers.js');
    const r = simulateFunctional(loadModel(syntheticModelDir()), ARCH_PRESETS['default']!, [5, 9, 250, 17]);
    expect(r.logitsEqualReference).toBe(true);
    expect(r.firstMismatch).toBeNull();
    expect(r.bitlinearCalls).toBe(4 * 14); // one program run per token
    expect(r.cycles).toBeGreaterThan(0);
    const bin = loadModel(fixture({ format: 'paper-binary', groups: 2 }));
    expect(simulateFunctional(bin, ARCH_PRESETS['tiny-binary']!, [1, 2, 3]).logitsEqualReference).toBe(true);
  }, 120_000);
});
