/**
 * Cases for the vector unit's bench (hw/cocotb/test_vec.py): random vector instructions (vmul with
 * and without a broadcast scalar or a parameter operand, vadd, in place or not, vsubs, vsumsq,
 * vmean) over random lengths and row counts, their operands placed at random aligned addresses of
 * the scratchpad and the parameter memory, with the expected memory afterwards and the contract's
 * cycles (src/ir/units.ts).
 *
 * Needs: a program and architecture (the unit's sizes: vec.ts planVector), a seed and an operand
 * count per instruction. Guarantees: every expected word is the numerics' (the simulator's unit
 * formulas over fp32: every product and sum one rounding, sums in sumF32's order, NaN as
 * 0x7FC00000); each case checks whole lines around its destination (the words it must not write
 * included); operands mix random bit patterns, numbers of one magnitude (cancellation, ties) and
 * the fp units' edge operands.
 *
 * The special-function unit's `rsqrt` cases (sfuVectors) are the same kind of case over rows of
 * one word.
 *
 * The head unit's cases (head-vectors.ts) add the run's token ids and argmax's expected token.
 *
 * The KV and attention units' cases (attn-vectors.ts) add KV cache lines to load and to check.
 *
 * File 'BNHWVC06' (u32 LE): lanes, KV lanes, cases; per case op, flags, dst, a, b, n, imm, pos,
 * rows, cycles, the expected action counts (multiplies, adds, divisions, roots, table words,
 * multiply-adds, compares, exps, KV words read, KV words written: src/sim/unit-actions.ts), the
 * expected token (TOKEN_UNCHECKED, TOKEN_NONE or an id), counts of tokens, scratchpad lines to
 * load, parameter lines to load, lines to check, K lines to load, V lines to load, K lines to
 * check and V lines to check, then the tokens, then each scratchpad line as its index and `lanes`
 * words, then each KV line as its index and `KV lanes` words.
 */
import * as fs from 'node:fs';
import type { Instr, Program } from '../ir/program.js';
import { OPCODES } from '../ir/program.js';
import { cycles, perRow, type UnitContracts } from '../ir/units.js';
import { F32_QNAN, ffnActHw, ropeHw, ropeInvFreq, ropeRow, rsqrtHw, sumF32 } from '../numerics/model.js';
import { bitsToF32, f32Bits } from '../util/float.js';
import { attentionActions, headActions, unitActions } from '../sim/unit-actions.js';
import { Rng } from '../util/prng.js';
import type { VectorPlan } from '../codegen/vec.js';
import { FP_EDGE_OPERANDS } from './fp-vectors.js';

export type VecOp = 'vmul' | 'vadd' | 'vsubs' | 'vsumsq' | 'vmean' | 'act' | 'rope';
export const VEC_BENCH_OPS: readonly VecOp[] = ['vmul', 'vadd', 'vsubs', 'vsumsq', 'vmean', 'act', 'rope'];

export interface Line {
  readonly line: number;
  readonly words: Uint32Array;
}

export interface VecCase {
  readonly op: VecOp | 'rsqrt' | 'embed' | 'head' | 'argmax' | 'kvw' | 'attn';
  /** fp32 bits of the instruction's constant (rsqrt's eps), else 0. */
  readonly imm: number;
  /** The position of the run's first row (rope). */
  readonly pos: number;
  readonly bcast: boolean;
  readonly bParam: boolean;
  readonly dst: number;
  readonly a: number;
  readonly b: number;
  readonly n: number;
  readonly rows: number;
  readonly cycles: number;
  readonly load: readonly Line[];
  readonly loadParam: readonly Line[];
  readonly check: readonly Line[];
  /** The simulator's actions for the instruction (all its rows): multiplies, adds, divisions, roots, table words, multiply-adds, compares. */
  readonly actions: BenchActions;
  /** The run's token ids (the head unit's token registers; empty for other units). */
  readonly tokens: readonly number[];
  /** argmax's expected token (TOKEN_NONE: every word NaN; TOKEN_UNCHECKED: not an argmax). */
  readonly token: number;
  /** KV cache lines (of the attention lanes' words) to load before, and to check after (kvw, attn). */
  readonly kv?: { readonly kLoad: readonly Line[]; readonly vLoad: readonly Line[]; readonly kCheck: readonly Line[]; readonly vCheck: readonly Line[] };
}

