/**
 * Mutation check for the fp32 units' and the reduction lanes' verification (src/codegen/fpu.ts,
 * hw/cocotb/test_fpu.py, test_lanes.py): applies named mutations to the units generated for an
 * architecture (a dropped sticky bit, rounding that ties away, a biased exponent off by one, a
 * special case lost, an iteration short, a contract cycle late, a busy flag stuck, a partial sum
 * not bypassed or not cleared, a lane ready a cycle early, ...) and runs the unit's cocotb bench
 * on Icarus on each (edge pairs or sums plus seeded random ones). Every mutant must be killed: a mismatch, a result
 * off its contract cycle, or a build failure. Prints a table and exits 1 if any mutant survives.
 *
 * usage: node dist/scripts/mutate-fpu.js [random-pairs-per-unit]
 */
import { DEFAULT_MACHINE, loadArch, type ArchSpec } from '../src/ir/arch.js';
import { expSchedule } from '../src/ir/exp-pipeline.js';
import { generateFpUnits } from '../src/codegen/fpu.js';
import type { FpUnitOp } from '../src/numerics/model.js';
import { runFpBench } from '../src/verify/fpu.js';
import { runLaneBench } from '../src/verify/lanes.js';
import type { Lane } from '../src/verify/lane-vectors.js';
import { BitnetError } from '../src/util/diagnostics.js';
import type { Mutation, MutantResult } from './mutate-rtl.js';

export interface FpMutation extends Mutation {
  /** The unit whose bench must kill it: an fp unit, or a reduction lane. */
  readonly unit: FpUnitOp | Lane;
}

const ADD = 'bnhw_fadd.v';
const MUL = 'bnhw_fmul.v';
const DIV = 'bnhw_fdiv.v';
const SQRT = 'bnhw_fsqrt.v';
const EXP = 'bnhw_fexp.v';
const SUM = 'bnhw_fsum.v';
const DOT = 'bnhw_fdot.v';

/**
 * Written against the units of the `default` architecture (add 4, mul 3, div 28, sqrt 27 cycles, exp 63).
 * Left out as equivalent (no input tells them apart): a subnormal shift capped at 25 or more in
 * the multiplier (every product shifted that far rounds to zero either way) and ties-away rounding
 * in the square root (a binary32 square root is never exactly halfway between two floats); in the
 * exp, k's sign test (t is never above +0 for x <= 0), -0 for k = 0 (x - (-0) and x - (+0) give
 * the same r), an instance's valid ignoring one operand (its operands are valid in the same cycle
 * by construction) and the -104 cut moved anywhere above -87.3 (the flush gives +0 there too).
 */
