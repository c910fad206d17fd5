/**
 * Crosscheck: a prompt end to end with every BitLinear computed by the Verilated RTL, the rest of
 * the model in the hw numerics, and the logits compared with a reference (float, hw or PyTorch).
 *
 * Needs: a model, an architecture and optionally an RTL folder written by `gen` for them; Verilator.
 * Guarantees: each BitLinear call of the forward pass (all prompt positions of one layer at once)
 * runs on the RTL through the C++ harness under seeded random input stalls and output
 * back-pressure; the RTL's output beats, not the reference's, feed the rest of the model. Two
 * gates, kept apart: exactness (each RTL output against the hw law on the same input, bit for
 * bit; the first call that differs is the first diverging layer) and fidelity (the final logits
 * against the chosen reference: max |difference| over the reference's logit range, and argmax
 * agreement per position).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { RtlDesign } from '../codegen/verilog.js';
import { allBitLinears, type BitLinearIR, type Model } from '../ir/types.js';
import { applyBitLinear } from '../ref/bitlinear.js';
import { argmax, runSequence } from '../ref/model.js';
import { fail } from '../util/diagnostics.js';
import { f32Bits } from '../util/float.js';
import { packageRoot } from '../util/paths.js';
import { progressBar } from '../util/progress.js';
import { cacheDir, torchPython } from './tools.js';
import { runHarness } from './verilator.js';
import { writeVectorFile } from './vectors.js';

export type Against = 'float' | 'hw' | 'torch';

export interface CrosscheckOptions {
  readonly against: Against;
  readonly seed: number;
  readonly rtlDir?: string;
  readonly inStall?: number;
  readonly outStall?: number;
}

export interface CrosscheckLayer {
  readonly name: string;
  readonly calls: number;
  readonly outputs: number;
  /** RTL outputs that differ from the hw law on the same input (exactness). */
  readonly mismatches_vs_law: number;
  /** max |RTL run's output - reference run's output| over the reference output's range (float and hw only). */
  readonly max_diff_over_range_vs_reference: number | null;
}

export interface CrosscheckResult {
  readonly passed: boolean;
  readonly against: Against;
  readonly tokens: readonly number[];
  readonly rtl: string;
  readonly seed: number;
  readonly bitlinear_calls: number;
  readonly rtl_cycles: number;
  readonly exact: boolean;
  readonly first_diverging_layer: { readonly layer: string; readonly call: number; readonly position: number; readonly row: number; readonly got: string; readonly want: string } | null;
  readonly max_abs_logit_diff: number;
  readonly reference_logit_range: number;
  readonly max_abs_logit_diff_over_range: number;
  readonly argmax_agreement: number;
  readonly positions: number;
  readonly per_layer: readonly CrosscheckLayer[];
  readonly failures: readonly string[];
}

const hex = (f: number): string => f32Bits(f).toString(16).padStart(8, '0');

/** Logits of the PyTorch reference (python/bitnet_train/reference.py) for the tokens. */
function torchLogits(modelDir: string, tokens: readonly number[], V: number): Float32Array {
  const py = torchPython();
  const cwd = path.join(packageRoot(), 'python');
  if (!fs.existsSync(path.join(cwd, 'bitnet_train', 'reference.py'))) fail('XC003', cwd, 'the PyTorch reference is not installed with this package', 'use --against float or hw, or run from a checkout');
  const r = spawnSync(py, ['-m', 'bitnet_train.reference', '--model', path.resolve(modelDir), '--tokens', tokens.join(','), '--json'], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) fail('XC004', 'torch', `the PyTorch reference failed: ${(r.stderr || r.stdout).slice(-1500)}`, 'check the model folder is a checkpoint PyTorch can read (the shipped models are)');
  const doc = JSON.parse(r.stdout.trim().split('\n').pop()!) as { logits: number[][] };
  const out = new Float32Array(tokens.length * V);
  doc.logits.forEach((row, t) => out.set(row, t * V));
  return out;
}

