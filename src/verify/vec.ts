/**
 * The vector unit's bench: generate the unit and its memories for a program on an architecture,
 * write random instructions with their operands, the expected memory and the contract's cycles
 * (vec-vectors.ts), and run hw/cocotb/test_vec.py on Verilator or Icarus around bnhw_vec_tb (the
 * unit, the scratchpad and the parameter memory, with a host port that loads and reads lines while
 * the unit is idle; written here because its port widths are the unit's).
 *
 * Needs: a program and architecture. Guarantees: a pass means every case's instruction finished
 * (`done`) exactly on its contract cycle, once, and every word of the lines around its destination
 * read back as the numerics say (the words it must not write unchanged); the result names the
 * first mismatches (case, instruction, line, word, expected, got; or the cycles).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import type { Program } from '../ir/program.js';
import { unitContracts } from '../ir/units.js';
import { generateVector, type VectorDesign } from '../codegen/vec.js';
import { dropTemp, tempSibling } from '../util/fsout.js';
import { runCocotbTop, type CocotbOptions, type Sim } from './cocotb.js';
import { cacheDir } from './tools.js';
import { VEC_BENCH_OPS, vecVectors, writeVecVectors, type VecOp } from './vec-vectors.js';

export interface VecBenchOptions {
  /** Operands (elements or terms) per instruction kind. */
  readonly operands: number;
  readonly seed: number;
  readonly ops?: readonly VecOp[];
  /** Simulate these files instead of the generated ones (mutation runs). */
  readonly files?: ReadonlyMap<string, string>;
  readonly vcd?: CocotbOptions['vcd'];
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

/** The bench's top: the unit, the scratchpad and the parameter memory, a host line port. */
export function vecBenchTop(d: VectorDesign): string {
  const { lanes: V, laneBits: LB, countBits: CW, rowBits: RW } = d.plan;
  const SL = d.plan.spadAddrBits - LB;
  const PL = d.plan.paramAddrBits - LB;
  const rep = (w: number, s: string): string => `{${V}{${s}[${w - 1}:0]}}`;
  return `\`timescale 1ns / 1ps
// The cocotb top of the vector unit's bench (test_vec.py), written by src/verify/vec.ts: bnhw_vec
// on bnhw_spad and bnhw_pmem. While the unit is idle the host loads lines (host_we: the
// scratchpad, host_pwe: the parameter memory) and reads scratchpad lines (host_rdata the cycle
// after host_line). The clock is made here (rising edges at 10, 20, ... ns).
module bnhw_vec_tb (
  output reg              clk,
  input  wire             rst,
  input  wire             issue,
  input  wire [7:0]       issue_op,
  input  wire [1:0]       issue_flags,
  input  wire [${CW - 1}:0]      issue_dst,
  input  wire [${CW - 1}:0]      issue_a,
  input  wire [${CW - 1}:0]      issue_b,
  input  wire [${CW - 1}:0]      issue_n,
  input  wire [${RW - 1}:0]      rows,
  output wire             done,
  input  wire             busy,
  input  wire             host_we,
  input  wire             host_pwe,
  input  wire [${Math.max(SL, PL) - 1}:0]      host_line,
  input  wire [${32 * V - 1}:0]    host_wdata,
  output wire [${32 * V - 1}:0]    host_rdata
);
  initial clk = 1'b1;
  always #5 clk = ~clk;

  wire [${V * SL - 1}:0] sa_addr;
  wire [${V * SL - 1}:0] sb_addr;
  wire [${V - 1}:0] sw_en;
  wire [${V * SL - 1}:0] sw_addr;
  wire [${32 * V - 1}:0] sw_data;
  wire [${32 * V - 1}:0] sa_rdata;
  wire [${32 * V - 1}:0] sb_rdata;
  wire [${V * PL - 1}:0] p_addr;
  wire [${32 * V - 1}:0] p_rdata;
  bnhw_vec u_vec (.clk(clk), .rst(rst), .issue(issue), .issue_op(issue_op), .issue_flags(issue_flags), .issue_dst(issue_dst), .issue_a(issue_a), .issue_b(issue_b), .issue_n(issue_n), .rows(rows), .done(done),
    .sa_addr(sa_addr), .sa_rdata(sa_rdata), .sb_addr(sb_addr), .sb_rdata(sb_rdata), .sw_en(sw_en), .sw_addr(sw_addr), .sw_data(sw_data), .p_addr(p_addr), .p_rdata(p_rdata));
  bnhw_spad u_spad (.clk(clk), .a_addr(busy ? sa_addr : ${rep(SL, 'host_line')}), .a_rdata(sa_rdata), .b_addr(sb_addr), .b_rdata(sb_rdata),
    .w_en(busy ? sw_en : {${V}{host_we}}), .w_addr(busy ? sw_addr : ${rep(SL, 'host_line')}), .w_data(busy ? sw_data : host_wdata));
  bnhw_pmem u_pmem (.clk(clk), .a_addr(p_addr), .a_rdata(p_rdata), .w_en({${V}{host_pwe}}), .w_addr(${rep(PL, 'host_line')}), .w_data(host_wdata));
  assign host_rdata = sa_rdata;
endmodule
`;
}

export function runVecBench(p: Program, arch: ArchSpec, sim: Sim, opts: VecBenchOptions, design: VectorDesign = generateVector(p, arch)): VecBenchResult {
  const set = vecVectors(p, design.plan, unitContracts(arch), opts.operands, opts.seed, opts.ops ?? VEC_BENCH_OPS);
  const dir = tempSibling(path.join(cacheDir('vecvec'), `${design.configHash}-${opts.seed}`));
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'vec.bin');
    writeVecVectors(file, design.plan.lanes, set);
    const files = new Map(opts.files ?? design.files);
    files.set('bnhw_vec_tb.v', vecBenchTop(design));
    const r = runCocotbTop(
      { key: `${design.configHash}-vec-${sim}`, files, sources: [...design.sources, 'bnhw_vec_tb.v'], top: 'bnhw_vec_tb', module: 'test_vec', ownClock: true },
      sim,
      { BNHW_VECVECTORS: file, BNHW_SEED: String(opts.seed) },
      opts.vcd ? { vcd: opts.vcd } : {},
    );
    const doc = r.result as BenchDoc | null;
    const checked = doc?.checked ?? 0;
    const passed = r.passed && doc !== null && doc.cases === set.cases.length && checked === set.cases.length && doc.mismatches === 0;
    return { sim, passed, seed: opts.seed, cases: set.cases.length, checked, operands: set.operands, mismatches: doc?.mismatches ?? -1, firstMismatches: doc?.first_mismatches ?? [], log: r.log };
  } finally {
    dropTemp(dir);
  }
}
