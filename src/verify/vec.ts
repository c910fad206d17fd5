/**
 * The vector unit's bench: generate the unit and its memories for a program on an architecture,
 * write random instructions with their operands, the expected memory and the contract's cycles
 * (vec-vectors.ts), and run hw/cocotb/test_vec.py on Verilator or Icarus around bnhw_vec_tb (the
 * unit, the scratchpad and the parameter memory, with a host port that loads and reads lines while
 * the unit is idle; written here because its port widths are the unit's).
 *
 * Needs: a program and architecture (the benches build the units with their action counters).
 * Guarantees: a pass means every case's instruction finished (`done`) exactly on its contract
 * cycle, once, its action counters moved exactly by the simulator's counts (src/sim/unit-actions.ts),
 * and every word of the lines around its destination read back as the numerics say (the words it
 * must not write unchanged); the result names the
 * first mismatches (case, instruction, line, word, expected, got; or the cycles).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import { OPCODES, type Program } from '../ir/program.js';
import { unitContracts } from '../ir/units.js';
import { generateVector, type VectorDesign, type VectorPlan } from '../codegen/vec.js';
import { dropTemp, tempSibling } from '../util/fsout.js';
import { failFastEnv, runCocotbTop, type BenchFiles, type CocotbOptions, type Sim } from './cocotb.js';
import { cacheDir } from './tools.js';
import { sfuVectors, VEC_BENCH_OPS, vecVectors, writeVecVectors, type VecOp, type VecVectorSet } from './vec-vectors.js';
import { generateSfu, type SfuDesign } from '../codegen/sfu.js';
import { generateHead, type HeadDesign, type HeadPlan, type HeadTables } from '../codegen/head.js';
import { HEAD_BENCH_OPS, headVectors, randomHeadTables, type HeadOp } from './head-vectors.js';
import { generateAttention, kvLayerBits, type KvDesign, type KvPlan } from '../codegen/attn.js';
import { attnVectors } from './attn-vectors.js';

/** How any scratchpad unit's bench runs: on other files, stopping at the first difference, with a waveform window. */
export interface UnitBenchRun extends BenchFiles {
  readonly vcd?: CocotbOptions['vcd'];
}

export interface VecBenchOptions extends UnitBenchRun {
  /** Operands (elements or terms) per instruction kind. */
  readonly operands: number;
  readonly seed: number;
  readonly ops?: readonly VecOp[];
}

export interface VecBenchResult {
  readonly sim: Sim;
  readonly passed: boolean;
  readonly seed: number;
  readonly cases: number;
  readonly checked: number;
  readonly operands: Readonly<Record<string, number>>;
  readonly mismatches: number;
  readonly firstMismatches: readonly Record<string, unknown>[];
  readonly log: string;
}

interface BenchDoc {
  readonly cases: number;
  readonly checked: number;
  readonly mismatches: number;
  readonly first_mismatches: Record<string, unknown>[];
}

/** The unit a bench top holds. */
export type ScratchpadUnit = 'vec' | 'sfu' | 'head' | 'attn';

/**
 * The bench's top: the unit on the scratchpad (and, for the vector unit, the parameter memory),
 * a host line port, and the cycle counter and `done` log the bench checks the contract with.
 */
