/**
 * The main job, as a readable list of named steps over the default (or a given) model:
 * checkpoint -> IR -> validation -> reference (float, hw) -> kernel cross-check -> generation,
 * then the accelerator program (compiled, executed by the simulator, checked against the hw
 * reference) -> RTL generation -> bit-exact verification -> simulation (cycle-checked against the
 * RTL) -> energy and report.
 * Each step is a pure-ish function of the context; the runner times it and collects its summary.
 */
import { shippedScaling } from './report/training.js';
import { summarizeModel, type ModelSummary } from './ir/dump.js';
import { loadModel } from './ir/load.js';
import type { Model } from './ir/types.js';
import { allBitLinears } from './ir/types.js';
import { validateModel } from './ir/validate.js';
import { accumulatorBits } from './numerics/index.js';
import { bitlinearAccumulators } from './ref/bitlinear.js';
import { generateGreedy, runSequence, type RunResult } from './ref/model.js';
import type { QuantizedActs } from './numerics/index.js';
import { forward, createKvCache } from './ref/model.js';
import * as path from 'node:path';
import { generateRtl, writeRtl, type RtlDesign } from './codegen/verilog.js';
import { generateWhole, wholeFolderFiles } from './codegen/whole-folder.js';
import { sequenceRuns, verifyWhole } from './verify/whole.js';
import { loadArch } from './ir/arch.js';
import { verifyModel, type VerifyResult } from './verify/index.js';
import { EngineTimer, simulateModel, type SimReport } from './sim/model.js';
import { geometryOf } from './ir/engine-plan.js';
import { clockFor, implementationFor } from './verify/impl.js';
import { shapeOfModel } from './ir/presets.js';
import { loadEnergyTable } from './energy/tables.js';
import { activityEnergy } from './energy/activity.js';
import { paperEnergy } from './energy/paper.js';
import { renderReport } from './report/index.js';
import { writeFileAtomic } from './util/fsout.js';
import * as fs from 'node:fs';
import { compileProgram } from './ir/compile.js';
import { encodeProgram, listing, programManifest } from './ir/program-image.js';
import { generateTokens, runTokens } from './backend.js';

export interface PipelineContext {
  readonly modelPath: string;
  readonly archName: string;
  readonly outDir: string;
  readonly vectors: number;
  design?: RtlDesign;
  verify?: VerifyResult;
  simReport?: SimReport;
  readonly tokens: readonly number[];
  readonly maxNew: number;
  model?: Model;
  summary?: ModelSummary;
  float?: RunResult;
  hw?: RunResult;
  /** Checks that failed (the demo exits 1 when any did). */
  readonly failures: string[];
}

export interface StepReport {
  readonly step: string;
  readonly ms: number;
  readonly summary: Record<string, unknown>;
}

export interface Step {
  readonly name: string;
  readonly run: (ctx: PipelineContext) => Record<string, unknown>;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`pipeline: ${what} not computed by an earlier step`);
  return v;
}

