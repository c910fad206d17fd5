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
import { loadArch, type ArchSpec } from '../src/ir/arch.js';
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
  // MAC array
  { name: 'tree adder becomes a subtractor (level 1, node 0)', file: 'bnhw_mac_array.v', find: /(wire \[\d+:0\] n1_0 = .*?) \+ /, replace: '$1 - ' },
  { name: 'tree adder becomes a subtractor (last level)', file: 'bnhw_mac_array.v', find: /(wire \[\d+:0\] n(\d+)_0 = [^;]*?) \+ ([^;]*;\n\s*wire \[\d+:0\] tsum)/, replace: '$1 - $3' },
  { name: 'negative-weight correction dropped', file: 'bnhw_mac_array.v', find: /(wire \[\d+:0\] tsum = [^;]*?) \+ [^;]*;/, replace: '$1;' },
  { name: 'zero weights not masked', file: 'bnhw_mac_array.v', find: 'wire [7:0] n0_3 = (a3 & {8{~w[6]}})', replace: 'wire [7:0] n0_3 = (a3 & {8{w[6]}})' },
  { name: 'accumulator narrowed by one bit', file: 'bnhw_mac_array.v', find: /wire \[(\d+):0\] sum_ext = \{\{(\d+)\{tsum/, replace: 'wire [$1:0] sum_ext = {{$2{1\'b0}}, {1{tsum' },
  { name: 'first-chunk flag takes the last flag', file: 'bnhw_mac_array.v', find: 'f1 <= in_first;', replace: 'f1 <= in_last;' },
  { name: 'accumulator adds one', file: 'bnhw_mac_array.v', find: 'acc + sum_q;', replace: 'acc + sum_q + 1;' },
  // element quantizer
  { name: 'a partial product dropped', file: 'bnhw_qelem.v', find: "b_mid <= {1'b0, a_hl} + {1'b0, a_lh};", replace: "b_mid <= {1'b0, a_lh} + 25'd0;" },
  { name: 'fp32 product rounding increment dropped', file: 'bnhw_qelem.v', find: "d_m <= {1'b0, d_m0} + {24'd0, d_up};", replace: "d_m <= {1'b0, d_m0} + 25'd0;" },
  { name: 'fp32 product rounding ignores the sticky bits', file: 'bnhw_qelem.v', find: 'd_guard && (d_stick || d_m0[0])', replace: 'd_guard && d_m0[0]' },
  { name: 'integer shift off by one', file: 'bnhw_qelem.v', find: "10'd277", replace: "10'd276" },
  { name: 'code rounding ties away instead of to even', file: 'bnhw_qelem.v', find: '(e_stick || e_ha || e_ip9[0])', replace: "(1'b1)" },
  { name: 'positive clamp off by one (126)', file: 'bnhw_qelem.v', find: "(f_mag > 10'd127) ? 8'd127", replace: "(f_mag > 10'd126) ? 8'd126" },
  { name: 'negative clamp off by one (-127)', file: 'bnhw_qelem.v', find: "(f_mag > 10'd128) ? 8'd128", replace: "(f_mag > 10'd127) ? 8'd127" },
  { name: 'padding elements not zeroed', file: 'bnhw_qelem.v', find: "a_zero <= in_pad || (in_x[30:23] == 8'd0);", replace: "a_zero <= (in_x[30:23] == 8'd0);" },
  { name: 'code sign ignored', file: 'bnhw_qelem.v', find: "f_sign ? (8'd0 - f_neg) : f_pos", replace: 'f_pos' },
  // divider and scaler
  { name: 'divider drops every quotient bit', file: 'bnhw_div.v', find: 'q <= {q[30:0], bit_one};', replace: "q <= {q[30:0], 1'b0};" },
  { name: 'divider never reports the pre-shift', file: 'bnhw_div.v', find: 'shifted <= (a < b);', replace: "shifted <= 1'b0;" },
  { name: 'eps clamp removed', file: 'bnhw_engine.v', find: 'if (sc_amax < eps_cur) sc_amax <= eps_cur;', replace: '' },
  { name: 'scale rounding increment dropped', file: 'bnhw_engine.v', find: 's_up    = div_q[0] && (div_sticky || div_q[1]);', replace: "s_up    = 1'b0;" },
  { name: 'constant exponent ignores the pre-shift', file: 'bnhw_engine.v', find: "- {11'd0, div_shifted};", replace: "- {11'd0, 1'b0};" },
  { name: 'absmax keeps the minimum', file: 'bnhw_engine.v', find: '(x_mag > lamax) ? x_mag : lamax', replace: '(x_mag < lamax) ? x_mag : lamax' },
  { name: 'input ready stuck high', file: 'bnhw_engine.v', find: "assign s_ready = lbusy ? !(l_last && sd_v) : (xused != 2'd3);", replace: "assign s_ready = 1'b1;" },
  { name: 'activations written to the wrong slot', file: 'bnhw_engine.v', find: 'lbusy ? lslot : lwr', replace: 'lbusy ? lwr : lwr' },
  // issuer, drain, output
  { name: 'chunk loop ends one early', file: 'bnhw_engine.v', find: /wire\s+is_klast = \(is_k == is_cm1\);/, replace: "wire        is_klast = (is_k + 1'b1 == is_cm1);" },
  { name: 'last tile one row short', file: 'bnhw_engine.v', find: /is_rleft\[(\d+):0\] - (\d+)'d1;/, replace: "is_rleft[$1:0] - $2'd2;" },
  { name: 'weight-group walk off by one', file: 'bnhw_engine.v', find: 'if (dr_off == dr_rpgm1) begin', replace: "if (dr_off + 1'b1 == dr_rpgm1) begin" },
  { name: 'result slot never returned', file: 'bnhw_engine.v', find: 'assign r_rel = dr_rowlast;', replace: "assign r_rel = 1'b0;" },
  { name: 'output valid stuck high', file: 'bnhw_engine.v', find: /assign m_valid = \(f_count != \d+'d0\);/, replace: "assign m_valid = 1'b1;" },
  { name: 'last flag on every row of the last tile', file: 'bnhw_engine.v', find: '.in_tag(dr_tlast && (dr_j == dr_rm1))', replace: '.in_tag(dr_tlast)' },
  // dequantizer
  { name: 'output rounding increment dropped', file: 'bnhw_dq.v', find: 'g_up    = r_guard && (r_stick || r_f0[0]);', replace: "g_up    = 1'b0;" },
  { name: 'output sign ignored', file: 'bnhw_dq.v', find: '{g_neg, g_expr[7:0], g_frac}', replace: "{1'b0, g_expr[7:0], g_frac}" },
  { name: 'output exponent off by one', file: 'bnhw_dq.v', find: "13'd178", replace: "13'd179" },
  { name: 'leading-zero count off by one', file: 'bnhw_dq.v', find: "b_lz_w = 5'd20 - i[4:0];", replace: "b_lz_w = 5'd19 - i[4:0];" },
  { name: 'a product term dropped', file: 'bnhw_dq.v', find: "e_mid <= {12'd0, d_hl} + {1'b0, d_lh};", replace: "e_mid <= {1'b0, d_lh};" },
  // memories and the base-3 decoder
  { name: 'weight bank outputs swapped', file: 'bnhw_wmem.v', find: 'o0 <= r0;', replace: 'o0 <= r1;' },
  { name: 'bank select stuck', file: 'bnhw_wmem.v', find: 's1 <= s0;', replace: 's1 <= s1;' },
  { name: 'base-3 decoder: five zero weights read as a +1', file: 'bnhw_b3dec.v', find: "8'd121: dec5 = 10'b0101010101;", replace: "8'd121: dec5 = 10'b0101010110;" },
];

/** A base-3 variant of tiny, so the decoder's mutants have a design to apply to. */
export const BASE3_ARCH = 'tiny-base3';

export interface MutantResult {
  readonly name: string;
  readonly killed: boolean;
  readonly how: string;
}

export interface MutationTarget {
  readonly modelDir: string;
  /** A preset name, an architecture file, or a spec. */
  readonly arch: string | ArchSpec;
}

/** Binary weights with inputs that do not fill the last chunk: padding codes meet -1 weights. */
export const ODD_BINARY_ARCH: ArchSpec = { kind: 'arch', name: 'odd-binary', lanes: 3, simd: 5, weightKind: 'binary', actBits: 8, treePipeline: 1, weightMemory: 'rom', clockMHz: 50 };

interface PreparedTarget {
  readonly design: ReturnType<typeof generateRtl>;
  readonly clean: string;
  readonly vec: string;
  readonly lat: string;
  readonly baseLatency: readonly [number, number, number][];
}

function prepare(t: MutationTarget, work: string, idx: number, vectors: number): PreparedTarget {
  const model = loadModel(t.modelDir);
  const design = generateRtl(model, typeof t.arch === 'string' ? loadArch(t.arch) : t.arch);
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
  if (!fs.existsSync(file)) {
    fs.rmSync(dir, { recursive: true, force: true });
    return null; // this design has no such module
  }
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
        if (how !== '') { const a = targets[ti]!.arch; return { name: m.name, killed: true, how: `${how} (${typeof a === 'string' ? a : a.name})` }; }
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
      { modelDir: process.argv[2] ?? syntheticModelDir(), arch: BASE3_ARCH },
      { modelDir: binDir, arch: ODD_BINARY_ARCH },
    ],
    Number(process.argv[3] ?? 400),
  );
  fs.rmSync(binDir, { recursive: true, force: true });
  for (const r of results) console.log(`${r.killed ? 'killed  ' : 'SURVIVED'}  ${r.name.padEnd(50)} ${r.how}`);
  const survivors = results.filter((r) => !r.killed).length;
  console.log(`${results.length} mutants, ${results.length - survivors} killed, ${survivors} survived`);
  process.exitCode = survivors ? 1 : 0;
}
