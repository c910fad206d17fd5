/**
 * Cases for the head unit's bench (hw/cocotb/test_vec.py around bnhw_head): random embed, head
 * and argmax instructions over random row counts, tokens and aligned addresses, with the expected
 * scratchpad afterwards, argmax's token and the contract's cycles (src/ir/units.ts); and random
 * tables for the unit to be built with (randomHeadTables), so that the table side of the head's
 * products sees edge operands too.
 *
 * Needs: a program and architecture (the unit's sizes: head.ts planHead), the tables the unit was
 * built with, a seed and an operand count per instruction. Guarantees: every expected word is the
 * numerics' (embed: the table row widened; head: dotF32 of the run's last row with every vocab
 * row; argmax: the reference's argmax, NaN skipped, the lowest index on a tie); each case checks
 * whole lines around its destination, the words it must not write included.
 */
import type { Instr, Program } from '../ir/program.js';
import { cycles, type UnitContracts } from '../ir/units.js';
import { dotF32, F32_QNAN } from '../numerics/model.js';
import { argmax } from '../ref/model.js';
import { bitsToF32, f32Bits } from '../util/float.js';
import { Rng } from '../util/prng.js';
import type { HeadPlan, HeadTables } from '../codegen/head.js';
import { FP_EDGE_OPERANDS } from './fp-vectors.js';
import { expectedActions, operand, scratchpadLines, TOKEN_NONE, TOKEN_UNCHECKED, words, type VecCase, type VecVectorSet } from './vec-vectors.js';

export type HeadOp = 'embed' | 'head' | 'argmax';
export const HEAD_BENCH_OPS: readonly HeadOp[] = ['embed', 'head', 'argmax'];

/** A table of random rows (each row one operand family, edge operands among them), f32 words or bf16 halves. */
export function randomHeadTables(p: Program, format: 'f32' | 'bf16', tied: boolean, seed: number): HeadTables {
  const rng = new Rng(seed);
  const table = (): Uint32Array => {
    const t = new Uint32Array(p.vocab * p.hidden);
    for (let v = 0; v < p.vocab; v++) {
      // most rows finite, of one magnitude; one in eight of any words, the edge operands with infinities and NaNs among them
      const row = rng.int(0, 7) === 0 ? words(rng, p.hidden) : finiteWords(rng, p.hidden);
      for (let k = 0; k < p.hidden; k++) t[v * p.hidden + k] = format === 'f32' ? row[k]! : row[k]! >>> 16;
    }
    return t;
  };
  const embed = table();
  return { format, embed, head: tied ? null : table() };
}

const FINITE_EDGES = FP_EDGE_OPERANDS.filter((w) => ((w >>> 23) & 0xff) !== 0xff);

/** Finite words of one magnitude, the finite edge operands (zeros, subnormals, around one, the largest) among them. */
function finiteWords(rng: Rng, count: number): Uint32Array {
  const center = rng.int(100, 150);
  return Uint32Array.from({ length: count }, () => (rng.int(0, 49) === 0 ? FINITE_EDGES[rng.int(0, FINITE_EDGES.length - 1)]! >>> 0 : ((rng.int(0, 1) << 31) | ((center + rng.int(-3, 3)) << 23) | (rng.u32() & 0x7fffff)) >>> 0));
}

/** A table element's fp32 bits (bf16 widened exactly: a copy, NaN payloads kept). */
function elementBits(t: Uint32Array, format: 'f32' | 'bf16', i: number): number {
  return format === 'f32' ? t[i]! : (t[i]! << 16) >>> 0;
}

const bits = (x: number): number => (Number.isNaN(x) ? F32_QNAN : f32Bits(x));

/**
 * `minCases`: at least this many instructions of each kind, however many operands the first bring;
 * `headCases` the same for `head` (each runs every vocab row: the costly one).
 */