const STEPS_HW: readonly Step[] = [
  {
    name: 'accelerator-program',
    run: (ctx) => {
      // The whole-model program for the architecture, and the machine executing it with values:
      // its logits must equal the hw reference's bit for bit, its generation token for token.
      const model = need(ctx.model, 'model');
      const arch = loadArch(ctx.archName);
      const program = compileProgram(model.ir, arch);
      const dir = path.join(ctx.outDir, 'program');
      fs.mkdirSync(dir, { recursive: true });
      writeFileAtomic(path.join(dir, 'program.bin'), encodeProgram(program));
      writeFileAtomic(path.join(dir, 'program.json'), JSON.stringify(programManifest(program), null, 2) + '\n');
      writeFileAtomic(path.join(dir, 'program.lst'), listing(program));
      const sim = runTokens(model, ctx.tokens, { kind: 'sim', arch });
      const hw = need(ctx.hw, 'hw run');
      let differing = 0;
      for (let i = 0; i < hw.logits.length; i++) if (!Object.is(hw.logits[i], sim.logits[i])) differing++;
      const gSim = generateTokens(model, ctx.tokens, ctx.maxNew, { kind: 'sim', arch }, false);
      const gHw = generateGreedy(model, ctx.tokens, ctx.maxNew, { numerics: 'hw' });
      if (differing) ctx.failures.push(`accelerator-program: ${differing} logits differ between the simulated accelerator and the hw reference`);
      if (gSim.tokens.join() !== gHw.join()) ctx.failures.push('accelerator-program: the simulated accelerator generates different tokens from the hw reference');
      return { out: dir, instructions: program.instructions.length, scratchpadWords: program.scratchpadWords, kvCacheWords: program.kvWords, logitsDifferingFromHwReference: differing, generatedEqualHwReference: gSim.tokens.join() === gHw.join(), cycles: (sim.cycles ?? 0) + (gSim.cycles ?? 0) };
    },
  },
  {
    name: 'rtl-generate',
    run: (ctx) => {
      ctx.design = generateRtl(need(ctx.model, 'model'), loadArch(ctx.archName));
      const dir = path.join(ctx.outDir, 'rtl');
      writeRtl(ctx.design, dir);
      const m = ctx.design.manifest;
      return { out: dir, files: ctx.design.files.size, configHash: m.configHash, lanes: m.arch.lanes, simd: m.arch.simd, accumulatorBits: m.parameters['ACC_BITS'] };
    },
  },
  {
    name: 'rtl-verify',
    run: (ctx) => {
      ctx.verify = verifyModel(need(ctx.model, 'model'), loadArch(ctx.archName), { sim: 'verilator', vectors: ctx.vectors, seed: 1, inStall: 20, outStall: 20 });
      const v = ctx.verify;
      if (!v.passed) ctx.failures.push(...v.failures.map((f) => `rtl-verify: ${f}`));
      return { passed: v.passed, sim: v.sim, vectors: v.vectors, mismatches: v.mismatches, cycles: v.cycles };
    },
  },
  {
    name: 'whole-rtl',
    run: (ctx) => {
      // The whole-model accelerator: its folder (gen --whole), then the prompt through the
      // Verilated top, every position's logits, cycles, issue cycles and action counters against
      // the simulator (whose logits are checked against the hw reference).
      const model = need(ctx.model, 'model');
      const arch = loadArch(ctx.archName);
      const dir = path.join(ctx.outDir, 'whole');
      const d = generateWhole(model, arch);
      for (const [name, content] of wholeFolderFiles(d, arch, model.ir.eosToken)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileAtomic(path.join(dir, name), content);
      }
      const r = verifyWhole(model, arch, sequenceRuns(ctx.tokens, Math.min(4, d.program.rows)), { seed: 1, inStall: 20, outStall: 20 });
      if (!r.passed) ctx.failures.push(`whole-rtl: ${r.where ?? `${r.mismatches} mismatches`}`);
      const sum = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0);
      return { out: dir, top: d.top, instructions: d.program.instructions.length, passed: r.passed, runs: r.runs, logitsChecked: r.logitsChecked, mismatches: r.mismatches, rtlCycles: sum(r.rtlCycles), simCycles: sum(r.simCycles), simEqualsHwReference: r.simEqualsRef };
    },
  },
  {
    name: 'simulate',
    run: (ctx) => {
      const model = need(ctx.model, 'model');
      const arch = loadArch(ctx.archName);
      const v = need(ctx.verify, 'verification');
      const timer = new EngineTimer(arch, geometryOf(need(ctx.design, 'design').plan));
      // The simulator's per-layer engine cycles must equal the RTL's isolated latencies.
      const cycleMismatches = v.per_layer.filter((l) => timer.segment([{ n: l.n, out: l.out }], 1).cycles !== l.latency_cycles).length;
      if (cycleMismatches) ctx.failures.push(`simulate: ${cycleMismatches} layer latencies differ between the simulator and the RTL`);
      ctx.simReport = simulateModel(shapeOfModel(model), arch, { prefill: ctx.tokens.length, tokens: ctx.maxNew, clock: clockFor(ctx.modelPath, arch), ir: model.ir });
      const r = ctx.simReport;
      return { cyclesPerToken: Math.round(r.cycles_per_token), tokensPerSecond: Number(r.tokens_per_second.toFixed(1)), macUtilization: Number(r.utilization.mac_array.toFixed(3)), layersCycleExactWithRtl: `${v.per_layer.length - cycleMismatches}/${v.per_layer.length}` };
    },
  },
  {
    name: 'energy-report',
    run: (ctx) => {
      const model = need(ctx.model, 'model');
      const shape = shapeOfModel(model);
      const table = loadEnergyTable('7nm');
      const sim = need(ctx.simReport, 'simulation');
      const activity = activityEnergy(sim, shape, table, need(ctx.summary, 'summary').zeroWeightFraction ?? 0);
      const paper = paperEnergy(shape, table, 512);
      const data = { title: `${path.basename(path.resolve(ctx.modelPath))} on ${ctx.archName}`, sim, activity, paper, impl: implementationFor(ctx.modelPath, loadArch(ctx.archName)), scaling: shippedScaling() };
      const files = { markdown: path.join(ctx.outDir, 'report.md'), html: path.join(ctx.outDir, 'report.html'), trace: path.join(ctx.outDir, 'timeline.json') };
      for (const [name, content] of renderReport(data)) writeFileAtomic(path.join(ctx.outDir, name), content);
      const by = Object.fromEntries(paper.results.map((r) => [r.arch, r.total_J]));
      return { per_decoded_token_J: activity.per_decoded_token_J, overFloor: activity.design_over_floor === null ? null : Number(activity.design_over_floor.toFixed(2)), paper_bitnet_total_J: by['bitnet'], paper_fp16_total_J: by['fp16'], report: files.html, timeline: files.trace };
    },
  },
];

