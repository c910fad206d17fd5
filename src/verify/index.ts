/**
 * `bitnet-hw verify`: run a design's RTL (freshly generated, or exactly the files of a `--rtl`
 * folder) on the model's real layers, with activations captured from the reference plus worst
 * cases, through Verilator (C++ harness) or Icarus (cocotb bench) under seeded random stalls and
 * back-pressure, and compare every output bit for bit. Also records the isolated per-layer token
 * latency in cycles (no stalls, one token in flight) for the cycle-level simulator to match.
 *
 * Guarantees: `passed` is true only if every requested vector ran, none mismatched, the RTL raised
 * no error flag and the run completed; otherwise `failures` says which check failed. A failure
 * names its first mismatches (layer, token, row, tile, lane, cycle, got/want) and can write a
 * waveform (FST on Verilator, VCD on Icarus) of the window from that token's first input beat
 * to the mismatch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import { generateRtl, type RtlDesign } from '../codegen/verilog.js';
import type { EnginePlan } from '../ir/engine-plan.js';
import type { Model } from '../ir/types.js';
import { BitnetError, fail } from '../util/diagnostics.js';
import { bitsToF32 } from '../util/float.js';
import { dropTemp, keepTemp, tempSibling } from '../util/fsout.js';
import { runCocotb, type Sim } from './cocotb.js';
import { rtlFiles } from './rtlfiles.js';
import { cacheDir } from './tools.js';
import { vectorFileBytes, writeVectorsForPlan } from './vectors.js';
import { runHarness, type HarnessResult } from './verilator.js';

export interface VerifyOptions {
  readonly sim: Sim;
  readonly vectors: number;
  readonly seed: number;
  readonly inStall: number;
  readonly outStall: number;
  readonly rtlDir?: string;
  readonly layer?: string;
  /** Run only this token of the vector set (a rerun of one failure). */
  readonly token?: number;
  /** Write a waveform around the first mismatch to this file. */
  readonly trace?: string;
}

export interface MismatchReport {
  readonly layer: string;
  readonly layer_id: number;
  readonly token: number;
  readonly output_row: number;
  readonly tile: number;
  readonly lane: number;
  readonly cycle: number;
  readonly token_start_cycle: number;
  readonly got_hex: string;
  readonly want_hex: string;
  readonly got: number;
  readonly want: number;
  readonly last_got: boolean;
  readonly last_want: boolean;
}

export interface VerifyResult {
  readonly passed: boolean;
  readonly failures: readonly string[];
  readonly vectors: number;
  readonly vectors_requested: number;
  readonly mismatches: number;
  readonly cycles: number;
  readonly sim: Sim;
  readonly seed: number;
  readonly stalls: { readonly input_percent: number; readonly output_percent: number };
  readonly configHash: string;
  /** "generated" or the `--rtl` folder that was simulated. */
  readonly rtl: string;
  readonly first_token: number;
  readonly per_layer: readonly { id: number; name: string; n: number; out: number; latency_cycles: number; mismatches: number }[];
  readonly first_mismatches: readonly MismatchReport[];
  /** The waveform written (or null: none asked for, or nothing failed). */
  readonly trace: string | null;
}

/** The vector file for (design, seed, count) in the cache; a truncated or corrupt one is rebuilt. */
function ensureVectors(model: Model, plan: EnginePlan, configHash: string, count: number, seed: number, tag: string): string {
  const file = path.join(cacheDir('vectors'), `${configHash}-${tag}-${seed}-${count}.bin`);
  const want = vectorFileBytes(plan, count);
  let ok = false;
  try {
    const st = fs.statSync(file);
    if (st.isFile() && st.size === want) {
      const fd = fs.openSync(file, 'r');
      const magic = Buffer.alloc(8);
      fs.readSync(fd, magic, 0, 8, 0);
      fs.closeSync(fd);
      ok = magic.toString('ascii') === 'BNHWVEC1';
    }
  } catch {
    ok = false;
  }
  if (ok) return file;
  const tmp = tempSibling(file);
  try {
    writeVectorsForPlan(model, plan, count, seed, tmp);
    fs.renameSync(tmp, file);
    keepTemp(tmp);
  } catch (e) {
    dropTemp(tmp);
    throw e;
  }
  return file;
}

interface SimRun extends HarnessResult {
  readonly trace?: string;
}

function runOn(design: RtlDesign, sim: Sim, vecFile: string, o: { seed: number; inStall: number; outStall: number; serial?: boolean; firstToken?: number; maxTokens?: number; progress?: boolean; rtlDir?: string; vcd?: { file: string; fromNs: number; toNs: number }; fst?: { file: string; from: number; to: number } }): SimRun {
  if (sim === 'verilator') {
    return runHarness(design, vecFile, {
      seed: o.seed, inStall: o.inStall, outStall: o.outStall,
      ...(o.serial ? { serial: true } : {}),
      ...(o.firstToken ? { firstToken: o.firstToken } : {}),
      ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
      ...(o.progress && o.maxTokens !== undefined ? { progressTotal: o.maxTokens } : {}),
      ...(o.rtlDir ? { rtlDir: o.rtlDir } : {}),
      ...(o.fst ? { trace: o.fst } : {}),
    });
  }
  const r = runCocotb(design, 'engine', 'icarus', {
    BNHW_VECTORS: vecFile,
    BNHW_SEED: String(o.seed),
    BNHW_IN_STALL: String(o.inStall),
    BNHW_OUT_STALL: String(o.outStall),
    BNHW_SERIAL: o.serial ? '1' : '0',
    BNHW_FIRST_TOKEN: String(o.firstToken ?? 0),
    ...(o.maxTokens !== undefined ? { BNHW_MAX_TOKENS: String(o.maxTokens) } : {}),
  }, { ...(o.rtlDir ? { rtlDir: o.rtlDir } : {}), ...(o.vcd ? { vcd: o.vcd } : {}) });
  const doc = r.result as HarnessResult | null;
  if (!doc) fail('VER012', 'icarus', `the cocotb engine bench did not finish:\n${r.log.slice(-3000)}`, 'check `npm run setup` installed iverilog and cocotb');
  return doc;
}

