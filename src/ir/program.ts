/**
 * The accelerator program: the single source of truth for control of the whole-model
 * accelerator. The compiler (compile.ts) lowers a model and an architecture to it; the simulator
 * (src/sim/machine.ts) executes it; the whole-model RTL executes its binary image from a program
 * memory. Plain readonly data, a `kind`/`op` on every node.
 *
 * Machine model. A sequencer issues instructions in program order; each instruction runs on one
 * unit (engine, vector, sfu, attention, head) and issues when its unit is free and the buffers it
 * reads are complete (a scoreboard). Operands are scratchpad buffers of fp32 words (addresses
 * decided by the compiler), the KV cache (per layer, position rows), the parameter memory (norm
 * weights, scalars) and the embedding/head memory. A program runs once per token; the token id
 * and its position are machine registers, and so is the logits flag: when the host clears it (a
 * prompt token whose logits nobody reads) `head` and `argmax` retire without running.
 *
 * Row blocks. A run processes `rows` tokens at once (1 <= rows <= the program's `rows`, a machine
 * register the host sets): the prompt in blocks, decoding one token per run. Every buffer but the
 * logits holds one row per token (row r at base + r * rowWords); every instruction except `head`
 * and `argmax` does its work for each row (row r at position pos + r: `rope`, `kvw`, and `attn`,
 * which reads positions 0..pos + r, causal within the block); `lin` streams all rows through each
 * BitLinear in turn, so a weight is read once per block; `head` and `argmax` take the last row.
 *
 * Instruction set (every value rule is in src/numerics; every timing rule in units.ts):
 *   embed  dst                       hidden-size row of the embedding for the token register
 *   lin    layer, src, dst, chain    one BitLinear on the engine; `chain`: streams right after the
 *                                    previous lin from the same input (q, k, v; gate, up)
 *   vmul   dst, a, b, n, bcast       elementwise fp32 product (b a scalar when bcast)
 *   vadd   dst, a, b, n              elementwise fp32 sum
 *   vsumsq dst, a, n                 sum of squares in the fixed order (a scalar)
 *   vmean  dst, a, n                 sum in the fixed order, divided by n (a scalar)
 *   vsubs  dst, a, s, n              a - scalar s
 *   rsqrt  dst, a, eps, n            dst = 1 / sqrt(a / n + eps), scalars (sfu: divide, sqrt, divide)
 *   rope   buf, heads, headDim       rotate-half RoPE with the table row of the position register
 *   kvw    layer, k, v               write the position row of the layer's K and V caches
 *   attn   layer, q, dst             every head: scores, softmax (exp), value sums over positions 0..pos
 *   act    kind, gate, up, dst, n    relu2-gated / swiglu / gelu
 *   head   src, dst                  logits: dot products with every row of the head
 *   argmax src, n                    the token output register (lowest index wins a tie)
 *   end                              the token's logits and argmax go to the host
 */
import type { FfnActivation } from './types.js';
import { assertNever } from '../util/diagnostics.js';

/** A scratchpad buffer: `rows` rows of `rowWords` fp32 words (`words` in all) at `base`. */
export interface BufferAlloc {
  readonly kind: 'buffer';
  readonly id: number;
  readonly name: string;
  readonly rowWords: number;
  readonly rows: number;
  readonly words: number;
  readonly base: number;
}

/** A parameter-memory segment (norm weights and biases, as fp32 words). */
export interface ParamAlloc {
  readonly kind: 'param';
  readonly id: number;
  readonly name: string;
  readonly words: number;
  readonly base: number;
  /** Where the words come from: a model tensor, or a scalar constant. */
  readonly source: { readonly tensor: string } | { readonly value: number };
}

