/**
 * Cases for the KV and attention units' bench (hw/cocotb/test_vec.py around bnhw_kvw, bnhw_attn
 * and the KV cache): random kvw instructions (random rows, first positions and layers, K and V
 * words of every kind) with the cache lines they must leave, and random attn instructions (random
 * rows, positions and layers over a KV cache loaded with random rows) with the scratchpad they
 * must leave, each with the contract's cycles (src/ir/units.ts) and the simulator's actions.
 *
 * Needs: a program and architecture (the caches' layout: attn.ts planKv), a seed and an operand
 * count per instruction (cache words written for kvw, multiply-adds for attn). Guarantees: every
 * expected word is the numerics' (kvw: kvStore's rounding on the word's bits; attn: attendHw over
 * the cache's values, NaN as 0x7FC00000); kvw cases preload junk into every cache line they touch
 * and check whole lines (the banks it must not write unchanged); attn cases fill the cache's
 * unused lanes of a group with junk (lanes past the row's positions must be masked).
 */
import type { Instr, Program } from '../ir/program.js';
import { cycles, type UnitContracts } from '../ir/units.js';
import { attendHw, attentionScale, F32_QNAN } from '../numerics/model.js';
import { bitsToF32, f32Bits, f32BitsToBf16 } from '../util/float.js';
import { Rng } from '../util/prng.js';
import type { KvPlan } from '../codegen/attn.js';
import { FP_EDGE_OPERANDS } from './fp-vectors.js';
import { expectedActions, operand, scratchpadLines, TOKEN_UNCHECKED, words, type Line, type VecCase, type VecVectorSet } from './vec-vectors.js';

const bits = (x: number): number => (Number.isNaN(x) ? F32_QNAN : f32Bits(x));

/** A sparse cache memory as lines of `banks` words. */
function cacheLines(m: ReadonlyMap<number, Uint32Array>): Line[] {
  return [...m.keys()].sort((a, b) => a - b).map((line) => ({ line, words: m.get(line)!.slice() }));
}

/** How big the cases may be: see AttnBenchOptions. */
export interface AttnCaseShape {
  readonly long: boolean;
  readonly minCases: number;
  readonly maxRows: number;
}