export const FP_MUTATIONS: readonly FpMutation[] = [
  { unit: 'add', file: ADD, name: 'fadd: sticky bit of the aligned operand dropped', find: '{l_yal_w[26:1], l_yal_w[0] | l_ystk_w}', replace: '{l_yal_w[26:1], l_yal_w[0]}' },
  { unit: 'add', file: ADD, name: 'fadd: effective subtraction adds', find: "l_sub ? ({1'b0, l_x27} - {1'b0, l_y27})", replace: "l_sub ? ({1'b0, l_x27} + {1'b0, l_y27})" },
  { unit: 'add', file: ADD, name: 'fadd: rounding ties away from zero', find: 'c_n[2] & (c_n[1] | c_n[0] | c_n[3])', replace: 'c_n[2]' },
  { unit: 'add', file: ADD, name: 'fadd: normalization not stopped at exponent 1', find: "wire [26:0] l_stop_w = 27'd1 << l_sp_w;", replace: "wire [26:0] l_stop_w = 27'd1;" },
  { unit: 'add', file: ADD, name: 'fadd: leading-zero count takes the wrong half of a 4-bit node', find: "c3[3 * j +: 3] = v2[2 * j + 1] ? {1'b0, c2[4 * j + 2 +: 2]} : {1'b1, c2[4 * j +: 2]};", replace: "c3[3 * j +: 3] = v2[2 * j] ? {1'b0, c2[4 * j + 2 +: 2]} : {1'b1, c2[4 * j +: 2]};" },
  { unit: 'add', file: ADD, name: 'fadd: exact zero of two negatives is +0', find: "x_a[31] & x_b[31], a_nan_w", replace: "1'b0, a_nan_w" },
  { unit: 'add', file: ADD, name: 'fadd: inf - inf is not NaN', find: / \|\|\n\s*\(&x_a\[30:23\] && &x_b\[30:23\][^;]*;/, replace: ';' },
  { unit: 'add', file: ADD, name: 'fadd: an exponent difference of 32 to 63 not flagged far', find: "{|dab_w[7:5], dab_w[4:0]}", replace: "{|dab_w[7:6], dab_w[4:0]}" },
  { unit: 'add', file: ADD, name: 'fadd: a pipeline stage skipped by valid', find: "b_vr <= rst ? 1'b0 : l_v;", replace: "b_vr <= rst ? 1'b0 : x_v;" },
  { unit: 'add', file: ADD, name: 'fadd: carry out of rounding ignored', find: "wire [30:0] d_mag = {d_ef, c_n[25:3]} + {30'd0, d_inc};", replace: "wire [30:0] d_mag = {d_ef, c_n[25:3] + {22'd0, d_inc}};" },
  { unit: 'mul', file: MUL, name: 'fmul: sticky ignores the low product bits', find: 'c_st = (|c_m[22:0]) | c_st0', replace: 'c_st = c_st0' },
  { unit: 'mul', file: MUL, name: 'fmul: exponent bias off by one', find: "- 11'd127;", replace: "- 11'd126;" },
  { unit: 'mul', file: MUL, name: 'fmul: overflow does not saturate to infinity', find: '(d_inf || d_ovf)', replace: '(d_inf)' },
  { unit: 'mul', file: MUL, name: 'fmul: inf x 0 is not NaN', find: ' || (ai_w && bz_w) || (bi_w && az_w)', replace: '' },
  { unit: 'mul', file: MUL, name: 'fmul: subnormal shift capped at 23', find: "(a_pne > 11'd49) ? 6'd49", replace: "(a_pne > 11'd23) ? 6'd23" },
  { unit: 'mul', file: MUL, name: 'fmul: normalization not stopped by the exponent', find: "(a_less_w ? a_s_w : a_pe[5:0])", replace: 'a_s_w' },
  { unit: 'mul', file: MUL, name: 'fmul: the last normalizing bit never shifted', find: 'wire        b_one_w = a_more && !b_p1_w[47];', replace: "wire        b_one_w = 1'b0;" },
  { unit: 'mul', file: MUL, name: "fmul: the exponent not lowered by the last normalizing bit", find: 'b_er_w = b_one_w ? a_e0 : a_e1;', replace: 'b_er_w = a_e1;' },
  { unit: 'mul', file: MUL, name: 'fmul: signed zero loses its sign', find: "d_zero ? {d_sign, 31'd0}", replace: "d_zero ? 32'd0" },
  { unit: 'mul', file: MUL, name: 'fmul: rounding ties away from zero', find: 'd_m[0] & (d_st | d_m[1])', replace: 'd_m[0]' },
  { unit: 'mul', file: MUL, name: 'fmul: middle partial products one bit off', find: "{6'd0, a_mid_w, 17'd0}", replace: "{7'd0, a_mid_w, 16'd0}" },
  { unit: 'mul', file: MUL, name: 'fmul: carry of the middle partial sum dropped', find: "{6'd0, a_mid_w, 17'd0}", replace: "{7'd0, a_mid_w[23:0], 17'd0}" },
  { unit: 'div', file: DIV, name: 'fdiv: remainder left out of the sticky bit', find: " | (r != 26'd0)", replace: '' },
  { unit: 'div', file: DIV, name: 'fdiv: quotient pre-shift left out of the exponent', find: "er <= er - 11'd1;", replace: 'er <= er;' },
  { unit: 'div', file: DIV, name: 'fdiv: dividend below the divisor not pre-shifted', find: "r <= {r[24:0], 1'b0};", replace: 'r <= r;' },
  { unit: 'div', file: DIV, name: 'fdiv: one iteration short', find: "cnt <= 5'd26) begin", replace: "cnt <= 5'd25) begin" },
  { unit: 'div', file: DIV, name: 'fdiv: x / 0 is not infinity', find: 'inf <= ai_w || bz_w;', replace: 'inf <= ai_w;' },
  { unit: 'div', file: DIV, name: 'fdiv: busy stuck low', find: "assign busy = (cnt != 5'd0);", replace: "assign busy = 1'b0;" },
  { unit: 'div', file: DIV, name: 'fdiv: result valid a cycle late', find: "cnt == 5'd27) begin", replace: "cnt == 5'd28) begin" },
  { unit: 'div', file: DIV, name: 'fdiv: subnormal operands not normalized', find: 'wire [23:0] na_w = ma_w << lza_w;', replace: 'wire [23:0] na_w = ma_w;' },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: odd exponent not moved into the radicand', find: "s_w[0] ? {na_w, 1'b0} : {1'b0, na_w}", replace: "{1'b0, na_w}" },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: remainder left out of the sticky bit', find: "st = (rem != 28'd0);", replace: "st = 1'b0;" },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: negative operand is not NaN', find: ' || (x_a[31] && !az_w)', replace: '' },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: -0 loses its sign', find: "zero ? {sign, 31'd0}", replace: "zero ? 32'd0" },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: trial subtrahend without its low one', find: "trial = {1'b0, root_n, 2'b01};", replace: "trial = {1'b0, root_n, 2'b00};" },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: rounding increment dropped', find: 'wire        inc = root[0] & (st | root[1]);', replace: "wire        inc = 1'b0;" },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: issue accepted while busy', find: "if (cnt == 5'd0 && x_v) begin", replace: 'if (x_v) begin' },
  { unit: 'exp', file: EXP, name: 'fexp: k = floor(t + 1/2) rounds a half away', find: 'kr_fx[23] & (|kr_fx[22:0])', replace: 'kr_fx[23]' },
  { unit: 'exp', file: EXP, name: 'fexp: fixed-point shift of t off by one', find: "kr_e[3:0] + 4'd2", replace: "kr_e[3:0] + 4'd1" },
  { unit: 'exp', file: EXP, name: 'fexp: k as fp32 with its exponent off by one', find: "8'd134 - {5'd0, kf_lz}", replace: "8'd133 - {5'd0, kf_lz}" },
  { unit: 'exp', file: EXP, name: 'fexp: the x < -104 cut only for huge arguments', find: "(big_i0_y[30:0] > 31'h42d00000)", replace: "(big_i0_y[30:0] > 31'h7f000000)" },
  { unit: 'exp', file: EXP, name: 'fexp: a zero exponent not flushed to +0', find: " | (sc_e[7:0] == 8'd0)", replace: '' },
  { unit: 'exp', file: EXP, name: 'fexp: a negative exponent not flushed to +0', find: ' | sc_e[8] |', replace: ' |' },
  { unit: 'exp', file: EXP, name: 'fexp: Horner coefficient P[5] one ulp off', find: ".in_b(32'h3f000000)", replace: ".in_b(32'h3f000001)" },
  { unit: 'exp', file: EXP, name: 'fexp: k ln2_lo term left out', find: ".in_b(32'hb95e8083)", replace: ".in_b(32'h00000000)" },
  { unit: 'exp', file: EXP, name: 'fexp: x - k ln2_hi adds', find: 'r1_i1_y = {~khi_y[31], khi_y[30:0]}', replace: 'r1_i1_y = khi_y' },
  { unit: 'exp', file: EXP, name: 'fexp: a Horner step reads r from the wrong delay tap', find: 'wire [31:0] h2_i1_y = r_t7_y;', replace: 'wire [31:0] h2_i1_y = r_t14_y;' },
  { unit: 'exp', file: EXP, name: 'fexp: result a cycle early (scale step unregistered)', find: /assign out_v = y_v;\n {2}assign out_y = y_y;/, replace: 'assign out_v = y_i0_v & y_i1_v & y_i2_v;\n  assign out_y = sc_w;' },
  { unit: 'sum', file: SUM, name: 'fsum: a term\'s partial waits for its register (no bypass)', find: "wire        byps_n = r_v_n && r_tag_n == {1'b0, b_idx_n};", replace: "wire        byps_n = 1'b0;" },
  { unit: 'sum', file: SUM, name: 'fsum: partials not cleared between sums', find: 'if (rst || iss_s23) begin', replace: 'if (rst) begin' },
  { unit: 'sum', file: SUM, name: 'fsum: p1 + p3 instead of p2 + p3', find: '({32{(b_v && tb_p2) || sa_p2}} & p2)', replace: '({32{b_v && tb_p2}} & p2) | ({32{sa_p2}} & p1)' },
  { unit: 'sum', file: SUM, name: 'fsum: the final add a cycle late', find: "assign fin_n = (cc == 4'd8);", replace: "assign fin_n = (cc == 4'd9);" },
  { unit: 'sum', file: SUM, name: 'fsum: p0 + p1 leaves as a result', find: "assign out_v = r_v && r_tag == 3'd6;", replace: 'assign out_v = r_v && r_tag[2];' },
  { unit: 'sum', file: SUM, name: 'fsum: ready a cycle before its sum is out', find: "(take && in_last) ? 4'd12", replace: "(take && in_last) ? 4'd11" },
  { unit: 'sum', file: SUM, name: 'fsum: ready a cycle after its sum is out', find: "(take && in_last) ? 4'd12", replace: "(take && in_last) ? 4'd13" },
  { unit: 'sum', file: SUM, name: 'fsum: partial index not restarted by a new sum', find: "take ? (in_last ? 2'd0 : fidx + 2'd1) : fidx", replace: "take ? (fidx + 2'd1) : fidx" },
  { unit: 'sum', file: SUM, name: 'fsum: p0 + p1 kept from the wrong sum', find: "r_tag == 3'd4) s01 <= add_y;", replace: "r_tag == 3'd5) s01 <= add_y;" },
  { unit: 'dot', file: DOT, name: 'fdot: the last flag a cycle early beside the product', find: 'wire        b_last = mtag[8];', replace: 'wire        b_last = mtag[5];' },
  { unit: 'dot', file: DOT, name: 'fdot: the partial index of the next product', find: 'wire [1:0]  b_idx = mtag[7:6];', replace: 'wire [1:0]  b_idx = mtag[4:3];' },
  { unit: 'dot', file: DOT, name: 'fdot: in_ready ignores the closing sum', find: "wire        rdy_n = (fblk_n == 4'd0);", replace: "wire        rdy_n = 1'b1;" },
];

/**
 * The input registers of contracts with spare cycles (INPUT_REGISTER_MACHINE: mul 7, div 31,
 * sqrt 28), written against those units; the divider's second spare cycle splits its
 * normalization (the leading zeros counted, then shifted out), its third its rounding (the
 * subnormal shift, then the rounding), the multiplier's puts a register in
 * front of its multiplier blocks, the exp's rounds k in two cycles.
 */
export const INPUT_REGISTER_MACHINE = {
  fpMulLatency: 7,
  divCycles: 31,
  sqrtCycles: 28,
  // one spare exp cycle: k rounded in two
  expLatency: expSchedule(DEFAULT_MACHINE.fpAddLatency, 7).latency + 1,
} as const;
export const INPUT_REGISTER_MUTATIONS: readonly FpMutation[] = [
  { unit: 'div', file: DIV, name: 'fdiv: an operation offered while busy taken in', find: "x_v <= rst ? 1'b0 : (in_v && !busy);", replace: "x_v <= rst ? 1'b0 : in_v;" },
  { unit: 'div', file: DIV, name: 'fdiv: not busy in the cycle of the input register', find: "assign busy = (cnt != 5'd0) || x_v;", replace: "assign busy = (cnt != 5'd0);" },
  { unit: 'div', file: DIV, name: "fdiv split: the divisor's leading zeros not shifted out", find: 'd <= d << lzb;', replace: 'd <= d;' },
  { unit: 'div', file: DIV, name: 'fdiv split: the leading zeros left out of the exponent', find: "er <= (er - {6'd0, lza}) + {6'd0, lzb};", replace: 'er <= er;' },
  { unit: 'mul', file: MUL, name: "fmul split: the products' valid bit skips the blocks' register", find: "p_vr <= rst ? 1'b0 : un_v;", replace: "p_vr <= rst ? 1'b0 : x_v;" },
  { unit: 'mul', file: MUL, name: "fmul split: the blocks read the last operation's significands", find: 'un_r <= un_d;', replace: 'un_r <= {un_d[83:48], un_r[47:0]};' },
  { unit: 'exp', file: EXP, name: "fexp split round: k's valid bit skips the shift's register", find: "kmag_vr <= rst ? 1'b0 : kr_v;", replace: "kmag_vr <= rst ? 1'b0 : kmag_i0_v;" },
  { unit: 'exp', file: EXP, name: 'fexp split round: k rounded from |t| < 1/2 too', find: 'kr_en <= kr_en_w;', replace: "kr_en <= 1'b1;" },
  { unit: 'div', file: DIV, name: 'fdiv split round: the subnormal shift left out', find: '      m <= m_w[', replace: '      m <= qx[' },
  { unit: 'div', file: DIV, name: "fdiv split round: the sticky bit without the shifted-out bits", find: 'st <= st_w;', replace: "st <= (r != 26'd0);" },
  { unit: 'div', file: DIV, name: 'fdiv split round: shifted in the last iteration', find: /if \(cnt == 5'd28\) begin\n {6}m <= m_w\[/, replace: "if (cnt == 5'd27) begin\n      m <= m_w[" },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: an operation offered while busy taken in', find: "x_v <= rst ? 1'b0 : (in_v && !busy);", replace: "x_v <= rst ? 1'b0 : in_v;" },
  { unit: 'sqrt', file: SQRT, name: 'fsqrt: not busy in the cycle of the input register', find: "assign busy = (cnt != 5'd0) || x_v;", replace: "assign busy = (cnt != 5'd0);" },
];

/** Run every mutant's unit bench; a mutation that does not apply to the design is an error. */
export function runFpMutations(arch: ArchSpec, count: number, mutations: readonly FpMutation[] = FP_MUTATIONS): MutantResult[] {
  const design = generateFpUnits(arch);
  return mutations.map((m) => {
    const src = design.files.get(m.file);
    const out = src?.replace(m.find, m.replace);
    if (src === undefined || out === src) throw new Error(`mutation "${m.name}" does not apply to the ${arch.name} fp units`);
    const files = new Map(design.files);
    files.set(m.file, out!);
    try {
      if (m.unit === 'sum' || m.unit === 'dot') {
        const r = runLaneBench(arch, 'icarus', { terms: count * 5, seed: 17, stall: 30, lanes: [m.unit], files, failFast: true }, design);
        if (r.passed) return { name: m.name, killed: false, how: 'SURVIVED' };
        const u = r.lanes[m.unit];
        const how = u === undefined ? 'no result' : u.mismatches > 0 ? `${u.mismatches} mismatches in ${u.checked} sums` : `${u.checked} of ${u.reductions} sums checked`;
        return { name: m.name, killed: true, how };
      }
      const r = runFpBench(arch, 'icarus', { count, seed: 17, stall: 30, units: [m.unit], files, failFast: true }, design);
      if (r.passed) return { name: m.name, killed: false, how: 'SURVIVED' };
      const u = r.units[m.unit];
      const how = u === undefined ? 'no result' : u.mismatches > 0 ? `${u.mismatches} mismatches of ${u.checked}` : `${u.checked} of ${u.vectors} checked`;
      return { name: m.name, killed: true, how };
    } catch (e) {
      if (e instanceof BitnetError) return { name: m.name, killed: true, how: `build failed (${e.code})` };
      throw e;
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = loadArch('default');
  const results = [
    ...runFpMutations(base, Number(process.argv[2] ?? 1000)),
    ...runFpMutations({ ...base, name: 'input-registers', machine: { ...base.machine, ...INPUT_REGISTER_MACHINE } }, Number(process.argv[2] ?? 1000), INPUT_REGISTER_MUTATIONS),
  ];
  for (const r of results) console.log(`${r.killed ? 'killed  ' : 'SURVIVED'}  ${r.name.padEnd(52)} ${r.how}`);
  const survivors = results.filter((r) => !r.killed).length;
  console.log(`${results.length} mutants, ${results.length - survivors} killed, ${survivors} survived`);
  process.exitCode = survivors ? 1 : 0;
}