export function crosscheck(model: Model, modelDir: string, design: RtlDesign, tokens: readonly number[], opts: CrosscheckOptions): CrosscheckResult {
  const plan = design.plan;
  const index = new Map(plan.layers.map((l, i) => [l.name, i]));
  const work = fs.mkdtempSync(path.join(cacheDir('crosscheck'), 'run-'));
  const layers = new Map<string, { calls: number; outputs: number; mismatches: number; outs: Float32Array[] }>();
  let calls = 0;
  let cycles = 0;
  let firstDiv: CrosscheckResult['first_diverging_layer'] = null;
  const failures: string[] = [];
  const total = allBitLinears(model.ir).length;
  const bar = progressBar('crosscheck: BitLinears on the RTL', total, 'calls', 1);
  try {
    const rtlRun = runSequence(model, tokens, {
      numerics: 'hw',
      bitlinear: (bl: BitLinearIR, x: Float32Array, rows: number) => {
        const li = index.get(bl.name);
        if (li === undefined) fail('XC002', bl.name, 'the design has no engine layer for this BitLinear', 'generate the design for the whole model (no --layer)');
        const law = applyBitLinear('hw', bl, model.tensors, x, rows);
        const n = bl.inFeatures;
        const out = bl.outFeatures;
        const file = path.join(work, `call-${calls}.bin`);
        const dump = path.join(work, `call-${calls}.out`);
        writeVectorFile(file, Array.from({ length: rows }, (_, t) => ({ layer: li, x: x.subarray(t * n, (t + 1) * n), y: law.subarray(t * out, (t + 1) * out) })));
        const h = runHarness(design, file, { seed: opts.seed + calls, inStall: opts.inStall ?? 20, outStall: opts.outStall ?? 20, report: 1, dump, ...(opts.rtlDir ? { rtlDir: opts.rtlDir } : {}) });
        if (h.error) failures.push(`${bl.name}: ${h.error}`);
        cycles += h.cycles;
        const raw = fs.existsSync(dump) ? fs.readFileSync(dump) : Buffer.alloc(0);
        if (raw.length !== rows * out * 4) fail('XC005', bl.name, `the RTL produced ${raw.length / 4} of ${rows * out} outputs`, 'run `bitnet-hw verify` on this RTL to find where it stops');
        const got = new Float32Array(rows * out);
        new Uint8Array(got.buffer).set(raw);
        const entry = layers.get(bl.name) ?? { calls: 0, outputs: 0, mismatches: 0, outs: [] };
        const gotBits = new Uint32Array(got.buffer);
        const lawBits = new Uint32Array(law.buffer, law.byteOffset, law.length);
        for (let i = 0; i < gotBits.length; i++) {
          if (gotBits[i] !== lawBits[i]) {
            entry.mismatches++;
            if (!firstDiv) firstDiv = { layer: bl.name, call: calls, position: Math.floor(i / out), row: i % out, got: hex(got[i]!), want: hex(law[i]!) };
          }
        }
        entry.calls++;
        entry.outputs += got.length;
        entry.outs.push(got);
        layers.set(bl.name, entry);
        calls++;
        bar.update(calls);
        return got;
      },
    });
    const V = rtlRun.vocab;
    // The reference run, capturing its own BitLinear outputs (float and hw) for the per-layer view.
    const refOuts = new Map<string, Float32Array[]>();
    let refLogits: Float32Array;
    if (opts.against === 'torch') refLogits = torchLogits(modelDir, tokens, V);
    else {
      const numerics = opts.against;
      refLogits = runSequence(model, tokens, {
        numerics,
        bitlinear: (bl, x, rows) => {
          const y = applyBitLinear(numerics, bl, model.tensors, x, rows);
          refOuts.set(bl.name, [...(refOuts.get(bl.name) ?? []), y]);
          return y;
        },
      }).logits;
    }
    let lo = Infinity;
    let hi = -Infinity;
    let maxDiff = 0;
    for (let i = 0; i < refLogits.length; i++) {
      lo = Math.min(lo, refLogits[i]!);
      hi = Math.max(hi, refLogits[i]!);
      maxDiff = Math.max(maxDiff, Math.abs(refLogits[i]! - rtlRun.logits[i]!));
    }
    let agree = 0;
    for (let t = 0; t < tokens.length; t++) if (argmax(refLogits.subarray(t * V, (t + 1) * V)) === rtlRun.argmax[t]) agree++;
    const perLayer: CrosscheckLayer[] = [...layers.entries()].map(([name, e]) => {
      const ref = refOuts.get(name);
      let rel: number | null = null;
      if (ref) {
        let d = 0;
        let rlo = Infinity;
        let rhi = -Infinity;
        e.outs.forEach((o, c) => o.forEach((v, i) => {
          const w = ref[c]![i]!;
          rlo = Math.min(rlo, w);
          rhi = Math.max(rhi, w);
          d = Math.max(d, Math.abs(v - w));
        }));
        rel = rhi > rlo ? d / (rhi - rlo) : d;
      }
      return { name, calls: e.calls, outputs: e.outputs, mismatches_vs_law: e.mismatches, max_diff_over_range_vs_reference: rel };
    });
    const exact = firstDiv === null && failures.length === 0;
    if (!exact && firstDiv) failures.push(`the RTL differs from the hw law first in ${(firstDiv as { layer: string }).layer}`);
    if (opts.against === 'hw' && maxDiff !== 0) failures.push(`logits differ from the hw reference by up to ${maxDiff}`);
    const range = hi - lo;
    return {
      passed: failures.length === 0,
      against: opts.against,
      tokens: [...tokens],
      rtl: opts.rtlDir ?? 'generated',
      seed: opts.seed,
      bitlinear_calls: calls,
      rtl_cycles: cycles,
      exact,
      first_diverging_layer: firstDiv,
      max_abs_logit_diff: maxDiff,
      reference_logit_range: range,
      max_abs_logit_diff_over_range: range > 0 ? maxDiff / range : maxDiff,
      argmax_agreement: agree / tokens.length,
      positions: tokens.length,
      per_layer: perLayer,
      failures,
    };
  } finally {
    bar.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
