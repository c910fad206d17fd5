/**
 * Test vectors for the reduction lanes (bnhw_fsum, bnhw_fdot): sums and dot products with the
 * numerics' result (`sumF32`, `dotF32`), so the lane bench's model is the numerics module itself.
 *
 * Needs: a seed and a term count. Guarantees: the edge reductions come first (lengths 1 to 9, so
 * every partial is empty, single or full; lone and repeated signed zeros; infinities of both
 * signs and their difference; NaNs; overflow of the partials and of their combination; subnormal
 * sums; exact cancellation to zero), then seeded random reductions until `terms` random terms
 * are reached. Their lengths mix the shapes the model sums (head dimension, hidden, FFN and
 * context lengths, each +-1) with random ones; their values are drawn per reduction from one of
 * several families (one magnitude with random signs, wide magnitudes, pairs that cancel, near
 * overflow, subnormal, a few specials among normal terms; for products also factors whose
 * products overflow or underflow). About one reduction in three is marked `tight`: the bench
 * offers its terms back to back and checks every term is taken on its contract cycle.
 * Reproducible from the seed.
 *
 * File 'BNHWLN01': per lane: u32 lane (0 sum, 1 dot), u32 cycles from the last term to the
 * result, u32 adder latency, u32 reductions; per reduction: u32 n, u32 tight, u32 expected, then
 * n x (u32 a, u32 b) (b is 0 for the sum lane).
 */
import { dotF32, F32_QNAN, sumF32 } from '../numerics/model.js';
import { bitsToF32, f32Bits } from '../util/float.js';
import { writeFileAtomic } from '../util/fsout.js';
import { Rng } from '../util/prng.js';

export type Lane = 'sum' | 'dot';
export const LANES: readonly Lane[] = ['sum', 'dot'];

export interface Reduction {
  readonly a: Uint32Array;
  /** The second factors (dot lane); all zero for the sum lane. */
  readonly b: Uint32Array;
  readonly tight: boolean;
  readonly expected: number;
}

export interface LaneVectorSet {
  readonly lane: Lane;
  readonly reductions: readonly Reduction[];
  /** Terms in all (edge and random). */
  readonly terms: number;
}

const bits = (x: number): number => (Number.isNaN(x) ? F32_QNAN : f32Bits(x));

/** The law's result of a reduction, as a bit pattern (every NaN the one quiet NaN). */
export function laneResult(lane: Lane, a: Uint32Array, b: Uint32Array): number {
  const fa = Float32Array.from(a, bitsToF32);
  if (lane === 'sum') return bits(sumF32(fa.length, (i) => fa[i]!));
  return bits(dotF32(fa, 0, Float32Array.from(b, bitsToF32), 0, fa.length));
}

const ONE = 0x3f800000;
const MAX = 0x7f7fffff;
const INF = 0x7f800000;
const NEG = 0x80000000;

/** Edge reductions of the sum lane (terms); the dot lane takes them as a_i * 1 and other pairs. */
const EDGE_SUMS: readonly (readonly number[])[] = [
  [0], [NEG], [NEG, NEG], [NEG, NEG, NEG, NEG, NEG], [ONE], [ONE | NEG],
  [ONE, 0x40000000], // 1 + 2
  [0x33800000, ONE], [ONE, 0x33800000], [ONE, 0x33800001, 0, 0, 0x33800000], // ties at 1 + 2^-24
  [MAX, MAX], [MAX, 0, MAX], [MAX, 0, 0, 0, MAX], [MAX, MAX | NEG, MAX], [MAX, 0, MAX, 0, MAX | NEG, 0, MAX | NEG],
  [INF], [INF | NEG], [INF, INF | NEG], [INF, 0, 0, 0, INF | NEG], [INF, ONE, ONE, ONE, ONE],
  [F32_QNAN], [0x7f800001], [ONE, ONE, 0xffc00000], [INF, 0x7fbfffff],
  [1], [1, 1, 1, 1, 1, 1, 1, 1], [0x807fffff, 0x007fffff], [0x00800000, 0x80000001],
  [0x4b800000, ONE, ONE | NEG, 0x4b800000 | NEG], [ONE, ONE, ONE, ONE, ONE, ONE, ONE, ONE, ONE],
  [ONE, ONE | NEG, ONE, 0x33800000, 0x33800000 | NEG, 0x34000000], [NEG, NEG, NEG, NEG, NEG, NEG, NEG],
  [0x40490fdb, 0xc02df854, 0x3eaaaaab, 0x3f7fffff, 0xbf800001, 0x00000003, 0x7effffff, 0xfeffffff, 0x3a800000],
];

function field(rng: Rng, sign: number, exp: number): number {
  const r = rng.int(0, 7);
  const mant = r === 0 ? 0 : r === 1 ? 0x7fffff : rng.u32() & 0x7fffff;
  return ((sign << 31) | (exp << 23) | mant) >>> 0;
}

const clampExp = (e: number): number => Math.max(0, Math.min(254, e));

/** A random reduction length: the model's sums (+-1) half of the time, else 1..300. */
function length(rng: Rng): number {
  if (rng.int(0, 1) === 0) {
    const shapes = [4, 8, 16, 32, 64, 128, 256, 384];
    return Math.max(1, shapes[rng.int(0, shapes.length - 1)]! + rng.int(-1, 1));
  }
  return rng.int(0, 3) === 0 ? rng.int(1, 12) : rng.int(1, 300);
}