export function attnVectors(p: Program, plan: KvPlan, u: UnitContracts, perOp: number, seed: number, ops: readonly ('kvw' | 'attn')[], shape: AttnCaseShape): VecVectorSet {
  const { long, minCases } = shape;
  const V = plan.vector.lanes;
  const A = plan.banks;
  const R = plan.rowWords;
  const { heads, kvHeads, headDim: hd } = p.attention;
  const group = heads / kvHeads;
  const rng = new Rng(seed);
  const spadWords = plan.vector.spadLines * V;
  const alignUp = (x: number): number => Math.ceil(x / V) * V;
  const stored = (w: number): number => (plan.elementBits === 16 ? f32BitsToBf16(w) : w);
  const widen = (s: number): number => bitsToF32(plan.elementBits === 16 ? (s << 16) >>> 0 : s);
  const junk = (): number => (plan.elementBits === 16 ? rng.u32() & 0xffff : rng.u32());
  const kLine = (layer: number, j: number, c: number): number => layer * plan.kDepth + Math.floor(j / A) * R + c;
  const vLine = (layer: number, j: number, c: number): number => layer * plan.vDepth + j * (R / A) + Math.floor(c / A);
  const touch = (m: Map<number, Uint32Array>, line: number): Uint32Array => {
    let w = m.get(line);
    if (!w) {
      w = Uint32Array.from({ length: A }, junk);
      m.set(line, w);
    }
    return w;
  };
  const cases: VecCase[] = [];
  const operands: Record<string, number> = { kvw: 0, attn: 0 };
  for (const op of ops) {
    // at least minCases instructions, however many operands the long ones bring
    for (let k = 0; operands[op]! < perOp || k < minCases; k++) {
      const maxRows = Math.min(shape.maxRows, plan.vector.maxRows);
      // one row; the block (for attn: two rows to the context's end when `long`, the block next); random
      const rows = k === 0 ? 1 : k === 1 ? (op === 'attn' && long ? Math.min(2, maxRows) : maxRows) : k === 2 && op === 'attn' ? maxRows : rng.int(1, maxRows);
      const layer = rng.int(0, plan.layers - 1);
      const sp = new Map<number, number>();
      const out: [number, number][] = [];
      const kBefore = new Map<number, Uint32Array>();
      const vBefore = new Map<number, Uint32Array>();
      let kAfter = new Map<number, Uint32Array>();
      let vAfter = new Map<number, Uint32Array>();
      let pos: number;
      let instr: Instr;
      const a = V * rng.int(0, 4);
      let b = 0;
      let dst = 0;
      let dWords = 0;
      if (op === 'kvw') {
        pos = k === 2 ? p.context - rows : rng.int(0, p.context - rows);
        const K = words(rng, rows * R);
        const Vw = words(rng, rows * R);
        b = alignUp(a + rows * R) + V * rng.int(0, 3);
        if (b + rows * R > spadWords) continue;
        K.forEach((w, i) => sp.set(a + i, w));
        Vw.forEach((w, i) => sp.set(b + i, w));
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < R; c++) {
            touch(kBefore, kLine(layer, pos + r, c));
            touch(vBefore, vLine(layer, pos + r, c));
          }
        }
        kAfter = new Map([...kBefore].map(([l, w]) => [l, w.slice()]));
        vAfter = new Map([...vBefore].map(([l, w]) => [l, w.slice()]));
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < R; c++) {
            kAfter.get(kLine(layer, pos + r, c))![(pos + r) % A] = stored(K[r * R + c]!);
            vAfter.get(vLine(layer, pos + r, c))![c % A] = stored(Vw[r * R + c]!);
          }
        }
        instr = { op: 'kvw', layer, k: 0, v: 0 };
        operands.kvw! += 2 * rows * R;
      } else {
        pos = k === 1 && long ? p.context - rows : rng.int(0, Math.min(p.context - rows, 3 * A + 5));
        const len = pos + rows;
        // the cache's rows 0..len-1 of this layer. Scores stay finite (the law's exp is defined for
        // s - m <= 0, which a NaN or infinite score breaks): q and K near one, with the edge
        // operands below 2^50; V any word, edge operands included
        const center = rng.int(118, 128);
        const small = FP_EDGE_OPERANDS.filter((w) => ((w >>> 23) & 0xff) <= 127 + 50);
        const near = (): number => ((rng.int(0, 1) << 31) | ((center + rng.int(-3, 3)) << 23) | (rng.u32() & 0x7fffff)) >>> 0;
        const qk = (): number => (rng.int(0, 99) === 0 ? small[rng.int(0, small.length - 1)]! >>> 0 : near());
        const vFamily = rng.int(0, 3);
        const vw = (): number => (rng.int(0, 99) === 0 ? FP_EDGE_OPERANDS[rng.int(0, FP_EDGE_OPERANDS.length - 1)]! >>> 0 : operand(rng, vFamily === 0 ? 0 : 1, center));
        const Kf = new Float32Array(len * R);
        const Vf = new Float32Array(len * R);
        for (let j = 0; j < len; j++) {
          for (let c = 0; c < R; c++) {
            const ks = stored(qk());
            const vs = stored(vw());
            touch(kBefore, kLine(layer, j, c))[j % A] = ks;
            touch(vBefore, vLine(layer, j, c))[c % A] = vs;
            Kf[j * R + c] = widen(ks);
            Vf[j * R + c] = widen(vs);
          }
        }
        const qWords = rows * heads * hd;
        const q = Uint32Array.from({ length: qWords }, qk);
        dst = alignUp(a + qWords) + V * rng.int(0, 3);
        dWords = qWords;
        if (dst + dWords > spadWords) continue;
        q.forEach((w, i) => sp.set(a + i, w));
        const qf = Float32Array.from(q, bitsToF32);
        const res = new Float32Array(qWords);
        const scores = new Float32Array(len);
        const scale = attentionScale(hd);
        for (let r = 0; r < rows; r++) {
          for (let hh = 0; hh < heads; hh++) {
            attendHw(qf, (r * heads + hh) * hd, Kf, Vf, R, Math.floor(hh / group) * hd, pos + r + 1, hd, scale, scores, res, (r * heads + hh) * hd);
          }
          operands.attn! += 2 * heads * hd * (pos + r + 1);
        }
        res.forEach((x, i) => out.push([dst + i, bits(x)]));
        instr = { op: 'attn', layer, q: 0, dst: 0 };
      }
      const { load, check } = scratchpadLines(sp, out, dst, dWords, V, rng);
      cases.push({
        op, imm: 0, pos, bcast: false, bParam: false, dst, a, b, n: layer, rows,
        cycles: cycles(instr, p, u, pos, rows), load, loadParam: [], check,
        actions: expectedActions(instr, rows, p, pos), tokens: [], token: TOKEN_UNCHECKED,
        kv: { kLoad: cacheLines(kBefore), vLoad: cacheLines(vBefore), kCheck: op === 'kvw' ? cacheLines(kAfter) : [], vCheck: op === 'kvw' ? cacheLines(vAfter) : [] },
      });
    }
  }
  return { cases, operands };
}