export type BenchActions = readonly [number, number, number, number, number, number, number, number, number, number];
export const TOKEN_UNCHECKED = 0xffffffff;
export const TOKEN_NONE = 0xfffffffe;

/**
 * The bench's counter slots (hw/cocotb/test_vec.py ACTIONS) by the simulator's component.action:
 * multiplies, adds, divisions, roots, table words (RoPE, embedding, head), multiply-adds,
 * compares, exps, KV cache words read, KV cache words written.
 */
function actionSlot(component: string, action: string): number | undefined {
  const key = `${component}.${action}`;
  const table: Readonly<Record<string, number>> = { 'rope_table.read': 4, 'embedding.read': 4, 'head.table_read': 4, 'kv_cache.read': 8, 'kv_cache.write': 9 };
  const byAction: Readonly<Record<string, number>> = { fp32_mul: 0, fp32_add: 1, fp32_div: 2, fp32_sqrt: 3, fp32_mac: 5, compare: 6, fp32_exp: 7 };
  return table[key] ?? byAction[action];
}

/** The simulator's actions of an instruction over `rows` rows (src/sim/unit-actions.ts), in the bench's order. */
export function expectedActions(i: Instr, rows: number, p?: Program, pos = 0): BenchActions {
  const out = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] as [number, number, number, number, number, number, number, number, number, number];
  const add = (list: readonly { component: string; action: string; count: number }[], times: number): void => {
    for (const a of list) {
      const k = actionSlot(a.component, a.action);
      if (k === undefined) throw new Error(`vec-vectors: ${i.op} has an action (${a.component}.${a.action}) the units do not count`);
      out[k] = out[k]! + a.count * times;
    }
  };
  if (i.op === 'attn') {
    for (let r = 0; r < rows; r++) add(attentionActions(p!, pos + r + 1, true), 1);
  } else if (i.op === 'kvw') {
    add([{ component: 'kv_cache', action: 'write', count: 2 * p!.kvRowWords }], rows);
  } else {
    add(unitActions(i) ?? (p ? headActions(i, p, true) : null) ?? [], perRow(i) ? rows : 1);
  }
  return out;
}

export interface VecVectorSet {
  readonly cases: readonly VecCase[];
  /** Operands (elements or terms; rows for rsqrt) per instruction. */
  readonly operands: Readonly<Record<string, number>>;
}

const f = Math.fround;
const bits = (x: number): number => (Number.isNaN(x) ? F32_QNAN : f32Bits(x));

/** One random operand of a case's family. */
export function operand(rng: Rng, family: number, center: number): number {
  if (rng.int(0, 19) === 0) return FP_EDGE_OPERANDS[rng.int(0, FP_EDGE_OPERANDS.length - 1)]! >>> 0;
  if (family === 0) return rng.u32();
  const e = Math.max(0, Math.min(254, center + rng.int(-3, 3)));
  const mant = rng.int(0, 7) === 0 ? 0 : rng.u32() & 0x7fffff;
  return ((rng.int(0, 1) << 31) | (e << 23) | mant) >>> 0;
}

/** `family`: 0 any bit pattern, 1 any magnitude, 2 one magnitude (default: drawn). */
export function words(rng: Rng, count: number, family: number = rng.int(0, 2)): Uint32Array {
  const center = family === 2 ? rng.int(100, 150) : rng.int(1, 254);
  const w = new Uint32Array(count);
  for (let i = 0; i < count; i++) w[i] = operand(rng, family, center);
  return w;
}