export type Instr =
  | { readonly op: 'embed'; readonly dst: number }
  | { readonly op: 'lin'; readonly layer: number; readonly src: number; readonly dst: number; readonly chain: boolean }
  | { readonly op: 'vmul'; readonly dst: number; readonly a: number; readonly b: number; readonly n: number; readonly bcast: boolean; readonly bParam: boolean }
  | { readonly op: 'vadd'; readonly dst: number; readonly a: number; readonly b: number; readonly n: number; readonly bParam: boolean }
  | { readonly op: 'vsumsq'; readonly dst: number; readonly a: number; readonly n: number }
  | { readonly op: 'vmean'; readonly dst: number; readonly a: number; readonly n: number }
  | { readonly op: 'vsubs'; readonly dst: number; readonly a: number; readonly s: number; readonly n: number }
  | { readonly op: 'rsqrt'; readonly dst: number; readonly a: number; readonly eps: number; readonly n: number }
  | { readonly op: 'rope'; readonly buf: number; readonly heads: number; readonly headDim: number; readonly table: number }
  | { readonly op: 'kvw'; readonly layer: number; readonly k: number; readonly v: number }
  | { readonly op: 'attn'; readonly layer: number; readonly q: number; readonly dst: number }
  | { readonly op: 'act'; readonly kind: FfnActivation; readonly gate: number; readonly up: number; readonly dst: number; readonly n: number }
  | { readonly op: 'head'; readonly src: number; readonly dst: number }
  | { readonly op: 'argmax'; readonly src: number; readonly n: number }
  | { readonly op: 'end' };

export type Op = Instr['op'];

/** Opcodes of the binary image (stable: a change is a new program format version). */
export const OPCODES: Readonly<Record<Op, number>> = {
  embed: 1, lin: 2, vmul: 3, vadd: 4, vsumsq: 5, vmean: 6, vsubs: 7, rsqrt: 8, rope: 9,
  kvw: 10, attn: 11, act: 12, head: 13, argmax: 14, end: 15,
};

export const PROGRAM_FORMAT_VERSION = 2;

/** The attention geometry of a layer (all layers of a model share it). */
export interface AttentionGeom {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** RoPE base (null: no RoPE); the table memory holds cos/sin rows computed from it. */
  readonly ropeTheta: number | null;
}

export interface Program {
  readonly kind: 'program';
  readonly version: number;
  readonly model: string;
  readonly arch: string;
  readonly hidden: number;
  readonly vocab: number;
  /** Positions the KV cache holds (the architecture's context length). */
  readonly context: number;
  /** Most tokens one run processes (the row block; buffers are sized for it). */
  readonly rows: number;
  readonly attention: AttentionGeom;
  readonly kvFormat: 'fp32' | 'bf16' | 'fp16';
  /** Bits per stored embedding/head element (the model's stored precision, read as is). */
  readonly embeddingBits: number;
  /** Engine layer ids -> BitLinear names (the engine plan's order). */
  readonly engineLayers: readonly string[];
  readonly buffers: readonly BufferAlloc[];
  readonly scratchpadWords: number;
  readonly params: readonly ParamAlloc[];
  readonly paramWords: number;
  /** KV cache: words per position row of one layer (K or V), and in all. */
  readonly kvRowWords: number;
  readonly kvWords: number;
  readonly instructions: readonly Instr[];
  /** The decoder layer each instruction belongs to (-1: the embedding, the final norm and head). */
  readonly layerOf: readonly number[];
}

/** The buffers an instruction reads (scratchpad ids). */
export function reads(i: Instr): number[] {
  switch (i.op) {
    case 'embed':
    case 'end':
      return [];
    case 'lin':
      return [i.src];
    case 'vmul':
      return i.bParam ? [i.a] : [i.a, i.b];
    case 'vadd':
      return i.bParam ? [i.a] : [i.a, i.b];
    case 'vsumsq':
    case 'vmean':
      return [i.a];
    case 'vsubs':
      return [i.a, i.s];
    case 'rsqrt':
      return [i.a];
    case 'rope':
      return [i.buf];
    case 'kvw':
      return [i.k, i.v];
    case 'attn':
      return [i.q];
    case 'act':
      return i.kind === 'gelu' ? [i.up] : [i.gate, i.up];
    case 'head':
      return [i.src];
    case 'argmax':
      return [i.src];
    default:
      return assertNever(i, 'instruction');
  }
}

/** The buffers an instruction writes. */
export function writes(i: Instr): number[] {
  switch (i.op) {
    case 'embed':
    case 'lin':
    case 'vmul':
    case 'vadd':
    case 'vsumsq':
    case 'vmean':
    case 'vsubs':
    case 'rsqrt':
    case 'attn':
    case 'act':
    case 'head':
      return [i.dst];
    case 'rope':
      return [i.buf];
    case 'kvw':
    case 'argmax':
    case 'end':
      return [];
    default:
      return assertNever(i, 'instruction');
  }
}
