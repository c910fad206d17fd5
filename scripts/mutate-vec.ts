/**
 * Mutation check of the vector unit: seeded mutants of the generated bnhw_vec (and its
 * scratchpad), each of which must be killed by the unit's cocotb bench (test_vec.py, Icarus,
 * a few thousand operands per instruction on `tiny`'s four lanes). A mutant the bench does not
 * kill is a hole in the bench.
 *
 * usage: node dist/scripts/mutate-vec.js [model] [arch]
 */
import { pathToFileURL } from 'node:url';
import { loadArch, type ArchSpec } from '../src/ir/arch.js';
import { compileProgram } from '../src/ir/compile.js';
import { loadModel } from '../src/ir/load.js';
import type { Program } from '../src/ir/program.js';
import { generateVector } from '../src/codegen/vec.js';
import { runVecBench } from '../src/verify/vec.js';
import { defaultModelDir } from '../src/util/paths.js';

export interface VecMutation {
  readonly name: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export const VEC_MUTATIONS: readonly VecMutation[] = [
  { name: 'vsubs adds s', file: 'bnhw_vec.v', from: '{~bopnd[31], bopnd[30:0]}', to: '{bopnd[31], bopnd[30:0]}' },
  { name: 'vsumsq multiplies by 1.0', file: 'bnhw_vec.v', from: 'op1 == OP_VSUMSQ ? la_d', to: 'op1 == OP_VMEAN ? la_d' },
  { name: 'broadcast scalar read as a vector', file: 'bnhw_vec.v', from: 'scalar ? es : eb', to: 'eb' },
  { name: 'scalar does not advance per row', file: 'bnhw_vec.v', from: '        es <= es + one;', to: '        es <= es;' },
  { name: 'parameter operand does not restart per row', file: 'bnhw_vec.v', from: '        ep <= pbase;', to: '        ep <= ep;' },
  { name: 'element-wise writes one line late', file: 'bnhw_vec.v', from: '      ed <= issue_dst;', to: '      ed <= issue_dst + LANES_PLACEHOLDER;' },
  { name: 'lanes not staggered', file: 'bnhw_vec.v', from: '      kv[j] <= rst ? 1\'b0 : cv[j - 1];', to: '      kv[j] <= rst ? 1\'b0 : cv[0];' },
  { name: 'next lane reads the same row', file: 'bnhw_vec.v', from: '] + n;', to: '];' },
  { name: 'group period one short', file: 'bnhw_vec.v', from: '    rper <= span + rtail;', to: '    rper <= span + rtail - one;' },
  { name: 'rows past the run read', file: 'bnhw_vec.v', from: ' < nrows);\n  end', to: ' <= nrows);\n  end' },
  { name: 'vmean divides by n + 1', file: 'bnhw_vec.v', from: '{n, 23\'d0} >> np', to: '{n + one, 23\'d0} >> np' },
  { name: 'divisions one cycle apart too many', file: 'bnhw_vec.v', from: 'dcnt <= DIVM1', to: 'dcnt <= DIVM1 + one' },
  { name: 'done a cycle early (element-wise)', file: 'bnhw_vec.v', from: 'assign done = e_done', to: 'assign done = (erun && elast)' },
  { name: 'write crossbar drops the bank match', file: 'bnhw_vec.v', from: 'if (lw_v[j] && lw_a[j * ', to: 'if (lw_v[j] && 1\'b1 || lw_a[j * ' },
  { name: 'scratchpad copy b never written', file: 'bnhw_spad.v', from: 'if (w_en[k]) mb[', to: 'if (1\'b0) mb[' },
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

export function runVecMutations(p: Program, arch: ArchSpec, operands = 800, seed = 77): VecMutantResult[] {
  const d = generateVector(p, arch);
  const divM1 = Number(/dcnt <= \d+'d([1-9]\d*);/.exec(d.files.get('bnhw_vec.v')!)?.[1] ?? -1);
  return VEC_MUTATIONS.map((m) => {
    const text = apply(d.files.get(m.file)!, m, d.plan.lanes, d.plan.countBits, divM1);
    if (text === null) return { name: m.name, killed: false, applied: false };
    const files = new Map(d.files);
    files.set(m.file, text);
    const r = runVecBench(p, arch, 'icarus', { operands, seed, files }, d);
    return { name: m.name, killed: !r.passed, applied: true };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arch = loadArch(process.argv[3] ?? 'tiny');
  const p = compileProgram(loadModel(process.argv[2] ?? defaultModelDir()).ir, arch);
  const rs = runVecMutations(p, arch);
  for (const r of rs) console.log(`${r.killed ? 'killed  ' : r.applied ? 'SURVIVED' : 'NOT APPLIED'} ${r.name}`);
  if (rs.some((r) => !r.killed)) process.exit(1);
}
