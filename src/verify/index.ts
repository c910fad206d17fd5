/**
 * `bitnet-hw verify`: generate (or take) the RTL of a model's BitLinear layers, run the real layers
 * with activations captured from the reference plus worst cases through an RTL simulator under
 * seeded random stalls and back-pressure, and compare every output bit-exactly. Also records the
 * isolated per-layer token latency in cycles (no stalls) for the cycle-level simulator to match.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import { generateRtl, type RtlDesign, type RtlManifest } from '../codegen/verilog.js';
import type { Model } from '../ir/types.js';
import { fail } from '../util/diagnostics.js';
import { runCocotb, type Sim } from './cocotb.js';
import { cacheDir } from './tools.js';
import { writeVectorsForPlan } from './vectors.js';
import { runHarness } from './verilator.js';

export interface VerifyOptions {
  readonly sim: Sim;
  readonly vectors: number;
  readonly seed: number;
  readonly inStall: number;
  readonly outStall: number;
  readonly rtlDir?: string;
  readonly layer?: string;
}

export interface VerifyResult {
  readonly vectors: number;
  readonly mismatches: number;
  readonly cycles: number;
  readonly sim: Sim;
  readonly seed: number;
  readonly stalls: { readonly input: number; readonly output: number };
  readonly configHash: string;
  readonly per_layer: readonly { id: number; name: string; n: number; out: number; latency_cycles: number }[];
}

function checkRtlDir(design: RtlDesign, dir: string): void {
  const mf = path.join(dir, 'manifest.json');
  if (!fs.existsSync(mf)) fail('VER010', dir, 'no manifest.json in the RTL folder', 'pass a folder written by `bitnet-hw gen`');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8')) as RtlManifest;
  if (m.configHash !== design.manifest.configHash) {
    fail('VER011', dir, `RTL was generated for another model, architecture or generator (config ${m.configHash}, expected ${design.manifest.configHash})`, 'regenerate it with `bitnet-hw gen` for this model and --arch', design.manifest.configHash);
  }
}

export function verifyModel(model: Model, arch: ArchSpec, opts: VerifyOptions): VerifyResult {
  const design = generateRtl(model, arch, opts.layer);
  if (opts.rtlDir) checkRtlDir(design, opts.rtlDir);
  const dir = cacheDir('vectors');
  const vecFile = path.join(dir, `${design.manifest.configHash}-${opts.seed}-${opts.vectors}.bin`);
  if (!fs.existsSync(vecFile)) writeVectorsForPlan(model, design.plan, opts.vectors, opts.seed, vecFile + '.tmp'), fs.renameSync(vecFile + '.tmp', vecFile);
  // Isolated latency: one token per layer, no stalls, one token in flight.
  const latFile = path.join(dir, `${design.manifest.configHash}-latency.bin`);
  if (!fs.existsSync(latFile)) writeVectorsForPlan(model, design.plan, design.plan.layers.length, opts.seed, latFile);
  const lat = runHarness(design, latFile, { seed: 1, inStall: 0, outStall: 0, serial: true, ...(opts.rtlDir ? { rtlDir: opts.rtlDir } : {}) });
  const per_layer = design.plan.layers.map((l, i) => {
    const t = lat.tokens[i]!;
    return { id: l.index, name: l.name, n: l.n, out: l.out, latency_cycles: t[2] - t[1] + 1 };
  });
  let vectors: number;
  let mismatches: number;
  let cycles: number;
  if (opts.sim === 'verilator') {
    const r = runHarness(design, vecFile, { seed: opts.seed, inStall: opts.inStall, outStall: opts.outStall, ...(opts.rtlDir ? { rtlDir: opts.rtlDir } : {}) });
    vectors = r.vectors;
    mismatches = r.mismatches + (r.c_error ? 1 : 0);
    cycles = r.cycles;
  } else {
    const r = runCocotb(design, 'engine', 'icarus', {
      BNHW_VECTORS: vecFile,
      BNHW_SEED: String(opts.seed),
      BNHW_IN_STALL: String(opts.inStall),
      BNHW_OUT_STALL: String(opts.outStall),
    }, 'verify');
    const m = /checked (\d+) tokens in (\d+) cycles, (\d+) mismatches/.exec(r.log);
    if (!m) fail('VER012', 'icarus', `the cocotb engine bench did not finish:\n${r.log.slice(-3000)}`, 'check `npm run setup` installed iverilog and cocotb');
    vectors = Number(m[1]);
    cycles = Number(m[2]);
    mismatches = Number(m[3]);
  }
  return {
    vectors,
    mismatches,
    cycles,
    sim: opts.sim,
    seed: opts.seed,
    stalls: { input: opts.inStall, output: opts.outStall },
    configHash: design.manifest.configHash,
    per_layer,
  };
}