export function headVectors(p: Program, plan: HeadPlan, tables: HeadTables, u: UnitContracts, perOp: number, seed: number, ops: readonly HeadOp[] = HEAD_BENCH_OPS, minCases = 8, headCases = minCases): VecVectorSet {
  const V = plan.vector.lanes;
  const H = p.hidden;
  const rng = new Rng(seed);
  const spadWords = plan.vector.spadLines * V;
  const alignUp = (x: number): number => Math.ceil(x / V) * V;
  const headTable = tables.head ?? tables.embed;
  const headRows: Float32Array[] = [];
  for (let v = 0; v < p.vocab; v++) headRows.push(Float32Array.from({ length: H }, (_, k) => bitsToF32(elementBits(headTable, tables.format, v * H + k))));
  const cases: VecCase[] = [];
  const operands: Record<HeadOp, number> = { embed: 0, head: 0, argmax: 0 };
  const edgeTokens = [0, p.vocab - 1, plan.lanes - 1, plan.lanes, Math.min(p.vocab - 1, plan.lanes + 1)];
  for (const op of ops) {
    const least = op === 'head' ? headCases : minCases;
    for (let k = 0; operands[op] < perOp || k < least; k++) {
      const rows = k === 0 ? 1 : k === 1 ? plan.vector.maxRows : rng.int(1, plan.vector.maxRows);
      const sp = new Map<number, number>();
      const out: [number, number][] = [];
      let tokens: number[] = [];
      let token = TOKEN_UNCHECKED;
      let instr: Instr;
      let a = 0;
      let dst = 0;
      let n = 0;
      let dWords = 0;
      if (op === 'embed') {
        tokens = Array.from({ length: rows }, (_, r) => (k < 3 && r < edgeTokens.length ? edgeTokens[r]! : rng.int(0, p.vocab - 1)));
        dst = V * rng.int(0, 8);
        dWords = rows * H;
        tokens.forEach((t, r) => {
          for (let j = 0; j < H; j++) out.push([dst + r * H + j, elementBits(tables.embed, tables.format, t * H + j)]);
        });
        instr = { op: 'embed', dst: 0 };
        operands.embed += rows * H;
      } else if (op === 'head') {
        a = V * rng.int(0, 4);
        // finite numbers of one magnitude (one infinity or NaN in the row makes every logit NaN,
        // and the rows indistinguishable); any words now and then past the edge cases
        const x = k >= 2 && rng.int(0, 5) === 0 ? words(rng, rows * H) : finiteWords(rng, rows * H);
        x.forEach((w, i) => sp.set(a + i, w));
        dst = alignUp(a + rows * H) + V * rng.int(0, 3);
        dWords = p.vocab;
        const last = Float32Array.from(x.subarray((rows - 1) * H), bitsToF32);
        for (let v = 0; v < p.vocab; v++) out.push([dst + v, bits(dotF32(last, 0, headRows[v]!, 0, H))]);
        instr = { op: 'head', src: 0, dst: 0 };
        operands.head += p.vocab * H;
      } else {
        n = k === 0 ? 1 : k === 1 || k === 2 ? p.vocab : rng.int(1, p.vocab);
        a = V * rng.int(0, 8);
        const w = argmaxWords(rng, n, k);
        w.forEach((x, i) => sp.set(a + i, x));
        const vals = Float32Array.from(w, bitsToF32);
        token = vals.every((x) => Number.isNaN(x)) ? TOKEN_NONE : argmax(vals);
        instr = { op: 'argmax', src: 0, n };
        operands.argmax += n;
      }
      if (Math.max(a + rows * H, dst + dWords) > spadWords) continue;
      const { load, check } = scratchpadLines(sp, out, dst, dWords, V, rng);
      cases.push({ op, imm: 0, pos: 0, bcast: false, bParam: false, dst, a, b: 0, n, rows, cycles: cycles(instr, p, u, 0, rows), load, loadParam: [], check, actions: expectedActions(instr, rows, p), tokens, token });
    }
  }
  return { cases, operands };
}

/**
 * argmax's words: a random family with NaNs, repeated maxima (ties), zeros of both signs and
 * infinities mixed in; the third case all NaN; the fourth negative numbers and NaNs with a -0
 * before a +0 (zeros are equal: the -0 wins).
 */
function argmaxWords(rng: Rng, n: number, k: number): Uint32Array {
  if (k === 2) return Uint32Array.from({ length: n }, () => (rng.int(0, 1) ? 0x7fc00000 : 0xff800001 + rng.int(0, 1000)));
  if (k === 3 && n >= 2) {
    const w = Uint32Array.from({ length: n }, () => (rng.int(0, 7) === 0 ? 0x7fc00000 : (0x80000000 | operand(rng, 1, rng.int(100, 150))) >>> 0));
    const i = rng.int(0, n - 2);
    w[i] = 0x80000000;
    w[rng.int(i + 1, n - 1)] = 0;
    return w;
  }
  const family = rng.int(0, 2);
  const center = rng.int(100, 150);
  const w = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.int(0, 15);
    w[i] = r === 0 ? 0x7fc00000 | rng.u32() : r === 1 ? FP_EDGE_OPERANDS[rng.int(0, FP_EDGE_OPERANDS.length - 1)]! >>> 0 : r === 2 ? (rng.int(0, 1) ? 0x80000000 : 0) : operand(rng, family, center);
  }
  // ties: the largest value (or -0 for +0) copied to another place (the earlier must win)
  const vals = Float32Array.from(w, bitsToF32);
  if (n > 2 && rng.int(0, 1) === 0 && !vals.every((x) => Number.isNaN(x))) {
    const b = argmax(vals);
    const to = b < n - 1 ? rng.int(b + 1, n - 1) : rng.int(0, b - 1);
    w[to] = vals[b] === 0 ? (w[b]! ^ 0x80000000) >>> 0 : w[b]!;
  }
  return w;
}