/**
 * A `--rtl` folder that does not build or simulate is a failed check of that RTL (exit 1), not bad
 * input: the folder is the thing under test.
 */
function runChecked(design: RtlDesign, sim: Sim, vecFile: string, o: Parameters<typeof runOn>[3]): SimRun {
  try {
    return runOn(design, sim, vecFile, o);
  } catch (e) {
    if (o.rtlDir && e instanceof BitnetError && ['VER001', 'COC001', 'VER012'].includes(e.code)) {
      const why = e.code === 'VER001' ? 'the RTL folder does not build' : 'the RTL folder did not simulate to completion';
      return { vectors: 0, mismatches: 0, cycles: 0, c_error: 0, first_mismatches: [], per_layer_mismatches: [], tokens: [], error: `${why}: ${e.diagnostics[0]!.message.split('\n').slice(0, 12).join('\n')}` };
    }
    throw e;
  }
}

export function verifyModel(model: Model, arch: ArchSpec, opts: VerifyOptions): VerifyResult {
  const design = generateRtl(model, arch, opts.layer);
  const plan = design.plan;
  // Fail fast on a bad --rtl folder, before any vectors are computed.
  rtlFiles(design, opts.rtlDir);
  if (opts.token !== undefined && opts.token >= opts.vectors) {
    fail('VER014', '--token', `token ${opts.token} is not in a set of ${opts.vectors} vectors`, `pass --token below --vectors (${opts.vectors})`, `0..${opts.vectors - 1}`);
  }
  const rtlDir = opts.rtlDir ? { rtlDir: opts.rtlDir } : {};
  const vecFile = ensureVectors(model, plan, design.manifest.configHash, opts.vectors, opts.seed, 'run');
  // Isolated latency: one token per layer, no stalls, one token in flight.
  const latFile = ensureVectors(model, plan, design.manifest.configHash, plan.layers.length, opts.seed, 'latency');
  const lat = runChecked(design, opts.sim, latFile, { seed: 1, inStall: 0, outStall: 0, serial: true, ...rtlDir });
  const failures: string[] = [];
  if (lat.error) failures.push(`latency run: ${lat.error}`);
  if (lat.mismatches > 0) failures.push(`latency run: ${lat.mismatches} mismatching outputs`);
  const first = opts.token ?? 0;
  const requested = opts.token !== undefined ? 1 : opts.vectors;
  const main = runChecked(design, opts.sim, vecFile, { seed: opts.seed, inStall: opts.inStall, outStall: opts.outStall, firstToken: first, maxTokens: requested, progress: true, ...rtlDir });
  if (main.error) failures.push(main.error);
  if (main.mismatches > 0) failures.push(`${main.mismatches} mismatching outputs`);
  if (main.c_error) failures.push('the RTL raised c_error (a dequant constant left the normal binary32 range)');
  if (main.vectors !== requested) failures.push(`ran ${main.vectors} of ${requested} requested token vectors`);

  const reports: MismatchReport[] = main.first_mismatches.map((m) => ({
    layer: plan.layers[m.layer]?.name ?? `#${m.layer}`,
    layer_id: m.layer,
    token: m.token,
    output_row: m.row,
    tile: Math.floor(m.row / plan.P),
    lane: m.row % plan.P,
    cycle: m.cycle,
    token_start_cycle: m.token_start_cycle,
    got_hex: m.got,
    want_hex: m.want,
    // An X or Z on the output (4-state simulators) has no value.
    got: /^[0-9a-f]{8}$/.test(m.got) ? bitsToF32(parseInt(m.got, 16)) : NaN,
    want: bitsToF32(parseInt(m.want, 16)),
    last_got: m.last_got === 1,
    last_want: m.last_want === 1,
  }));

  let trace: string | null = null;
  const m0 = main.first_mismatches[0];
  if (opts.trace && m0) {
    // The run is deterministic (same vectors, seed and stalls): rerun up to the failing token.
    const from = Math.max(0, m0.token_start_cycle - 16);
    const to = m0.cycle + 16;
    const upTo = { seed: opts.seed, inStall: opts.inStall, outStall: opts.outStall, firstToken: first, maxTokens: m0.token - first + 1, ...rtlDir };
    if (opts.sim === 'verilator') runOn(design, 'verilator', vecFile, { ...upTo, fst: { file: opts.trace, from, to } });
    else runOn(design, 'icarus', vecFile, { ...upTo, vcd: { file: opts.trace, fromNs: (from + 3) * 10, toNs: (to + 4) * 10 } });
    trace = path.resolve(opts.trace);
  }
  const per = main.per_layer_mismatches;
  return {
    passed: failures.length === 0,
    failures,
    vectors: main.vectors,
    vectors_requested: requested,
    mismatches: main.mismatches,
    cycles: main.cycles,
    sim: opts.sim,
    seed: opts.seed,
    stalls: { input_percent: opts.inStall, output_percent: opts.outStall },
    configHash: design.manifest.configHash,
    rtl: opts.rtlDir ? path.resolve(opts.rtlDir) : 'generated',
    first_token: first,
    per_layer: plan.layers.map((l, i) => {
      const t = lat.tokens[i];
      return { id: l.index, name: l.name, n: l.n, out: l.out, latency_cycles: t ? t[2] - t[1] + 1 : -1, mismatches: per[i] ?? 0 };
    }),
    first_mismatches: reports,
    trace,
  };
}