export const STEPS: readonly Step[] = [
  {
    name: 'import',
    run: (ctx) => {
      ctx.model = loadModel(ctx.modelPath);
      ctx.summary = summarizeModel(ctx.model);
      const s = ctx.summary;
      return { source: s.source, parameters: s.parameters.total, weightKind: s.weightKind, layers: s.config.layers, hidden: s.config.hidden };
    },
  },
  {
    name: 'validate',
    run: (ctx) => {
      const ds = validateModel(need(ctx.model, 'model'));
      return { errors: ds.filter((d) => d.severity === 'error').length, warnings: ds.filter((d) => d.severity === 'warning').length };
    },
  },
  {
    name: 'reference-float',
    run: (ctx) => {
      ctx.float = runSequence(need(ctx.model, 'model'), ctx.tokens, { numerics: 'float' });
      return { tokens: ctx.float.tokens, argmax: ctx.float.argmax };
    },
  },
  {
    name: 'reference-hw',
    run: (ctx) => {
      const f = need(ctx.float, 'float run');
      ctx.hw = runSequence(need(ctx.model, 'model'), ctx.tokens, { numerics: 'hw' });
      let maxDiff = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < f.logits.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(f.logits[i]! - ctx.hw.logits[i]!));
        lo = Math.min(lo, f.logits[i]!);
        hi = Math.max(hi, f.logits[i]!);
      }
      const agree = f.argmax.filter((a, i) => a === ctx.hw!.argmax[i]).length;
      return { argmax: ctx.hw.argmax, argmaxAgreement: `${agree}/${f.argmax.length}`, maxAbsLogitDiff: maxDiff, relToLogitRange: maxDiff / (hi - lo) };
    },
  },
  {
    name: 'bitlinear-kernels',
    run: (ctx) => {
      // Every BitLinear's exact accumulators from the table-lookup kernel equal the naive decode.
      const model = need(ctx.model, 'model');
      let checked = 0;
      let mismatches = 0;
      const cache = createKvCache(model, ctx.tokens.length);
      forward(model, ctx.tokens, cache, {
        numerics: 'hw',
        onBitLinear: (name, _x, _rows, qa: QuantizedActs, acc) => {
          const bl = allBitLinears(model.ir).find((b) => b.name === name)!;
          const naive = bitlinearAccumulators(bl, model.tensors, qa, 'naive');
          for (let i = 0; i < acc.length; i++) if (acc[i] !== naive[i]) mismatches++;
          checked += acc.length;
        },
      });
      if (mismatches) ctx.failures.push(`bitlinear-kernels: ${mismatches} accumulators differ between the LUT and naive kernels`);
      const widths = allBitLinears(model.ir).map((b) => accumulatorBits(b.inFeatures, b.actQuant.bits));
      return { accumulatorsChecked: checked, mismatches, accumulatorBits: [...new Set(widths)].sort((a, b) => a - b) };
    },
  },
  {
    name: 'generate',
    run: (ctx) => {
      const model = need(ctx.model, 'model');
      const f = generateGreedy(model, ctx.tokens, ctx.maxNew, { numerics: 'float' });
      const h = generateGreedy(model, ctx.tokens, ctx.maxNew, { numerics: 'hw' });
      const text = (ids: number[]): string | undefined => (model.ir.embedding.vocabSize >= 256 ? Buffer.from(ids.filter((t) => t < 256)).toString('utf8') : undefined);
      return { float: f, hw: h, identical: f.join() === h.join(), floatText: text(f), hwText: text(h) };
    },
  },
];

STEPS_HW.forEach((s) => (STEPS as Step[]).push(s));

/** Run the steps in order; `onStep` hears of each as it finishes (progress for the CLI). */
export function runPipeline(ctx: PipelineContext, steps: readonly Step[] = STEPS, onStep?: (r: StepReport, index: number, total: number) => void): StepReport[] {
  return steps.map((s, i) => {
    const t0 = performance.now();
    const summary = s.run(ctx);
    const r = { step: s.name, ms: performance.now() - t0, summary };
    onStep?.(r, i, steps.length);
    return r;
  });
}