export function vecVectors(p: Program, plan: VectorPlan, u: UnitContracts, perOp: number, seed: number, ops: readonly VecOp[] = VEC_BENCH_OPS): VecVectorSet {
  const V = plan.lanes;
  const rng = new Rng(seed);
  const spadWords = plan.spadLines * V;
  const paramWords = plan.paramLines * V;
  const lengths = [...new Set(p.instructions.flatMap((i) => ('n' in i && i.n % V === 0 ? [i.n] : [])))];
  const cases: VecCase[] = [];
  const operands = { vmul: 0, vadd: 0, vsubs: 0, vsumsq: 0, vmean: 0, act: 0, rope: 0 } as Record<VecOp, number>;
  const alignUp = (x: number): number => Math.ceil(x / V) * V;
  for (const op of ops) {
    if (op === 'rope') {
      if (plan.rope) ropeCases(p, plan, u, perOp, rng, cases, operands);
      continue;
    }
    let k = 0;
    // the edge cases first: one row, two rows, every lane of a group and one more
    // (a machine of one row per run has only the one)
    const edgeRows = [1, 2, V, V + 1, plan.maxRows].map((r) => Math.min(r, plan.maxRows));
    while (operands[op] < perOp) {
      const rows = k < edgeRows.length ? edgeRows[k]! : rng.int(1, plan.maxRows);
      let n = rng.int(0, 2) === 0 && lengths.length > 0 ? lengths[rng.int(0, lengths.length - 1)]! : V * rng.int(1, 24);
      if (k < edgeRows.length && k < 2) n = V;
      k++;
      const reduction = op === 'vsumsq' || op === 'vmean';
      const bcast = op === 'vmul' && rng.int(0, 2) === 0;
      const bParam = op === 'vmul' ? rng.int(0, 1) === 0 : op === 'vadd' ? rng.int(0, 2) === 0 : false;
      const scalarB = bcast || op === 'vsubs';
      const aWords = rows * n;
      const dWords = reduction ? rows : rows * n;
      // (act: a is the gate, b the up projection)
      const bWords = reduction ? 0 : scalarB ? (bParam ? 1 : rows) : bParam ? n : rows * n;
      const inPlace = !reduction && op === 'vadd' && rng.int(0, 2) === 0;
      // place a, b (scratchpad) and dst in order with random gaps
      let at = V * rng.int(0, 4);
      const a = at;
      at = alignUp(at + aWords) + V * rng.int(0, 3);
      let b = 0;
      if (bWords > 0 && !bParam) {
        b = at;
        at = alignUp(at + bWords) + V * rng.int(0, 3);
      } else if (bParam) {
        b = V * rng.int(0, Math.max(0, Math.floor((paramWords - bWords) / V)));
      }
      const dst = inPlace ? a : at;
      at = alignUp(at + dWords);
      if (at > spadWords || bWords > paramWords) continue;
      const sp = new Map<number, number>();
      const A = words(rng, aWords);
      A.forEach((w, i) => sp.set(a + i, w));
      const B = words(rng, bWords);
      if (!bParam) B.forEach((w, i) => sp.set(b + i, w));
      // the destination's lines start as junk (a write that does not happen shows)
      const dLo = Math.floor(dst / V) * V;
      const dHi = alignUp(dst + dWords);
      for (let w = dLo; w < dHi; w++) if (!sp.has(w)) sp.set(w, rng.u32());
      const before = new Map(sp);
      const x = (w: number): number => bitsToF32(sp.get(w)!);
      const bv = (r: number, j: number): number => {
        const idx = scalarB ? (bParam ? 0 : r) : bParam ? j : r * n + j;
        return bitsToF32(B[idx]!);
      };
      const out: [number, number][] = [];
      for (let r = 0; r < rows; r++) {
        const row = a + r * n;
        switch (op) {
          case 'vmul':
          case 'vadd':
          case 'vsubs':
            for (let j = 0; j < n; j++) {
              const y = op === 'vmul' ? f(x(row + j) * bv(r, j)) : op === 'vadd' ? f(x(row + j) + bv(r, j)) : f(x(row + j) - bv(r, j));
              out.push([dst + r * n + j, bits(y)]);
            }
            break;
          case 'act': {
            const gate = Float32Array.from({ length: n }, (_, j) => x(row + j));
            const up = Float32Array.from({ length: n }, (_, j) => bv(r, j));
            ffnActHw('relu2-gated', gate, up, new Float32Array(n)).forEach((y, j) => out.push([dst + r * n + j, bits(y)]));
            break;
          }
          case 'vsumsq':
            out.push([dst + r, bits(sumF32(n, (j) => f(x(row + j) * x(row + j))))]);
            break;
          case 'vmean':
            out.push([dst + r, bits(f(sumF32(n, (j) => x(row + j)) / n))]);
            break;
        }
      }
      for (const [w, v] of out) sp.set(w, v);
      const lines = (m: Map<number, number>, lo: number, hi: number): Line[] => {
        const res: Line[] = [];
        for (let l = lo / V; l < hi / V; l++) {
          const ws = new Uint32Array(V);
          for (let i = 0; i < V; i++) ws[i] = m.get(l * V + i) ?? 0;
          res.push({ line: l, words: ws });
        }
        return res;
      };
      const load = [...new Set([...before.keys()].map((w) => Math.floor(w / V)))].sort((p1, p2) => p1 - p2).flatMap((l) => lines(before, l * V, (l + 1) * V));
      const pm = new Map<number, number>();
      if (bParam) B.forEach((w, i) => pm.set(b + i, w));
      const loadParam = bParam ? lines(pm, Math.floor(b / V) * V, alignUp(b + bWords)) : [];
      const instr: Instr = reduction
        ? { op, dst: 0, a: 0, n }
        : op === 'vsubs'
          ? { op, dst: 0, a: 0, s: 0, n }
          : op === 'vmul'
            ? { op, dst: 0, a: 0, b: 0, n, bcast, bParam }
            : op === 'act'
              ? { op, kind: 'relu2-gated', gate: 0, up: 0, dst: 0, n }
              : { op: 'vadd', dst: 0, a: 0, b: 0, n, bParam };
      cases.push({ op, imm: 0, pos: 0, bcast, bParam, dst, a, b, n, rows, cycles: cycles(instr, p, u, 0, rows), load, loadParam, check: lines(sp, dLo, dHi), actions: expectedActions(instr, rows), tokens: [], token: TOKEN_UNCHECKED });
      operands[op] += rows * n;
    }
  }
  return { cases, operands };
}

