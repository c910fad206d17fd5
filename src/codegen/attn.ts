/**
 * The whole-model accelerator's KV cache (bnhw_kvmem.v.hbs: the K and V memories), its KV unit
 * (bnhw_kvw.v.hbs: `kvw`) and its attention unit (bnhw_attn.v.hbs: `attn`) for a compiled
 * program.
 *
 * Needs: a program compiled for the architecture (scratchpad bases aligned to the vector lanes).
 * Guarantees: the caches' layout is decided here once (planKv) for both units: K position j in
 * bank j mod lanes, V word c in bank c mod lanes, so that every lane of the attention unit reads
 * its own bank; every width and every constant of the attention schedule
 * (src/ir/units.ts attentionHeadCycles) is decided here. Refusals: attention lanes that are not a
 * power of two dividing the head dimension (`CG049`), a head that is not whole lines of the
 * scratchpad (`CG050`), an fp16 KV cache (`CG051`: its rounding is not built). Files are a pure
 * function of the program, the machine block and the templates (reproducible byte for byte).
 */
import { createHash } from 'node:crypto';
import type { ArchSpec } from '../ir/arch.js';
import { machineOf } from '../ir/arch.js';
import { canonicalJson } from '../ir/irfile.js';
import type { Program } from '../ir/program.js';
import { sumAfterLast, sumTermCycle } from '../ir/units.js';
import { attentionScale } from '../numerics/model.js';
import { fail } from '../util/diagnostics.js';
import { f32Bits } from '../util/float.js';
import { generateFpUnits, type FpUnitsDesign } from './fpu.js';
import { planVector, unitTemplate, unitTemplateText, unitViewBase, type UnitBuildOptions, type VectorPlan } from './vec.js';

export const ATTN_GENERATOR_VERSION = '0.1.0';

export interface KvPlan {
  readonly vector: VectorPlan;
  /** Attention lanes = the caches' banks (a power of two dividing the head dimension). */
  readonly banks: number;
  readonly bankBits: number;
  readonly rowWords: number;
  /** Lines per layer of the K and V memories, and their address bits (all layers). */
  readonly kDepth: number;
  readonly vDepth: number;
  readonly kAddrBits: number;
  readonly vAddrBits: number;
  readonly layers: number;
  readonly elementBits: 32 | 16;
  /** The score memory's lines (context / banks) and their address bits. */
  readonly scoreLines: number;
  readonly scoreBits: number;
  readonly countBits: number;
}

const bitsFor = (max: number): number => Math.max(1, Math.ceil(Math.log2(max + 1)));

export function planKv(p: Program, arch: ArchSpec): KvPlan {
  const m = machineOf(arch);
  const A = m.attentionLanes;
  const hd = p.attention.headDim;
  if (A < 2 || (A & (A - 1)) !== 0 || hd % A !== 0) {
    fail('CG049', `arch ${arch.name}.machine.attentionLanes`, `${A} lanes: each lane reads its own bank of the KV cache, so the lanes are a power of two >= 2 dividing the head dimension (${hd})`, `use a power of two dividing ${hd}`, `a power of two >= 2 dividing ${hd}`);
  }
  const vector = planVector(p, arch);
  if (hd % vector.lanes !== 0) {
    fail('CG050', `program ${p.model} on ${p.arch}: attention`, `a head (${hd} words) is not whole lines of the scratchpad's ${vector.lanes} lanes: the unit writes a head's outputs in lines`, `use vectorLanes dividing ${hd}`, `a divisor of ${hd}`);
  }
  if (p.kvFormat === 'fp16') {
    fail('CG051', `program ${p.model} on ${p.arch}: kvFormat`, 'the fp16 KV cache (its rounding and widening) is not built in RTL yet', 'use kvFormat fp32 or bf16 for the whole-model RTL', 'fp32 or bf16');
  }
  const R = p.kvRowWords;
  const layers = p.instructions.reduce((n, i) => (i.op === 'kvw' || i.op === 'attn' ? Math.max(n, i.layer + 1) : n), 1);
  const scoreLines = Math.ceil(p.context / A);
  const kDepth = scoreLines * R;
  const vDepth = (p.context * R) / A;
  const kAddrBits = bitsFor(layers * kDepth - 1);
  const vAddrBits = bitsFor(layers * vDepth - 1);
  const scoreBits = bitsFor(scoreLines - 1);
  const bankBits = Math.log2(A);
  const La = m.fpAddLatency;
  const span = sumTermCycle(p.context - 1, La) + sumAfterLast(La) + A;
  const countBits = Math.max(vector.spadAddrBits, kAddrBits, vAddrBits, bitsFor(p.context + p.rows + 1), bitsFor(span), bitsFor(layers), bankBits + scoreBits + 1, vector.rowBits + 1, bitsFor(p.attention.heads), 5);
  return { vector, banks: A, bankBits, rowWords: R, kDepth, vDepth, kAddrBits, vAddrBits, layers, elementBits: p.kvFormat === 'bf16' ? 16 : 32, scoreLines, scoreBits, countBits };
}

