/**
 * The main job, as a readable list of named steps over the default (or a given) model:
 * checkpoint -> IR -> validation -> reference (float, hw) -> kernel cross-check -> generation.
 * Later stages (RTL generation, verification, simulation, energy, report) append steps here.
 * Each step is a pure-ish function of the context; the runner times it and collects its summary.
 */
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

export interface PipelineContext {
  readonly modelPath: string;
  readonly tokens: readonly number[];
  readonly maxNew: number;
  model?: Model;
  summary?: ModelSummary;
  float?: RunResult;
  hw?: RunResult;
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
      return { float: f, hw: h, identical: f.join() === h.join() };
    },
  },
];

export function runPipeline(ctx: PipelineContext, steps: readonly Step[] = STEPS): StepReport[] {
  return steps.map((s) => {
    const t0 = performance.now();
    const summary = s.run(ctx);
    return { step: s.name, ms: performance.now() - t0, summary };
  });
}