/**
 * A case's scratchpad lines: the destination's lines filled with junk where nothing is loaded
 * (a write that does not happen shows), every loaded line, and the destination's lines after the
 * expected writes `out` (none when dWords is 0).
 */
export function scratchpadLines(sp: Map<number, number>, out: readonly (readonly [number, number])[], dst: number, dWords: number, lanes: number, rng: Rng): { load: Line[]; check: Line[] } {
  const dLo = Math.floor(dst / lanes) * lanes;
  const dHi = Math.ceil((dst + dWords) / lanes) * lanes;
  for (let w = dLo; w < dHi; w++) if (!sp.has(w)) sp.set(w, rng.u32());
  const before = new Map(sp);
  for (const [w, v] of out) sp.set(w, v);
  const load = [...new Set([...before.keys()].map((w) => Math.floor(w / lanes)))].sort((x, y) => x - y).flatMap((l) => linesOf(before, lanes, l * lanes, (l + 1) * lanes));
  return { load, check: dWords > 0 ? linesOf(sp, lanes, dLo, dHi) : [] };
}

/** Whole lines [lo, hi) of a sparse memory (absent words 0). */
export function linesOf(m: ReadonlyMap<number, number>, lanes: number, lo: number, hi: number): Line[] {
  const res: Line[] = [];
  for (let l = lo / lanes; l < hi / lanes; l++) {
    const ws = new Uint32Array(lanes);
    for (let i = 0; i < lanes; i++) ws[i] = m.get(l * lanes + i) ?? 0;
    res.push({ line: l, words: ws });
  }
  return res;
}

