/**
 * Mutation check for the RTL verification: applies seeded, named mutations to a generated design
 * (one per mutant: a tree adder turned into a subtractor, a dropped rounding increment, a narrowed
 * accumulator, an off-by-one clamp, a stuck valid, ...) and runs the verification on each mutant
 * (the Verilator harness on the model's real and worst-case vectors under stalls, plus the
 * isolated-latency run). Every mutant must be killed: a mismatch, a deadlock, a build failure or
 * a changed cycle count. Prints a table and exits 1 if any mutant survives.
 *
 * usage: node dist/scripts/mutate-rtl.js [model-dir] [vectors]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadArch } from '../src/ir/arch.js';
import { loadModel } from '../src/ir/load.js';
import { generateRtl, writeRtl } from '../src/codegen/verilog.js';
import { writeVectorsForPlan } from '../src/verify/vectors.js';
import { runHarness } from '../src/verify/verilator.js';
import { BitnetError } from '../src/util/diagnostics.js';
import { syntheticModelDir } from '../src/util/paths.js';
import { writeSyntheticCheckpoint } from '../src/ir/export/synthetic.js';

export interface Mutation {
  readonly name: string;
  readonly file: string;
  readonly find: string | RegExp;
  readonly replace: string;
}

export const MUTATIONS: readonly Mutation[] = [
  { name: 'tree adder becomes a subtractor (level 1, node 0)', file: 'bnhw_mac_array.v', find: /(wire \[\d+:0\] n1_0 = .*?) \+ /, replace: '$1 - ' },
  { name: 'tree adder becomes a subtractor (last level)', file: 'bnhw_mac_array.v', find: /(wire \[\d+:0\] n(\d+)_0 = [^;]*?) \+ ([^;]*;\n\s*wire \[\d+:0\] tsum)/, replace: '$1 - $3' },
  { name: 'negative-weight correction dropped', file: 'bnhw_mac_array.v', find: /(wire \[\d+:0\] tsum = [^;]*?) \+ [^;]*;/, replace: '$1;' },
  { name: 'zero weights not masked', file: 'bnhw_mac_array.v', find: 'wire [7:0] n0_3 = (a3 & {8{~w[6]}})', replace: 'wire [7:0] n0_3 = (a3 & {8{w[6]}})' },
  { name: 'accumulator narrowed by one bit', file: 'bnhw_mac_array.v', find: /wire \[(\d+):0\] sum_ext = \{\{(\d+)\{tsum/, replace: 'wire [$1:0] sum_ext = {{$2{1\'b0}}, {1{tsum' },
  { name: 'first-chunk flag takes the last flag', file: 'bnhw_mac_array.v', find: 'f1 <= in_first;', replace: 'f1 <= in_last;' },
  { name: 'input rounding increment dropped', file: 'bnhw_qelem.v', find: "+ {16'd0, up1}", replace: "+ {16'd0, 1'b0}" },
  { name: 'code rounding ties away instead of to even', file: 'bnhw_qelem.v', find: '(qa[0] || half_away)', replace: '(1\'b1 || half_away)' },
  { name: 'positive clamp off by one (126)', file: 'bnhw_qelem.v', find: "(qm > 10'd127) ? 8'd127", replace: "(qm > 10'd126) ? 8'd126" },
  { name: 'negative clamp off by one (-127)', file: 'bnhw_qelem.v', find: "(qm > 10'd128) ? 8'd128", replace: "(qm > 10'd127) ? 8'd127" },
  { name: 'absmax keeps the minimum', file: 'bnhw_quantizer.v', find: 'else if (s_data[30:0] > amax)', replace: 'else if (s_data[30:0] < amax)' },
  { name: 'eps clamp removed', file: 'bnhw_quantizer.v', find: '(amax < eps_r) ? eps_r : amax', replace: 'amax' },
  { name: 'A rounding increment dropped', file: 'bnhw_quantizer.v', find: "+ {16'd0, a_up}", replace: "+ {16'd0, 1'b0}" },
  { name: 'input ready stuck high', file: 'bnhw_quantizer.v', find: 'assign s_ready = (st == ST_LOAD);', replace: "assign s_ready = 1'b1;" },
  { name: 'output valid stuck high', file: 'bnhw_engine.v', find: 'm_valid <= s1_v;', replace: "m_valid <= 1'b1;" },
  { name: 'last flag on every row of the last tile', file: 'bnhw_engine.v', find: 's1_last <= rb_last_tile && (rb_j == rb_rows', replace: 's1_last <= rb_last_tile || (rb_j == rb_rows' },
  { name: 'chunk loop ends one early', file: 'bnhw_engine.v', find: /wire\s+issue_last\s+= \(k == lt_chunks\(cur\) - (\d+)'d1\);/, replace: "wire         issue_last  = (k == lt_chunks(cur) - $1'd2);" },
  { name: 'copy without waiting for the accumulators', file: 'bnhw_engine.v', find: "(cst == C_WAIT) && acc_ready && !rb_full", replace: "(cst == C_WAIT) && !rb_full" },
  { name: 'dequant constant loses its sticky bit', file: 'bnhw_cnorm.v', find: 'wire        up    = guard && (stick || m24[0]);', replace: 'wire        up    = guard && m24[0];' },
  { name: 'dequant constant exponent off by one', file: 'bnhw_cnorm.v', find: "- 12'sd165", replace: "- 12'sd164" },
  { name: 'output rounding ignores the guard bit', file: 'bnhw_f32mul.v', find: 'wire        up    = guard && (stick || m24[0]);', replace: "wire        up    = 1'b0 && guard && (stick || m24[0]);" },
  { name: 'output sign ignores the accumulator', file: 'bnhw_f32mul.v', find: '{neg ^ c[31], e_f[7:0], frac}', replace: '{c[31], e_f[7:0], frac}' },
  { name: 'zero output gets the wrong sign', file: 'bnhw_f32mul.v', find: "zero ? {c[31], 31'd0}", replace: "zero ? {~c[31], 31'd0}" },
  { name: 'weight-group walk off by one', file: 'bnhw_engine.v', find: /if \(d_off == rb_rpg - (\d+)'d1\)/, replace: "if (d_off == rb_rpg - $1'd2)" },
  { name: 'divider sets a 0 quotient bit on subtract', file: 'bnhw_divu_r.v', find: "qreg      <= {qreg[38:0], 1'b1};", replace: "qreg      <= {qreg[38:0], 1'b0};" },
];

export interface MutantResult {
  readonly name: string;
  readonly killed: boolean;
  readonly how: string;
}

export interface MutationTarget {
  readonly modelDir: string;
  readonly arch: string;
}

interface PreparedTarget {
  readonly design: ReturnType<typeof generateRtl>;
  readonly clean: string;
  readonly vec: string;
  readonly lat: string;
  readonly baseLatency: readonly [number, number, number][];
}

function prepare(t: MutationTarget, work: string, idx: number, vectors: number): PreparedTarget {
  const model = loadModel(t.modelDir);
  const design = generateRtl(model, loadArch(t.arch));
  const vec = path.join(work, `vectors-${idx}.bin`);
  const lat = path.join(work, `latency-${idx}.bin`);
  writeVectorsForPlan(model, design.plan, vectors, 11, vec);
  writeVectorsForPlan(model, design.plan, design.plan.layers.length, 11, lat);
  const clean = path.join(work, `clean-${idx}`);
  writeRtl(design, clean);
  const base = runHarness(design, lat, { seed: 1, inStall: 0, outStall: 0, serial: true, rtlDir: clean });
  const baseRun = runHarness(design, vec, { seed: 5, inStall: 20, outStall: 20, rtlDir: clean });
  if (base.mismatches || baseRun.mismatches) throw new Error(`the unmutated design for ${t.modelDir} fails its own verification`);
  return { design, clean, vec, lat, baseLatency: base.tokens };
}

function tryMutant(p: PreparedTarget, m: Mutation, dir: string): string | null {
  fs.cpSync(p.clean, dir, { recursive: true });
  const file = path.join(dir, m.file);
  const src = fs.readFileSync(file, 'utf8');
  const out = src.replace(m.find, m.replace);
  if (out === src) return null; // does not apply to this design
  fs.writeFileSync(file, out);
  try {
    const r = runHarness(p.design, p.vec, { seed: 5, inStall: 20, outStall: 20, rtlDir: dir });
    if (r.error) return r.error.split(':')[0]!;
    if (r.mismatches > 0) return `${r.mismatches} mismatches`;
    if (r.c_error) return 'c_error raised';
    const l = runHarness(p.design, p.lat, { seed: 1, inStall: 0, outStall: 0, serial: true, rtlDir: dir });
    if (l.error) return `${l.error.split(':')[0]!} (latency run)`;
    if (l.mismatches > 0) return `${l.mismatches} mismatches (latency run)`;
    const changed = l.tokens.findIndex((t, j) => t[2] - t[1] !== p.baseLatency[j]![2] - p.baseLatency[j]![1]);
    if (changed >= 0) return `cycle count of layer ${changed} changed`;
    return '';
  } catch (e) {
    if (e instanceof BitnetError) return e.code === 'VER001' ? 'build failed' : `no result (${e.code})`;
    throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A mutant is killed when any target's verification fails on it. */
