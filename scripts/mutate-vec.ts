/**
 * Mutation check of the scratchpad units: seeded mutants of the generated vector unit bnhw_vec (and
 * its scratchpad), special-function unit bnhw_sfu, head unit bnhw_head, KV unit bnhw_kvw and
 * attention unit bnhw_attn, each of which must be killed by the unit's cocotb bench (test_vec.py
 * on Icarus, on `tiny`'s four lanes: 300 operands per instruction kind, 300 rsqrt operations; the
 * head and attention benches' own minimum of instructions). A mutant the bench does not kill is a hole in the bench.
 *
 * usage: node dist/scripts/mutate-vec.js [model] [arch] [mutant name...]
 */
import { pathToFileURL } from 'node:url';
import { loadArch, parseArch, type ArchSpec } from '../src/ir/arch.js';
import { compileProgram } from '../src/ir/compile.js';
import { loadModel } from '../src/ir/load.js';
import type { Program } from '../src/ir/program.js';
import { generateVector } from '../src/codegen/vec.js';
import { headBenchTables, runAttnBench, runHeadBench, runSfuBench, runVecBench } from '../src/verify/vec.js';
import { generateHead } from '../src/codegen/head.js';
import { generateAttention } from '../src/codegen/attn.js';
import { generateSfu } from '../src/codegen/sfu.js';
import { defaultModelDir } from '../src/util/paths.js';