/**
 * rsqrt cases: random row counts, lengths n (the model's and others) and eps (the model's and
 * others), the sums of squares as random words (any bit pattern, and magnitudes a sum of squares
 * has: non-negative, zero, subnormal, huge), dst = 1 / sqrt(a / n + eps) per row.
 */
export function sfuVectors(p: Program, plan: VectorPlan, u: UnitContracts, operations: number, seed: number, countBits = 32): VecVectorSet {
  // lengths the unit's counters hold (a machine sized for its model has narrow ones)
  const nMax = Math.min(8192, 2 ** countBits - 1);
  const V = plan.lanes;
  const rng = new Rng(seed);
  const spadWords = plan.spadLines * V;
  const lengths = [...new Set(p.instructions.flatMap((i) => (i.op === 'rsqrt' ? [i.n] : [])))];
  const epsilons = [...new Set(p.instructions.flatMap((i) => (i.op === 'rsqrt' ? [f32Bits(i.eps)] : [])))];
  const alignUp = (x: number): number => Math.ceil(x / V) * V;
  const cases: VecCase[] = [];
  let done = 0;
  const edgeRows = [1, 2, plan.maxRows].map((r) => Math.min(r, plan.maxRows));
  for (let k = 0; done < operations; k++) {
    const rows = k < edgeRows.length ? edgeRows[k]! : rng.int(1, plan.maxRows);
    const n = rng.int(0, 1) === 0 && lengths.length > 0 ? lengths[rng.int(0, lengths.length - 1)]! : rng.int(1, nMax);
    const eps = rng.int(0, 1) === 0 && epsilons.length > 0 ? epsilons[rng.int(0, epsilons.length - 1)]! : rng.int(0, 3) === 0 ? 0 : operand(rng, 1, rng.int(90, 126)) & 0x7fffffff;
    const a = V * rng.int(0, 8) + rng.int(0, V - 1);
    const dst = alignUp(a + rows) + V * rng.int(0, 3) + rng.int(0, V - 1);
    if (dst + rows > spadWords) continue;
    const sp = new Map<number, number>();
    const family = rng.int(0, 3);
    for (let r = 0; r < rows; r++) {
      const w = family === 0 ? rng.u32() : family === 1 ? operand(rng, 1, rng.int(1, 254)) & 0x7fffffff : operand(rng, 2, 0) & 0x7fffffff;
      sp.set(a + r, rng.int(0, 30) === 0 ? FP_EDGE_OPERANDS[rng.int(0, FP_EDGE_OPERANDS.length - 1)]! >>> 0 : w);
    }
    const dLo = Math.floor(dst / V) * V;
    const dHi = alignUp(dst + rows);
    for (let w = dLo; w < dHi; w++) if (!sp.has(w)) sp.set(w, rng.u32());
    const aLo = Math.floor(a / V) * V;
    for (let w = aLo; w < alignUp(a + rows); w++) if (!sp.has(w)) sp.set(w, rng.u32());
    const before = new Map(sp);
    const e = bitsToF32(eps);
    for (let r = 0; r < rows; r++) sp.set(dst + r, bits(rsqrtHw(bitsToF32(before.get(a + r)!), n, e)));
    const load = [...new Set([...before.keys()].map((w) => Math.floor(w / V)))].sort((x, y) => x - y).flatMap((l) => linesOf(before, V, l * V, (l + 1) * V));
    const instr = { op: 'rsqrt', dst: 0, a: 0, eps: e, n } as const;
    cases.push({ op: 'rsqrt', imm: eps, pos: 0, bcast: false, bParam: false, dst, a, b: 0, n, rows, cycles: cycles(instr, p, u, 0, rows), load, loadParam: [], check: linesOf(sp, V, dLo, dHi), actions: expectedActions(instr, rows), tokens: [], token: TOKEN_UNCHECKED });
    done += rows;
  }
  return { cases, operands: { rsqrt: done } };
}

/**
 * rope cases: the program's head counts (queries, keys) and others, random row counts and first
 * positions (the context's first and last among them), the buffer rotated in place by the
 * numerics' ropeHw with ropeRow's table of each row's position.
 */