export function runMutations(targets: readonly MutationTarget[], vectors: number): MutantResult[] {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-mut-'));
  try {
    const prepared = targets.map((t, i) => prepare(t, work, i, vectors));
    return MUTATIONS.map((m, i) => {
      let applied = false;
      for (const [ti, p] of prepared.entries()) {
        const how = tryMutant(p, m, path.join(work, `mutant-${i}-${ti}`));
        if (how === null) continue;
        applied = true;
        if (how !== '') return { name: m.name, killed: true, how: `${how} (${targets[ti]!.arch})` };
      }
      if (!applied) throw new Error(`mutation "${m.name}" applies to no design`);
      return { name: m.name, killed: false, how: 'SURVIVED' };
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The default (ternary, 127-scaled) model, and a paper-style binary model with 128 scaling and
  // weight groups, so that clamps and group walks only the second exercises are covered too.
  const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-mut-bin-'));
  writeSyntheticCheckpoint(binDir, { format: 'paper-binary', hidden: 64, layers: 1, heads: 4, kvHeads: 2, ffnHidden: 96, vocab: 64, groups: 2, seed: 3 });
  const results = runMutations(
    [
      { modelDir: process.argv[2] ?? syntheticModelDir(), arch: 'tiny' },
      { modelDir: binDir, arch: 'tiny-binary' },
    ],
    Number(process.argv[3] ?? 400),
  );
  fs.rmSync(binDir, { recursive: true, force: true });
  for (const r of results) console.log(`${r.killed ? 'killed  ' : 'SURVIVED'}  ${r.name.padEnd(50)} ${r.how}`);
  const survivors = results.filter((r) => !r.killed).length;
  console.log(`${results.length} mutants, ${results.length - survivors} killed, ${survivors} survived`);
  process.exitCode = survivors ? 1 : 0;
}
