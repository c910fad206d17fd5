/**
 * Test vectors for the fp32 units (src/codegen/fpu.ts): operands and the numerics' result
 * (`fpUnitBits`), so the cocotb benches' model is the numerics module itself.
 *
 * Needs: a seed and a count. Guarantees: every edge operand pair (signed zeros, the smallest and
 * largest subnormals and normals, one, infinities, NaNs, all-ones significands) comes first, then
 * `count` seeded random pairs drawn to reach every path: uniform bit patterns, exponents near each
 * other (cancellation, alignment past the sticky bit), results near overflow and underflow, and
 * subnormal operands. Reproducible from the seed. The exp's arguments are <= 0 (its law's
 * domain): signed zeros, subnormals, the arguments whose t = x * log2 e is a half-integer (the
 * rounding of k) and their neighbours, the flush to zero near -87.34, the cut at -104 and the
 * arguments below it whose k would not fit eight bits, then
 * arguments uniform over [-104, 0] and [-1, 0], log-uniform magnitudes and uniform bit patterns.
 *
 * File 'BNHWFP01': per unit (add, mul, div, sqrt, exp): u32 op index, u32 contract cycles, u32 count,
 * then count x (u32 a, u32 b, u32 expected).
 */
import * as fs from 'node:fs';
import { FP_UNIT_OPS, LOG2E_F32, fpUnitBits, type FpUnitOp } from '../numerics/model.js';
import { f32Bits } from '../util/float.js';
import { Rng } from '../util/prng.js';
import { writeFileAtomic } from '../util/fsout.js';

export const FP_EDGE_OPERANDS: readonly number[] = [
  0x00000000, 0x80000000, // +-0
  0x00000001, 0x80000001, // smallest subnormals
  0x00000002, 0x00400000, 0x007fffff, 0x807fffff, // subnormals, the largest
  0x00800000, 0x80800000, 0x00800001, 0x00ffffff, // smallest normals
  0x3f800000, 0xbf800000, 0x3f800001, 0x3f7fffff, 0x3fffffff, 0x40000000, 0x3fc00000, // around one
  0x33800000, 0x34000000, 0x4b800000, 0x4b000001, // 2^-24, 2^-23, 2^24, 2^23 + 1
  0x1f800000, 0x5f800000, 0x20000000, 0x5f000000, // 2^-64, 2^64, 2^-63, 2^63 (products near the edges)
  0x7f7fffff, 0xff7fffff, 0x7f000000, 0x7effffff, // the largest normals
  0x7f800000, 0xff800000, // infinities
  0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, // NaNs, quiet and signalling
  0x40490fdb, 0xc02df854, // pi, -e
];

export interface FpVectorSet {
  readonly op: FpUnitOp;
  readonly a: Uint32Array;
  readonly b: Uint32Array;
  readonly y: Uint32Array;
}

function field(rng: Rng, sign: number, exp: number): number {
  const r = rng.int(0, 9);
  const mant = r === 0 ? 0 : r === 1 ? 0x7fffff : r === 2 ? 1 << rng.int(0, 22) : rng.u32() & 0x7fffff;
  return ((sign << 31) | (exp << 23) | mant) >>> 0;
}

function randomExp(rng: Rng): number {
  const r = rng.int(0, 19);
  if (r === 0) return 0; // zero or subnormal
  if (r === 1) return 255; // infinity or NaN
  if (r === 2) return rng.int(1, 3);
  if (r === 3) return rng.int(251, 254);
  return rng.int(1, 254);
}

const clampExp = (e: number): number => Math.max(0, Math.min(254, e));

/** One random operand pair for `op`. */
function pair(rng: Rng, op: FpUnitOp): [number, number] {
  const sa = rng.int(0, 1);
  const sb = rng.int(0, 1);
  const kind = rng.int(0, 9);
  if (kind <= 1) return [rng.u32(), rng.u32()];
  const ea = randomExp(rng);
  let eb: number;
  if (kind <= 4) {
    // exponents near each other: cancellation and alignment in the adder, quotients near one
    eb = ea === 255 ? 255 : clampExp(ea + rng.int(-28, 28));
  } else if (kind <= 6) {
    // results near the edges: products and quotients around 2^-126 .. 2^-149 and 2^128
    const target = rng.int(0, 1) ? rng.int(-30, 4) : rng.int(250, 258);
    eb = op === 'div' ? clampExp(ea - target + 127) : clampExp(target - ea + 127);
  } else {
    eb = randomExp(rng);
  }
  const a = field(rng, sa, ea);
  let b = field(rng, sb, eb);
  if (op === 'add' && kind === 8) b = (a ^ 0x80000000 ^ rng.int(0, 3)) >>> 0; // x + (-x +- a few ulp)
  return [a, b];
}

const f = Math.fround;

/** Arguments x whose t = f(x * log2 e) is -(n + 1/2), and `spread` ulps either side of each. */
function halfwayArgs(ns: readonly number[], spread: number): number[] {
  const out: number[] = [];
  for (const n of ns) {
    const x0 = f32Bits(f(-(n + 0.5) / LOG2E_F32));
    for (let d = -spread; d <= spread; d++) out.push((x0 + d) >>> 0);
  }
  return out;
}