/** Terms of one family (`lane` sum) or first/second factors (`dot`). */
function randomReduction(rng: Rng, lane: Lane, n: number): { a: number[]; b: number[] } {
  const a: number[] = [];
  const b: number[] = [];
  const family = rng.int(0, 9);
  const center = rng.int(1, 254);
  for (let i = 0; i < n; i++) {
    const s = rng.int(0, 1);
    let x: number;
    switch (family) {
      case 0: // uniform bit patterns, specials replaced by a normal most of the time
        x = rng.u32();
        if ((x & 0x7f800000) === 0x7f800000 && rng.int(0, 15) !== 0) x &= 0xbfffffff;
        break;
      case 1:
      case 2: // one magnitude, random signs: cancellation
        x = field(rng, s, clampExp(center + rng.int(-3, 3)));
        break;
      case 3: // wide magnitudes: alignment past the sticky bit
        x = field(rng, s, clampExp(center + rng.int(-40, 40)));
        break;
      case 4: // pairs that cancel, with a little left over
        x = i % 2 === 1 && rng.int(0, 3) !== 0 ? (a[i - 1]! ^ NEG ^ rng.int(0, 1)) >>> 0 : field(rng, s, clampExp(center + rng.int(-2, 2)));
        break;
      case 5: // near overflow
        x = field(rng, rng.int(0, 4) === 0 ? 1 : 0, rng.int(248, 254));
        break;
      case 6: // subnormal and tiny
        x = field(rng, s, rng.int(0, 2));
        break;
      case 7: // one special among normal terms
        x = rng.int(0, n) === 0 ? [INF, INF | NEG, F32_QNAN, 0x7f800001][rng.int(0, 3)]! : field(rng, s, clampExp(center + rng.int(-8, 8)));
        break;
      default: // ordinary activations: magnitudes around one
        x = field(rng, s, rng.int(112, 132));
    }
    if (lane === 'sum') {
      a.push(x >>> 0);
      b.push(0);
      continue;
    }
    // factors: x split into two, their product near x's magnitude or pushed to the edges
    const push = family === 5 ? rng.int(0, 30) : family === 6 ? -rng.int(0, 30) : rng.int(-6, 6);
    const ea = clampExp(rng.int(64, 190));
    const eb = clampExp(((x >>> 23) & 0xff) - ea + 127 + push);
    a.push(family === 0 ? rng.u32() : field(rng, s, ea));
    b.push(family === 0 ? x >>> 0 : field(rng, rng.int(0, 1), family === 7 && ((x >>> 23) & 0xff) === 255 ? 255 : eb));
  }
  return { a, b };
}

/** Edge reductions, then seeded random ones until `terms` random terms. */
export function laneVectors(lane: Lane, terms: number, seed: number): LaneVectorSet {
  const rng = new Rng(seed ^ (lane === 'sum' ? 0x51a7e : 0xd07d07));
  const reductions: Reduction[] = [];
  let total = 0;
  const add = (a: number[], b: number[], tight: boolean): void => {
    const A = Uint32Array.from(a);
    const B = Uint32Array.from(b);
    reductions.push({ a: A, b: B, tight, expected: laneResult(lane, A, B) });
    total += A.length;
  };
  for (const [k, e] of EDGE_SUMS.entries()) {
    add([...e], e.map(() => (lane === 'sum' ? 0 : ONE)), k % 2 === 0);
    if (lane === 'dot') add(e.map(() => ONE), [...e], k % 2 === 1); // the other operand order
  }
  if (lane === 'dot') {
    // products that overflow, underflow to subnormals or zero, inf x 0
    add([MAX, 0x5f800000, 0x1f800000], [MAX, 0x5f800000, 0x1f800000], true);
    add([0x20000000, 0x00800000, 0x00000001], [0x1f000000, 0x3f000000, 0x3f000000], false);
    add([INF, ONE], [0, ONE], true);
    add([INF | NEG, 0x3f800001], [INF | NEG, 0x3f7fffff], false);
  }
  let random = 0;
  while (random < terms) {
    const n = Math.min(length(rng), terms - random);
    const { a, b } = randomReduction(rng, lane, n);
    add(a, b, rng.int(0, 2) === 0);
    random += n;
  }
  return { lane, reductions, terms: total };
}

/** Write the BNHWLN01 file for the given lanes with their contracts. */
export function writeLaneVectors(file: string, sets: readonly { set: LaneVectorSet; afterLast: number; addLatency: number }[]): void {
  const words: number[] = [];
  for (const { set, afterLast, addLatency } of sets) {
    words.push(LANES.indexOf(set.lane), afterLast, addLatency, set.reductions.length);
    for (const r of set.reductions) {
      words.push(r.a.length, r.tight ? 1 : 0, r.expected);
      for (let i = 0; i < r.a.length; i++) words.push(r.a[i]!, r.b[i]!);
    }
  }
  const body = new Uint8Array(new Uint32Array(words).buffer);
  const out = new Uint8Array(8 + body.length);
  out.set(new TextEncoder().encode('BNHWLN01'), 0);
  out.set(body, 8);
  writeFileAtomic(file, out);
}