/** Bits of the units' layer field: every layer of the program. */
export function kvLayerBits(plan: KvPlan): number {
  return bitsFor(plan.layers - 1);
}

export interface KvDesign {
  readonly plan: KvPlan;
  readonly configHash: string;
  /** bnhw_kvw.v, bnhw_attn.v, bnhw_kmem.v, bnhw_vmem.v and the fp units, sorted. */
  readonly files: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
}

const FP_SOURCES = ['bnhw_fadd.v', 'bnhw_fmul.v', 'bnhw_fdiv.v', 'bnhw_fdot.v', 'bnhw_fsum.v', 'bnhw_fexp.v'];

/** The KV cache, the KV unit and the attention unit. */
export function generateAttention(p: Program, arch: ArchSpec, fp: FpUnitsDesign = generateFpUnits(arch), opts: UnitBuildOptions = {}): KvDesign {
  const m = machineOf(arch);
  const actions = opts.actions ?? false;
  const plan = planKv(p, arch);
  const { vector: vp, banks: A, bankBits: AB, countBits: CW, kAddrBits: KA, vAddrBits: VA, elementBits: EB } = plan;
  const V = vp.lanes;
  const LB = vp.laneBits;
  const hd = p.attention.headDim;
  const configHash = createHash('sha256')
    .update(canonicalJson({ plan, generator: ATTN_GENERATOR_VERSION, fp: fp.configHash, actions, heads: p.attention, machine: m }))
    .update(unitTemplateText(['bnhw_kvw', 'bnhw_attn', 'bnhw_kvmem']))
    .digest('hex')
    .slice(0, 16);
  const header = `Generated by bitnet-hw ${ATTN_GENERATOR_VERSION} (attention unit ${configHash}). Do not edit: regenerate with \`bitnet-hw gen\`.`;
  const lineBits = vp.spadAddrBits - LB;
  const R = plan.rowWords;
  const format = EB === 16 ? 'bf16' : 'fp32';
  const widen = (sig: string): string => (EB === 32 ? `${sig}[l * 32 +: 32]` : `{${sig}[l * 16 +: 16], 16'd0}`);
  // sig >> bank bits, at the width of an address of `w` bits (the positions and words it holds fit)
  const shifted = (sig: string, w: number): string => {
    const have = CW - AB;
    if (have === w) return `${sig}[${CW - 1}:${AB}]`;
    if (have > w) return `${sig}[${AB + w - 1}:${AB}]`;
    return `{${w - have}'d0, ${sig}[${CW - 1}:${AB}]}`;
  };
  const LW = kvLayerBits(plan);
  const pad = (sig: string, w: number): string => (w === LW ? sig : `{${w - LW}'d0, ${sig}}`);
  if (LW > KA || LW > VA) throw new Error('generateAttention: layer ids wider than the cache addresses');
  const base = {
    lwHi: LW - 1,
    lnK: pad('ln', KA),
    lnV: pad('ln', VA),
    f2K: pad('issue_f2', KA),
    f2V: pad('issue_f2', VA),
    layerK: pad('layer', KA),
    layerV: pad('layer', VA),
    ...unitViewBase(vp, CW, header),
    actions,
    banks: A,
    banksHi: A - 1,
    ab: AB,
    abHi: AB - 1,
    ka: KA,
    kaHi: KA - 1,
    va: VA,
    vaHi: VA - 1,
    kDepth: plan.kDepth,
    vDepth: plan.vDepth,
    rowWords: R,
    rowWordsM1: R - 1,
    rowLines: R / A,
    kvDataHi: A * EB - 1,
    lineBits,
    sAddrHi: V * lineBits - 1,
  };
  const kvw = unitTemplate('bnhw_kvw')({
    ...base,
    formatLaw: EB === 16 ? 'bf16, to nearest, ties to even' : 'fp32, as is',
    bf16: EB === 16,
    kRow: shifted('pn', KA),
    // what a read's words are written with (partials/rdly)
    kselSrc: `ka[${LB - 1}:0]`,
    vselSrc: `va[${LB - 1}:0]`,
    kwaSrc: `kbase + c[${KA - 1}:0]`,
    vwaSrc: `vbase + ${shifted('c', VA)}`,
    vbSrc: `c[${AB - 1}:0]`,
  });
  const popW = bitsFor(A);
  const TS = AB;
  const levels = Array.from({ length: TS }, (_, k) => ({ level: k + 1, prev: k, n: A >> (k + 1), prevV: `t${k}v` }));
  const La = m.fpAddLatency;
  const expTag = La + m.expLatency;
  const lines = Math.max(1, A / V);
  const attn = unitTemplate('bnhw_attn')({
    ...base,
    qselSrc: `qaddr[${LB - 1}:0]`,
    heads: p.attention.heads,
    headsM1: p.attention.heads - 1,
    group: p.attention.heads / p.attention.kvHeads,
    groupM1: p.attention.heads / p.attention.kvHeads - 1,
    headDim: hd,
    headDimM1: hd - 1,
    headLines: hd / A,
    scaleHex: f32Bits(attentionScale(hd)).toString(16).padStart(8, '0'),
    p1: sumTermCycle(hd - 1, La) + sumAfterLast(La),
    p1M1: sumTermCycle(hd - 1, La) + sumAfterLast(La) - 1,
    treeStages: TS,
    treeStagesM1: TS - 1,
    lastgNext: TS === 1 ? 'sc_v && !smore_out' : `{ lastg[${TS - 2}:0], sc_v && !smore_out }`,
    levels,
    expLatency: m.expLatency,
    expTagHi: expTag - 1,
    expTagKeepHi: expTag - 2,
    gaps: La > 4,
    period4: Math.max(4, La),
    period4m1: Math.max(4, La) - 1,
    afterLast: sumAfterLast(La),
    afterLastM1: sumAfterLast(La) - 1,
    lines,
    linesM1: lines - 1,
    multiLine: lines > 1,
    g3: hd / A,
    g3M1: hd / A - 1,
    wordsPerLine: Math.min(A, V),
    lineW: 32 * V,
    narrow: A < V,
    kWord: widen('kr_q'),
    vWord: widen('vr_q'),
    scoreLinesM1: plan.scoreLines - 1,
    sl: plan.scoreBits,
    sjHi: AB + plan.scoreBits - 1,
    awHi: vp.spadAddrBits - 1,
    slHi: plan.scoreBits - 1,
    popW,
    popHi: popW - 1,
    popPad: popW - 1,
    cPad: 48 - popW,
  });
  const mem = (module: string, what: string, lines: number, layout: string, addrBits: number): string =>
    unitTemplate('bnhw_kvmem')({ header, module, what, r2: vp.readLatency === 2, banks: A, banksHi: A - 1, lines, lastLine: lines - 1, format, layout, addrHi: addrBits - 1, dataHi: A * EB - 1, eb: EB, ebHi: EB - 1 });
  const files = new Map<string, string>([
    ['bnhw_kvw.v', kvw],
    ['bnhw_attn.v', attn],
    ['bnhw_kmem.v', mem('bnhw_kmem', `the K cache of ${plan.layers} layers x ${p.context} positions`, plan.layers * plan.kDepth, `position j of layer L in bank j mod ${A}, word c at L * ${plan.kDepth} + (j / ${A}) * ${R} + c`, KA)],
    ['bnhw_vmem.v', mem('bnhw_vmem', `the V cache of ${plan.layers} layers x ${p.context} positions`, plan.layers * plan.vDepth, `word c of position j of layer L in bank c mod ${A}, at L * ${plan.vDepth} + j * ${R / A} + c / ${A}`, VA)],
  ]);
  for (const f of FP_SOURCES) files.set(f, fp.files.get(f)!);
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { plan, configHash, files: sorted, sources: [...sorted.keys()].filter((f) => f.endsWith('.v')) };
}