/** The exp's edge arguments (all <= 0). */
export function expEdgeArgs(): number[] {
  const fixed = [
    0x00000000, 0x80000000, 0x80000001, 0x807fffff, 0x80800000, // zeros, subnormals, the smallest normal
    0xb3800000, 0xb3000000, 0xbf800000, 0xbf000000, 0xbeb17218, 0xbf317218, // -2^-24, -2^-25, -1, -1/2, -ln2/2, -ln2
    0xc2d00000, 0xc2d00001, 0xc2cfffff, // -104 and its neighbours
    0xff800000, 0xff7fffff, 0xc3000000, // -infinity, the most negative normal, -128
  ];
  const near = (x: number, d: number): number[] => Array.from({ length: 2 * d + 1 }, (_, i) => (f32Bits(f(x)) + i - d) >>> 0);
  // The flush to zero: m * 2^k below 2^-126 (x near ln 2^-126 = -87.34 and down to ln 2^-128).
  // Below -104 only the cut gives +0: where |t| has its top nine significant bits set, k's
  // magnitude would wrap in eight bits (x near -177.3, and larger ones).
  const wrap = Array.from({ length: 14 }, (_, j) => near(-(2 ** (j + 7)) * (2 - 2 ** -9) / LOG2E_F32, 2)).flat();
  return [...fixed, ...near(-87.33654, 8), ...near(-87.68, 4), ...near(-88.0297, 4), ...near(-88.7228, 4), ...wrap,
    ...halfwayArgs(Array.from({ length: 151 }, (_, n) => n), 2)];
}

function expArg(rng: Rng): number {
  const kind = rng.int(0, 9);
  if (kind === 0) {
    const x = (rng.u32() | 0x80000000) >>> 0; // a negative bit pattern; a NaN becomes -infinity
    return (x & 0x7f800000) === 0x7f800000 ? 0xff800000 : x;
  }
  if (kind <= 3) return f32Bits(f(-rng.float() * 104));
  if (kind <= 5) return f32Bits(f(-(2 ** (rng.float() * 156 - 149))));
  if (kind === 6) return f32Bits(f(-87 - rng.float() * 2));
  if (kind === 7) return halfwayArgs([rng.int(0, 150)], 0)[0]! + rng.int(-3, 3);
  return f32Bits(f(-rng.float()));
}

/** The edge pairs, then `count` seeded random pairs, with the numerics' results. */
export function fpVectors(op: FpUnitOp, count: number, seed: number): FpVectorSet {
  const rng = new Rng(seed ^ (FP_UNIT_OPS.indexOf(op) * 0x9e3779b1));
  const A: number[] = [];
  const B: number[] = [];
  if (op === 'exp') {
    A.push(...expEdgeArgs());
    for (let i = 0; i < count; i++) A.push(expArg(rng));
    B.push(...A.map(() => 0));
  } else if (op === 'sqrt') {
    for (const x of FP_EDGE_OPERANDS) {
      A.push(x);
      B.push(0);
    }
  } else {
    for (const x of FP_EDGE_OPERANDS) {
      for (const y of FP_EDGE_OPERANDS) {
        A.push(x);
        B.push(y);
      }
    }
  }
  for (let i = 0; op !== 'exp' && i < count; i++) {
    const [a, b] = pair(rng, op);
    if (op === 'sqrt') {
      // a positive operand most of the time; perfect squares and their neighbours sometimes
      let x = rng.int(0, 3) === 0 ? a : (a & 0x7fffffff) >>> 0;
      if (rng.int(0, 7) === 0) {
        const r = Math.fround(Math.sqrt(Math.abs(new Float32Array(new Uint32Array([x]).buffer)[0]!)));
        const sq = new Uint32Array(new Float32Array([Math.fround(r * r)]).buffer)[0]!;
        x = (sq + rng.int(-1, 1)) >>> 0;
      }
      A.push(x);
      B.push(0);
    } else {
      A.push(a);
      B.push(b);
    }
  }
  const a = Uint32Array.from(A);
  const b = Uint32Array.from(B);
  const y = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = fpUnitBits(op, a[i]!, b[i]!);
  return { op, a, b, y };
}

/** Write the BNHWFP01 file for the given units and their contract cycles. */
export function writeFpVectors(file: string, sets: readonly { set: FpVectorSet; cycles: number }[]): void {
  const words: number[] = [];
  for (const { set, cycles } of sets) {
    words.push(FP_UNIT_OPS.indexOf(set.op), cycles, set.a.length);
    for (let i = 0; i < set.a.length; i++) words.push(set.a[i]!, set.b[i]!, set.y[i]!);
  }
  const body = new Uint8Array(new Uint32Array(words).buffer);
  const out = new Uint8Array(8 + body.length);
  out.set(new TextEncoder().encode('BNHWFP01'), 0);
  out.set(body, 8);
  writeFileAtomic(file, out);
}

/** Read a BNHWFP01 file back (the tests' check of what the bench saw). */
export function readFpVectorCounts(file: string): Record<string, number> {
  const buf = fs.readFileSync(file);
  const out: Record<string, number> = {};
  let o = 8;
  while (o < buf.length) {
    const op = FP_UNIT_OPS[buf.readUInt32LE(o)]!;
    const n = buf.readUInt32LE(o + 8);
    out[op] = n;
    o += 12 + 12 * n;
  }
  return out;
}