export function benchTop(unit: ScratchpadUnit, plan: VectorPlan, countBits: number, head?: HeadPlan, kv?: KvPlan): string {
  const { lanes: V, laneBits: LB, rowBits: RW } = plan;
  const CW = countBits;
  const SL = plan.spadAddrBits - LB;
  const PL = plan.paramAddrBits - LB;
  const HL = Math.max(SL, PL);
  const rep = (w: number, s: string): string => `{${V}{${s}[${w - 1}:0]}}`;
  const A = kv?.banks ?? 1;
  const EB = kv?.elementBits ?? 32;
  const KL = kv ? Math.max(kv.kAddrBits, kv.vAddrBits) : 1;
  const noKv = `  assign host_krdata = {${A * EB}{1'b0}};
  assign host_vrdata = {${A * EB}{1'b0}};
  assign act_exp = 48'd0;
  assign act_kvr = 48'd0;
  assign act_kvw = 48'd0;`;
  const none = `  assign token = 32'd0;
  assign token_none = 1'b0;
  assign act_mac = 48'd0;
  assign act_cmp = 48'd0;
${noKv}`;
  const kvInst = kv
    ? `  wire [${V * SL - 1}:0] sb_addr;
  wire [${32 * V - 1}:0] sb_rdata;
  wire [${V * SL - 1}:0] ka_addr;
  wire [${V * SL - 1}:0] at_addr;
  wire kv_done;
  wire at_done;
  wire [${A - 1}:0] kw_en;
  wire [${kv.kAddrBits - 1}:0] kw_addr;
  wire [${A * EB - 1}:0] kw_data;
  wire [${A - 1}:0] vw_en;
  wire [${kv.vAddrBits - 1}:0] vw_addr;
  wire [${A * EB - 1}:0] vw_data;
  wire [${kv.kAddrBits - 1}:0] kr_addr;
  wire [${A * EB - 1}:0] kr_q;
  wire [${kv.vAddrBits - 1}:0] vr_addr;
  wire [${A * EB - 1}:0] vr_q;
  // kvw (opcode ${OPCODES.kvw}) and attn (opcode ${OPCODES.attn}); the layer rides in issue_n
  wire is_kvw = issue_op == 8'd${OPCODES.kvw};
  reg  last_kvw;
  always @(posedge clk) if (issue) last_kvw <= is_kvw;
  bnhw_kvw u_kvw (.clk(clk), .rst(rst), .issue(issue && is_kvw), .issue_f0(issue_a[${CW - 1}:0]), .issue_f1(issue_b[${CW - 1}:0]), .issue_f2(issue_n[${kvLayerBits(kv) - 1}:0]), .rows(rows), .pos(pos[${CW - 1}:0]), .done(kv_done),
    .sa_addr(ka_addr), .sa_rdata(sa_rdata), .sb_addr(sb_addr), .sb_rdata(sb_rdata), .kw_en(kw_en), .kw_addr(kw_addr), .kw_data(kw_data), .vw_en(vw_en), .vw_addr(vw_addr), .vw_data(vw_data), .act_write(act_kvw));
  bnhw_attn u_attn (.clk(clk), .rst(rst), .issue(issue && !is_kvw), .issue_f0(issue_a[${CW - 1}:0]), .issue_f1(issue_dst[${CW - 1}:0]), .issue_f2(issue_n[${kvLayerBits(kv) - 1}:0]), .rows(rows), .pos(pos[${CW - 1}:0]), .done(at_done),
    .sr_addr(at_addr), .sr_rdata(sa_rdata), .sw_en(sw_en), .sw_addr(sw_addr), .sw_data(sw_data), .kr_addr(kr_addr), .kr_q(kr_q), .vr_addr(vr_addr), .vr_q(vr_q),
    .act_mac(act_mac), .act_mul(act_mul), .act_add(act_add), .act_exp(act_exp), .act_div(act_div), .act_cmp(act_cmp), .act_kv(act_kvr));
  assign done = kv_done || at_done;
  assign sa_addr = last_kvw ? ka_addr : at_addr;
  bnhw_kmem u_kmem (.clk(clk), .r_addr(busy ? kr_addr : host_kline[${kv.kAddrBits - 1}:0]), .r_q(kr_q), .w_en(busy ? kw_en : {${A}{host_kwe}}), .w_addr(busy ? kw_addr : host_kline[${kv.kAddrBits - 1}:0]), .w_data(busy ? kw_data : host_kvdata));
  bnhw_vmem u_vmem (.clk(clk), .r_addr(busy ? vr_addr : host_kline[${kv.vAddrBits - 1}:0]), .r_q(vr_q), .w_en(busy ? vw_en : {${A}{host_vwe}}), .w_addr(busy ? vw_addr : host_kline[${kv.vAddrBits - 1}:0]), .w_data(busy ? vw_data : host_kvdata));
  assign host_krdata = kr_q;
  assign host_vrdata = vr_q;
  assign act_sqrt = 48'd0;
  assign act_table = 48'd0;
  assign token = 32'd0;
  assign token_none = 1'b0;`
    : '';
  const TB = head?.tokenBits ?? 1;
  const unitInst =
    unit === 'attn'
      ? kvInst
      : unit === 'head'
      ? `  wire [${V * SL - 1}:0] sb_addr = {${V * SL}{1'b0}};
  wire [${32 * V - 1}:0] sb_rdata;
  // the run's tokens: host-written registers, read combinationally
  reg  [${TB - 1}:0] toks [0:${2 ** RW - 1}];
  always @(posedge clk) if (host_twe) toks[host_trow] <= host_tid[${TB - 1}:0];
  wire [${RW - 1}:0] tok_row;
  wire [${TB - 1}:0] tok_id = toks[tok_row];
  wire [${TB - 1}:0] token_id;
  // the image's first field: embed's dst, head's and argmax's src
  wire [31:0] f0 = issue_op == 8'd${OPCODES.embed} ? issue_dst : issue_a;
  bnhw_head u_head (.clk(clk), .rst(rst), .issue(issue), .issue_op(issue_op), .issue_f0(f0[${CW - 1}:0]), .issue_f1(issue_dst[${CW - 1}:0]), .issue_n(issue_n[${CW - 1}:0]), .rows(rows), .done(done),
    .tok_row(tok_row), .tok_id(tok_id), .token(token_id), .none(token_none),
    .sr_addr(sa_addr), .sr_rdata(sa_rdata), .sw_en(sw_en), .sw_addr(sw_addr), .sw_data(sw_data), .act_table(act_table), .act_mac(act_mac), .act_cmp(act_cmp));
  assign token = {${32 - TB}'d0, token_id};
  assign act_mul = 48'd0;
  assign act_add = 48'd0;
  assign act_div = 48'd0;
  assign act_sqrt = 48'd0;
${noKv}`
      : unit === 'vec'
      ? `  wire [${V * SL - 1}:0] sb_addr;
  wire [${32 * V - 1}:0] sb_rdata;
  wire [${V * PL - 1}:0] p_addr;
  wire [${32 * V - 1}:0] p_rdata;
${plan.rope ? `  wire [${CW - 1}:0] t_addr;
  wire [${32 * V - 1}:0] t_cos;
  wire [${32 * V - 1}:0] t_sin;
  bnhw_rope u_rope (.clk(clk), .addr(t_addr), .cos_q(t_cos), .sin_q(t_sin));
` : ''}  bnhw_vec u_vec (.clk(clk), .rst(rst), .issue(issue), .issue_op(issue_op), .issue_flags(issue_flags), .issue_dst(issue_dst[${CW - 1}:0]), .issue_a(issue_a[${CW - 1}:0]), .issue_b(issue_b[${CW - 1}:0]), .issue_n(issue_n[${CW - 1}:0]), .rows(rows),${plan.rope ? ` .pos(pos[${CW - 1}:0]),` : ''} .done(done),
    .sa_addr(sa_addr), .sa_rdata(sa_rdata), .sb_addr(sb_addr), .sb_rdata(sb_rdata), .sw_en(sw_en), .sw_addr(sw_addr), .sw_data(sw_data), .p_addr(p_addr), .p_rdata(p_rdata)${plan.rope ? ', .t_addr(t_addr), .t_cos(t_cos), .t_sin(t_sin)' : ''},
    .act_mul(act_mul), .act_add(act_add), .act_div(act_div), .act_table(act_table));
  assign act_sqrt = 48'd0;
${none}
  bnhw_pmem u_pmem (.clk(clk), .a_addr(p_addr), .a_rdata(p_rdata), .w_en({${V}{host_pwe}}), .w_addr(${rep(PL, 'host_line')}), .w_data(host_wdata));`
      : `  wire [${V * SL - 1}:0] sb_addr = {${V * SL}{1'b0}};
  wire [${32 * V - 1}:0] sb_rdata;
  bnhw_sfu u_sfu (.clk(clk), .rst(rst), .issue(issue), .issue_dst(issue_dst[${CW - 1}:0]), .issue_a(issue_a[${CW - 1}:0]), .issue_n(issue_n[${CW - 1}:0]), .issue_imm(issue_imm), .rows(rows), .done(done),
    .sr_addr(sa_addr), .sr_rdata(sa_rdata), .sw_en(sw_en), .sw_addr(sw_addr), .sw_data(sw_data), .act_div(act_div), .act_sqrt(act_sqrt), .act_add(act_add));
  assign act_mul = 48'd0;
  assign act_table = 48'd0;
${none}`;
  return `\`timescale 1ns / 1ps
// The cocotb top of a scratchpad unit's bench (test_vec.py), written by src/verify/vec.ts: bnhw_${unit}
// on bnhw_spad${unit === 'vec' ? ' and bnhw_pmem' : ''}. While the unit is idle the host loads lines (host_we: the scratchpad,
// host_pwe: the parameter memory), the run's tokens (host_twe: the head unit's token registers)
// and reads scratchpad lines (host_rdata the cycle after host_line). cyc counts rising edges; n_done counts the cycles done was high in and last_done
// holds cyc of the last of them; act_* are the unit's action counters (zero where it has none).
// The clock is made here (rising edges at 10, 20, ... ns).
module bnhw_unit_tb (
  output reg              clk,
  input  wire             rst,
  input  wire             issue,
  input  wire [7:0]       issue_op,
  input  wire [1:0]       issue_flags,
  input  wire [31:0]      issue_dst,
  input  wire [31:0]      issue_a,
  input  wire [31:0]      issue_b,
  input  wire [31:0]      issue_n,
  input  wire [31:0]      issue_imm,
  input  wire [${RW - 1}:0]      rows,
  input  wire [31:0]      pos,
  output wire             done,
  input  wire             busy,
  input  wire             host_we,
  input  wire             host_pwe,
  input  wire [${HL - 1}:0]      host_line,
  input  wire [${32 * V - 1}:0]    host_wdata,
  input  wire             host_twe,
  input  wire [${RW - 1}:0]      host_trow,
  input  wire [31:0]      host_tid,
  output wire [31:0]      token,
  output wire             token_none,
  input  wire             host_kwe,
  input  wire             host_vwe,
  input  wire [${KL - 1}:0]      host_kline,
  input  wire [${A * EB - 1}:0]    host_kvdata,
  output wire [${A * EB - 1}:0]    host_krdata,
  output wire [${A * EB - 1}:0]    host_vrdata,
  output wire [${32 * V - 1}:0]    host_rdata,
  output reg  [31:0]      cyc,
  output reg  [31:0]      n_done,
  output reg  [31:0]      last_done,
  output wire [47:0]      act_mul,
  output wire [47:0]      act_add,
  output wire [47:0]      act_div,
  output wire [47:0]      act_sqrt,
  output wire [47:0]      act_table,
  output wire [47:0]      act_mac,
  output wire [47:0]      act_cmp,
  output wire [47:0]      act_exp,
  output wire [47:0]      act_kvr,
  output wire [47:0]      act_kvw
);
  initial clk = 1'b1;
  always #5 clk = ~clk;
  always @(posedge clk) begin
    if (rst) begin
      cyc <= 32'd0;
      n_done <= 32'd0;
      last_done <= 32'd0;
    end else begin
      cyc <= cyc + 32'd1;
      if (done) begin
        n_done <= n_done + 32'd1;
        last_done <= cyc;
      end
    end
  end

  wire [${V * SL - 1}:0] sa_addr;
  wire [${V - 1}:0] sw_en;
  wire [${V * SL - 1}:0] sw_addr;
  wire [${32 * V - 1}:0] sw_data;
  wire [${32 * V - 1}:0] sa_rdata;
${unitInst}
  bnhw_spad u_spad (.clk(clk), .a_addr(busy ? sa_addr : ${rep(SL, 'host_line')}), .a_rdata(sa_rdata), .b_addr(sb_addr), .b_rdata(sb_rdata),
    .w_en(busy ? sw_en : {${V}{host_we}}), .w_addr(busy ? sw_addr : ${rep(SL, 'host_line')}), .w_data(busy ? sw_data : host_wdata));
  assign host_rdata = sa_rdata;
endmodule
`;
}