export interface VecMutation {
  readonly unit: 'vec' | 'sfu' | 'head' | 'attn';
  readonly name: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export const VEC_MUTATIONS: readonly VecMutation[] = [
  { unit: 'vec', name: 'vsubs adds s', file: 'bnhw_vec.v', from: '{~bopnd[31], bopnd[30:0]}', to: '{bopnd[31], bopnd[30:0]}' },
  { unit: 'vec', name: 'vadd: operands into the adder the cycle they arrive', file: 'bnhw_vec.v', from: 'assign add_in[l] = av2 || rsum;', to: 'assign add_in[l] = (e1 && addop1) || rsum;' },
  { unit: 'vec', name: 'vsumsq multiplies by 1.0', file: 'bnhw_vec.v', from: 'vsumsq1_r0 <= (op == OP_VSUMSQ);', to: 'vsumsq1_r0 <= (op == OP_VMEAN);' },
  { unit: 'vec', name: 'broadcast scalar read as a vector', file: 'bnhw_vec.v', from: 'scalar ? es : eb', to: 'eb' },
  { unit: 'vec', name: 'scalar does not advance per row', file: 'bnhw_vec.v', from: '        es <= es + one;', to: '        es <= es;' },
  { unit: 'vec', name: 'parameter operand does not restart per row', file: 'bnhw_vec.v', from: '        ep <= pbase;', to: '        ep <= ep;' },
  { unit: 'vec', name: 'element-wise writes one line late', file: 'bnhw_vec.v', from: '      ed <= issue_dst;', to: '      ed <= issue_dst + LANES_PLACEHOLDER;' },
  { unit: 'vec', name: 'lanes not staggered', file: 'bnhw_vec.v', from: '      kv[j] <= rst ? 1\'b0 : cv[j - 1];', to: '      kv[j] <= rst ? 1\'b0 : cv[0];' },
  { unit: 'vec', name: 'next lane reads the same row', file: 'bnhw_vec.v', from: '] + n;', to: '];' },
  { unit: 'vec', name: 'group period one short', file: 'bnhw_vec.v', from: '    rperm1 <= spanr + rtail - one;', to: '    rperm1 <= spanr + rtail - one - one;' },
  { unit: 'vec', name: 'rows past the run read', file: 'bnhw_vec.v', from: ' < nrows);\n  end', to: ' <= nrows);\n  end' },
  { unit: 'vec', name: 'vmean divides by n + 1', file: 'bnhw_vec.v', from: '{n, 23\'d0} >> np', to: '{n + one, 23\'d0} >> np' },
  { unit: 'vec', name: 'divisions one cycle apart too many', file: 'bnhw_vec.v', from: 'dcnt <= DIVM1', to: 'dcnt <= DIVM1 + one' },
  { unit: 'vec', name: 'done a cycle early (element-wise)', file: 'bnhw_vec.v', from: 'assign done = e_done', to: 'assign done = (erun && elast)' },
  { unit: 'vec', name: 'write crossbar drops the bank match', file: 'bnhw_vec.v', from: 'if (lw_v[j] && lw_a[j * ', to: 'if (lw_v[j] && 1\'b1 || lw_a[j * ' },
  { unit: 'vec', name: 'scratchpad copy b never written', file: 'bnhw_spad.v', from: 'if (w_en[k]) mb[', to: 'if (1\'b0) mb[' },
  { unit: 'vec', name: 'act: NaN gates pass the relu', file: 'bnhw_vec.v', from: "!(gav[30:23] == 8'hff && gav[22:0] != 23'd0)", to: "1'b1" },
  { unit: 'vec', name: 'act: second pass a cycle early', file: 'bnhw_vec.v', from: '(e2ok || (ecyc == ', to: '(e2ok || (ecyc + one == ' },
  { unit: 'vec', name: 'element-wise: a row one line too long', file: 'bnhw_vec.v', from: 'nlm1 <= (issue_n >> ', to: "nlm1 <= 1'b1 + (issue_n >> " },
  { unit: 'vec', name: 'reductions: a sum one term too long', file: 'bnhw_vec.v', from: 'nm1 <= issue_n - ', to: "nm1 <= 1'b1 + issue_n - " },
  { unit: 'vec', name: 'act: second pass multiplies by the square', file: 'bnhw_vec.v', from: '({32{mdef}} & bopnd)', to: '({32{mdef}} & av)' },
  { unit: 'vec', name: 'act: a gate not above zero squared, not zeroed', file: 'bnhw_vec.v', from: " ? 32'd0 : mul_y[l * 32 +: 32];", to: ' ? mul_y[l * 32 +: 32] : mul_y[l * 32 +: 32];' },
  { unit: 'vec', name: 'act: the zero flags a cycle short of the multiplier', file: 'bnhw_vec.v', from: "assign mul_w[l * 32 +: 32] = zq[", to: "assign mul_w[l * 32 +: 32] = zq[-1 + " },
  { unit: 'vec', name: 'rope: the sine for the cosine in the third product', file: 'bnhw_vec.v', from: 'q13 <= q0 || q2;', to: 'q13 <= q0 || q1;' },
  { unit: 'vec', name: 'rope: x1 cos + x2 sin', file: 'bnhw_vec.v', from: '(mcnt[1] ? m_y : {~m_y[31], m_y[30:0]})', to: 'm_y' },
  { unit: 'vec', name: 'rope: the next position\'s table row', file: 'bnhw_vec.v', from: 'otl <= pos * ', to: 'otl <= (pos + one) * ' },
  { unit: 'vec', name: 'rope: halves written swapped', file: 'bnhw_vec.v', from: 'wx + (acnt ? ', to: 'wx + (!acnt ? ' },
  { unit: 'vec', name: 'rope: a head one word further', file: 'bnhw_vec.v', from: 'ox <= ox + ', to: 'ox <= ox + one + ' },
  { unit: 'vec', name: 'counters: one closing add per sum', file: 'bnhw_vec.v', from: ', n_sums } + { ', to: ', n_sums } - { ' },
  { unit: 'vec', name: 'counters: a product-sum term not counted as a multiply', file: 'bnhw_vec.v', from: 'n_mul = n_mul + { ', to: 'n_mul = n_mul + 0 * { ' },
  { unit: 'sfu', name: 'counters: the square root not counted', file: 'bnhw_sfu.v', from: "c_sqrt <= c_sqrt + { 47'd0, sq_in };", to: 'c_sqrt <= c_sqrt;' },
  { unit: 'sfu', name: 'rsqrt: eps not added', file: 'bnhw_sfu.v', from: '.in_b(eps)', to: ".in_b(32'd0)" },
  { unit: 'sfu', name: 'rsqrt: divides by n + 1', file: 'bnhw_sfu.v', from: '{n, 23\'d0} >> np', to: '{n + one, 23\'d0} >> np' },
  { unit: 'sfu', name: 'rsqrt: root / 1 for 1 / root', file: 'bnhw_sfu.v', from: ".in_a(sq_v ? 32'h3f800000 : x), .in_b(sq_v ? sq_y : nf)", to: ".in_a(sq_v ? sq_y : x), .in_b(sq_v ? 32'h3f800000 : nf)" },
  { unit: 'sfu', name: 'rsqrt: done at every write', file: 'bnhw_sfu.v', from: 'assign done = wdone && last;', to: 'assign done = wdone;' },
  { unit: 'sfu', name: 'rsqrt: rows read from one address', file: 'bnhw_sfu.v', from: 'if (rread) rd <= rd + one;', to: 'if (rread) rd <= rd;' },
  { unit: 'sfu', name: 'rsqrt: written at the next row\'s address', file: 'bnhw_sfu.v', from: 'waddr = dbase + wr;', to: 'waddr = dbase + rd;' },
  { unit: 'sfu', name: 'rsqrt: the word from the wrong bank', file: 'bnhw_sfu.v', from: 'rsel_r0 <= raddr[', to: 'rsel_r0 <= waddr[' },
  { unit: 'head', name: 'embed: every row from row 0\'s token', file: 'bnhw_head.v', from: 'assign tok_row = issue ? ', to: 'assign tok_row = 1\'b1 ? ' },
  { unit: 'head', name: 'embed: the wrong bank of the table', file: 'bnhw_head.v', from: 'ebank <= tok_id[', to: 'ebank <= ~tok_id[' },
  { unit: 'head', name: 'head: the run\'s first row, not its last', file: 'bnhw_head.v', from: ' - one) * ', to: ' - rows + one - one) * ' },
  { unit: 'head', name: 'head: lanes past the vocabulary write', file: 'bnhw_head.v', from: 'hvalid <= lv;', to: 'hvalid <= ~0;' },
  { unit: 'head', name: 'head: the next group a cycle early', file: 'bnhw_head.v', from: 'wire                hgroup_end = (hgt == ', to: 'wire                hgroup_end = (hgt + 1 == ' },
  { unit: 'head', name: 'argmax: the last of equal maxima wins', file: 'bnhw_head.v', from: 'xkey2 > bkey', to: 'xkey2 >= bkey' },
  { unit: 'head', name: 'argmax: NaN compared', file: 'bnhw_head.v', from: 'a2 && !xnan2 && ', to: 'a2 && ' },
  { unit: 'head', name: 'argmax: -0 below +0', file: 'bnhw_head.v', from: "(x[30:0] == 31'd0) ? 32'h80000000 : ", to: '' },
  { unit: 'head', name: 'argmax: the best\'s index one word on', file: 'bnhw_head.v', from: 'best <= a2k;', to: 'best <= a1k;' },
  { unit: 'head', name: 'counters: embed\'s table words not counted', file: 'bnhw_head.v', from: " + { 47'd0, erun };", to: ';' },
  { unit: 'attn', name: 'kvw: K written to the next position\'s bank', file: 'bnhw_kvw.v', from: 'kbank <= pn[', to: 'kbank <= 1 + pn[' },
  { unit: 'attn', name: 'kvw: V words from the K row', file: 'bnhw_kvw.v', from: 'vx = sb_rdata[', to: 'vx = sa_rdata[' },
  { unit: 'attn', name: 'kvw: K written in the cycle its word arrives', file: 'bnhw_kvw.v', from: 'ken[j] = w2 && (kb2 == ', to: 'ken[j] = w1 && (kb1 == ' },
  { unit: 'attn', name: 'attn: scores not scaled', file: 'bnhw_attn.v', from: '.in_b(in_scores ? 32\'h', to: '.in_b(in_scores ? 32\'h3f800000 | 32\'h' },
  { unit: 'attn', name: 'attn: the tree keeps the smaller score', file: 'bnhw_attn.v', from: 'kb > ka)) ? b : a;', to: 'kb < ka)) ? b : a;' },
  { unit: 'attn', name: 'attn: lanes past the positions scored', file: 'bnhw_attn.v', from: ' & s1mask & lready', to: ' & lready' },
  { unit: 'attn', name: 'attn: s - m as s + m', file: 'bnhw_attn.v', from: '.in_b({~m[31], m[30:0]})', to: '.in_b(m)' },
  { unit: 'attn', name: 'attn: the softmax sum\'s last term flagged a cycle early', file: 'bnhw_attn.v', from: 'e2 && e2last };', to: 'e1 && e1last };' },
  { unit: 'attn', name: 'attn: values not divided by the sum', file: 'bnhw_attn.v', from: 'if (inv_v) inv <= div_y;', to: "if (inv_v) inv <= 32'h3f800000;" },
  { unit: 'attn', name: 'attn: every head reads K/V head 0', file: 'bnhw_attn.v', from: 'kh <= kh + ', to: 'kh <= kh + 0 * ' },
  { unit: 'attn', name: 'attn: a row sees one position fewer', file: 'bnhw_attn.v', from: 'len <= pos + one;', to: 'len <= pos;' },
  { unit: 'attn', name: 'counters: the exps not counted', file: 'bnhw_attn.v', from: "c_exp <= c_exp + { 47'd0, sub_v };", to: 'c_exp <= c_exp;' },
];

/** The mutant's text, with the generated design's own constants in place of the placeholders. */
function apply(text: string, m: VecMutation, lanes: number, countBits: number, divM1: number): string | null {
  const from = m.from.replace('DIVM1', `${countBits}'d${divM1}`);
  const to = m.to.replace('LANES_PLACEHOLDER', `${countBits}'d${lanes}`).replace('DIVM1', `${countBits}'d${divM1}`);
  if (!text.includes(from)) return null;
  return text.replace(from, to);
}

export interface VecMutantResult {
  readonly name: string;
  readonly killed: boolean;
  readonly applied: boolean;
}

/** `tiny` with every memory read registered (machine.registeredReads): what REGISTERED_READ_MUTATIONS run on. */
export const REGISTERED_READ_ARCH: ArchSpec = parseArch({ ...loadArch('tiny'), name: 'tiny-registered', machine: { ...loadArch('tiny').machine, registeredReads: true } }, 'REGISTERED_READ_ARCH');

/** Mutations of the registered reads (a read's data two cycles after its address), run on REGISTERED_READ_ARCH. */
export const REGISTERED_READ_MUTATIONS: readonly VecMutation[] = [
  { unit: 'vec', name: "registered reads: the scratchpad's port b not registered", file: 'bnhw_spad.v', from: 'assign b_rdata[k * 32 +: 32] = qb2;', to: 'assign b_rdata[k * 32 +: 32] = qb;' },
  { unit: 'vec', name: "registered reads: the vector unit's operands flagged a cycle early", file: 'bnhw_vec.v', from: "e1_r1 <= rst ? 1'd0 : e1_r0;", to: "e1_r1 <= rst ? 1'd0 : erun;" },
  { unit: 'vec', name: "registered reads: the parameter operand's bank chosen a cycle late", file: 'bnhw_vec.v', from: 'p_sel_r1 <= p_sel_r0;', to: 'p_sel_r1 <= p_sel_r1;' },
  { unit: 'sfu', name: 'registered reads: rsqrt divides the word read a cycle early', file: 'bnhw_sfu.v', from: "d1_r1 <= rst ? 1'd0 : d1_r0;", to: "d1_r1 <= rst ? 1'd0 : rread;" },
  { unit: 'head', name: 'registered reads: the hidden word not held for its table line', file: 'bnhw_head.v', from: 'wire [31:0]         hxw = hxs[', to: 'wire [31:0]         hxw = x; wire [31:0] unused_hxw = hxs[' },
  { unit: 'head', name: "registered reads: argmax's word flagged a cycle early", file: 'bnhw_head.v', from: "a1_r1 <= rst ? 1'd0 : a1_r0;", to: "a1_r1 <= rst ? 1'd0 : arun;" },
  { unit: 'attn', name: 'registered reads: e_j a cycle ahead of its V line', file: 'bnhw_attn.v', from: 'la = s1 ? qw : sw2;', to: 'la = s1 ? qw : sw;' },
  { unit: 'attn', name: "registered reads: the K cache's read not registered", file: 'bnhw_kmem.v', from: 'assign r_q[k * 32 +: 32] = q2;', to: 'assign r_q[k * 32 +: 32] = q;' },
];

export function runVecMutations(p: Program, arch: ArchSpec, operands = 300, seed = 77, only?: readonly string[], units?: readonly VecMutation['unit'][], list: readonly VecMutation[] = VEC_MUTATIONS): VecMutantResult[] {
  // (built with their action counters, as the benches build them)
  const d = generateVector(p, arch, undefined, { actions: true });
  const sfu = generateSfu(p, arch, undefined, { actions: true });
  const headOpts = { seed, format: 'f32', tied: true } as const;
  const tables = headBenchTables(p, headOpts);
  const head = generateHead(p, arch, tables, undefined, { actions: true });
  const attn = generateAttention(p, arch, undefined, { actions: true });
  const divM1 = Number(/dcnt <= \d+'d([1-9]\d*);/.exec(d.files.get('bnhw_vec.v')!)?.[1] ?? -1);
  return list.filter((m) => (!only || only.includes(m.name)) && (!units || units.includes(m.unit))).map((m) => {
    const base = m.unit === 'vec' ? d.files : m.unit === 'sfu' ? sfu.files : m.unit === 'head' ? head.files : attn.files;
    const text = apply(base.get(m.file)!, m, d.plan.lanes, d.plan.countBits, divM1);
    if (text === null) return { name: m.name, killed: false, applied: false };
    const files = new Map(base);
    files.set(m.file, text);
    const r =
      m.unit === 'vec'
        ? runVecBench(p, arch, 'icarus', { operands, seed, files, failFast: true }, d)
        : m.unit === 'sfu'
          ? runSfuBench(p, arch, 'icarus', { operations: operands, seed, files, failFast: true }, sfu)
          : m.unit === 'head'
            ? runHeadBench(p, arch, 'icarus', { operands, ...headOpts, files, minCases: 4, headCases: 2, failFast: true }, tables, head)
            : runAttnBench(p, arch, 'icarus', { operands, seed, files, long: false, minCases: 4, maxRows: 2, failFast: true }, attn);
    return { name: m.name, killed: !r.passed, applied: true };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arch = loadArch(process.argv[3] ?? 'tiny');
  const p = compileProgram(loadModel(process.argv[2] ?? defaultModelDir()).ir, arch);
  const only = process.argv.slice(4);
  const rs = runVecMutations(p, arch, 300, 77, only.length > 0 ? only : undefined);
  for (const r of rs) console.log(`${r.killed ? 'killed  ' : r.applied ? 'SURVIVED' : 'NOT APPLIED'} ${r.name}`);
  if (rs.some((r) => !r.killed)) process.exit(1);
}