function ropeCases(p: Program, plan: VectorPlan, u: UnitContracts, perOp: number, rng: Rng, cases: VecCase[], operands: Record<VecOp, number>): void {
  const V = plan.lanes;
  const hd = p.attention.headDim;
  const inv = ropeInvFreq(p.attention.ropeTheta!, hd);
  const headCounts = [...new Set(p.instructions.flatMap((i) => (i.op === 'rope' ? [i.heads] : [])))];
  const spadWords = plan.spadLines * V;
  const cos = new Float32Array(hd / 2);
  const sin = new Float32Array(hd / 2);
  for (let k = 0; operands.rope < perOp; k++) {
    const rows = k === 0 ? 1 : k === 1 ? plan.maxRows : rng.int(1, plan.maxRows);
    const heads = rng.int(0, 2) > 0 && headCounts.length > 0 ? headCounts[rng.int(0, headCounts.length - 1)]! : rng.int(1, 6);
    const pos = k === 0 ? 0 : k === 1 ? p.context - rows : rng.int(0, p.context - rows);
    const words = rows * heads * hd;
    const a = V * rng.int(0, 6);
    if (a + words > spadWords) continue;
    const data = words === 0 ? new Uint32Array(0) : (() => {
      const w = new Uint32Array(words);
      const family = rng.int(0, 2);
      const center = rng.int(100, 150);
      for (let i = 0; i < words; i++) w[i] = operand(rng, family === 0 ? 0 : 1, family === 2 ? rng.int(1, 254) : center);
      return w;
    })();
    const before = new Map<number, number>();
    data.forEach((w, i) => before.set(a + i, w));
    const v = Float32Array.from(data, bitsToF32);
    for (let r = 0; r < rows; r++) {
      ropeRow(inv, pos + r, cos, sin);
      ropeHw(v, r * heads * hd, heads, hd, cos, sin);
    }
    const after = new Map<number, number>();
    v.forEach((x, i) => after.set(a + i, bits(x)));
    const hi = Math.ceil((a + words) / V) * V;
    const instr: Instr = { op: 'rope', buf: 0, heads, headDim: hd, table: 0 };
    cases.push({ op: 'rope', imm: 0, pos, bcast: false, bParam: false, dst: a, a: 0, b: 0, n: heads, rows, cycles: cycles(instr, p, u, pos, rows), load: linesOf(before, V, a, hi), loadParam: [], check: linesOf(after, V, a, hi), actions: expectedActions(instr, rows), tokens: [], token: TOKEN_UNCHECKED });
    operands.rope += words;
  }
}

export function writeVecVectors(file: string, lanes: number, set: VecVectorSet, kvLanes = 0): void {
  const w: number[] = [lanes, kvLanes, set.cases.length];
  for (const c of set.cases) {
    const flags = (c.bcast ? 1 : 0) | (c.bParam ? 2 : 0);
    const kv = c.kv ?? { kLoad: [], vLoad: [], kCheck: [], vCheck: [] };
    w.push(OPCODES[c.op], flags, c.dst, c.a, c.b, c.n, c.imm, c.pos, c.rows, c.cycles, ...c.actions, c.token, c.tokens.length, c.load.length, c.loadParam.length, c.check.length);
    w.push(kv.kLoad.length, kv.vLoad.length, kv.kCheck.length, kv.vCheck.length);
    w.push(...c.tokens);
    for (const l of [...c.load, ...c.loadParam, ...c.check]) w.push(l.line, ...l.words);
    for (const l of [...kv.kLoad, ...kv.vLoad, ...kv.kCheck, ...kv.vCheck]) {
      if (l.words.length !== kvLanes) throw new Error(`writeVecVectors: a KV line of ${l.words.length} words for ${kvLanes} lanes`);
      w.push(l.line, ...l.words);
    }
  }
  const buf = Buffer.alloc(8 + 4 * w.length);
  buf.write('BNHWVC06', 0, 'ascii');
  w.forEach((x, i) => buf.writeUInt32LE(x >>> 0, 8 + 4 * i));
  fs.writeFileSync(file, buf);
}