/** One run of test_vec.py on a bench top over these files and cases. */
function runUnitBench(unit: ScratchpadUnit, key: string, files: Map<string, string>, sources: readonly string[], set: VecVectorSet, lanes: number, sim: Sim, seed: number, run: UnitBenchRun, readLatency: number, kv?: KvPlan): VecBenchResult {
  const dir = tempSibling(path.join(cacheDir('vecvec'), `${key}-${seed}`));
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${unit}.bin`);
    writeVecVectors(file, lanes, set, kv?.banks ?? 0);
    const r = runCocotbTop(
      { key: `${key}-${sim}`, files, sources: [...new Set([...sources, 'bnhw_unit_tb.v'])], top: 'bnhw_unit_tb', module: 'test_vec', ownClock: true },
      sim,
      { BNHW_VECVECTORS: file, BNHW_SEED: String(seed), BNHW_KVBITS: String(kv?.elementBits ?? 32), BNHW_READLAT: String(readLatency), ...failFastEnv(run) },
      run.vcd ? { vcd: run.vcd } : {},
    );
    const doc = r.result as BenchDoc | null;
    const checked = doc?.checked ?? 0;
    const passed = r.passed && doc !== null && doc.cases === set.cases.length && checked === set.cases.length && doc.mismatches === 0;
    return { sim, passed, seed, cases: set.cases.length, checked, operands: set.operands, mismatches: doc?.mismatches ?? -1, firstMismatches: doc?.first_mismatches ?? [], log: r.log };
  } finally {
    dropTemp(dir);
  }
}

export function runVecBench(p: Program, arch: ArchSpec, sim: Sim, opts: VecBenchOptions, design: VectorDesign = generateVector(p, arch, undefined, { actions: true })): VecBenchResult {
  const set = vecVectors(p, design.plan, unitContracts(arch), opts.operands, opts.seed, opts.ops ?? VEC_BENCH_OPS);
  const files = new Map(opts.files ?? design.files);
  files.set('bnhw_unit_tb.v', benchTop('vec', design.plan, design.plan.countBits));
  return runUnitBench('vec', `${design.configHash}-vec`, files, [...design.sources, 'bnhw_spad.v', 'bnhw_pmem.v'], set, design.plan.lanes, sim, opts.seed, opts, design.plan.readLatency);
}

export interface SfuBenchOptions extends UnitBenchRun {
  /** rsqrt operations (rows). */
  readonly operations: number;
  readonly seed: number;
}

/** The special-function unit's bench: random rsqrt instructions on bnhw_sfu over the scratchpad. */
export function runSfuBench(p: Program, arch: ArchSpec, sim: Sim, opts: SfuBenchOptions, design: SfuDesign = generateSfu(p, arch, undefined, { actions: true })): VecBenchResult {
  const set = sfuVectors(p, design.plan, unitContracts(arch), opts.operations, opts.seed, design.countBits);
  const files = new Map(opts.files ?? design.files);
  files.set('bnhw_spad.v', opts.files?.get('bnhw_spad.v') ?? generateVector(p, arch).files.get('bnhw_spad.v')!);
  files.set('bnhw_unit_tb.v', benchTop('sfu', design.plan, design.countBits));
  return runUnitBench('sfu', `${design.configHash}-sfu`, files, [...design.sources, 'bnhw_spad.v'], set, design.plan.lanes, sim, opts.seed, opts, design.plan.readLatency);
}

export interface HeadBenchOptions extends UnitBenchRun {
  /** Operands per instruction kind (table words for embed, terms for head, words for argmax). */
  readonly operands: number;
  readonly seed: number;
  readonly ops?: readonly HeadOp[];
  /** At least this many instructions of each kind (default 8: the edge cases and a few random), and of `head` (default the same). */
  readonly minCases?: number;
  readonly headCases?: number;
  /** The tables' format and tying (random tables from the seed: the unit is built with them). */
  readonly format?: 'f32' | 'bf16';
  readonly tied?: boolean;
}

/** The head unit's random tables for a bench seed. */
export function headBenchTables(p: Program, opts: Pick<HeadBenchOptions, 'seed' | 'format' | 'tied'>): HeadTables {
  return randomHeadTables(p, opts.format ?? 'f32', opts.tied ?? true, opts.seed ^ 0x5eed);
}

/** The head unit's bench: random embed, head and argmax instructions on bnhw_head (built with random tables) over the scratchpad. */
export function runHeadBench(p: Program, arch: ArchSpec, sim: Sim, opts: HeadBenchOptions, tables: HeadTables = headBenchTables(p, opts), design: HeadDesign = generateHead(p, arch, tables, undefined, { actions: true })): VecBenchResult {
  const set = headVectors(p, design.plan, tables, unitContracts(arch), opts.operands, opts.seed, opts.ops ?? HEAD_BENCH_OPS, opts.minCases ?? 8, opts.headCases ?? opts.minCases ?? 8);
  const files = new Map(opts.files ?? design.files);
  files.set('bnhw_spad.v', opts.files?.get('bnhw_spad.v') ?? generateVector(p, arch).files.get('bnhw_spad.v')!);
  files.set('bnhw_unit_tb.v', benchTop('head', design.plan.vector, design.plan.countBits, design.plan));
  return runUnitBench('head', `${design.configHash}-head`, files, [...design.sources, 'bnhw_spad.v'], set, design.plan.vector.lanes, sim, opts.seed, opts, design.plan.vector.readLatency);
}

export interface AttnBenchOptions extends UnitBenchRun {
  /** Operands per instruction kind (cache words written for kvw, multiply-adds for attn). */
  readonly operands: number;
  readonly seed: number;
  readonly ops?: readonly ('kvw' | 'attn')[];
  /** One attn case at the end of the context (default true; false keeps every case within a few dozen positions, for a slow simulator). */
  readonly long?: boolean;
  /** At least this many instructions of each kind (default 24), and at most this many rows each (default the program's block). */
  readonly minCases?: number;
  readonly maxRows?: number;
}

/** The KV and attention units' bench: random kvw and attn instructions on bnhw_kvw and bnhw_attn over the KV cache and the scratchpad. */
export function runAttnBench(p: Program, arch: ArchSpec, sim: Sim, opts: AttnBenchOptions, design: KvDesign = generateAttention(p, arch, undefined, { actions: true })): VecBenchResult {
  const set = attnVectors(p, design.plan, unitContracts(arch), opts.operands, opts.seed, opts.ops ?? ['kvw', 'attn'], { long: opts.long ?? true, minCases: opts.minCases ?? 24, maxRows: opts.maxRows ?? p.rows });
  const files = new Map(opts.files ?? design.files);
  files.set('bnhw_spad.v', opts.files?.get('bnhw_spad.v') ?? generateVector(p, arch).files.get('bnhw_spad.v')!);
  files.set('bnhw_unit_tb.v', benchTop('attn', design.plan.vector, design.plan.countBits, undefined, design.plan));
  return runUnitBench('attn', `${design.configHash}-attn`, files, [...design.sources, 'bnhw_spad.v'], set, design.plan.vector.lanes, sim, opts.seed, opts, design.plan.vector.readLatency, design.plan);
}
